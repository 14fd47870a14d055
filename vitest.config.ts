import { defineConfig } from 'vitest/config';

// Three groups, run in this order (groupOrder):
// - unit: offline, unprivileged, no LXC; the loop a contributor runs (`npm run test:unit`).
// - integration: `*.integration.test.ts` — needs root, network, or real package managers
//   (debootstrap/chroot, npm/yarn/pnpm from the registry, pip, venvs), but no LXC containers.
// - lxc: tests that build real LXC containers (the sandbox, the drills, `*.lxc.test.ts`), one
//   file at a time, since they share loop devices, host ports and CPU.
// The naming convention decides the project, so no list of files has to be kept in sync.
const integration = '**/*.integration.test.ts';
const lxc = ['packages/sandbox/test/**/*.test.ts', 'test/drills/**/*.test.ts', '**/*.lxc.test.ts'];
const all = ['packages/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'test/**/*.test.ts'];
const ignored = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
    // Per-process lock directory: unrot's locks are host-wide (see test/security/lock-dir-setup.ts).
    setupFiles: ['./test/security/lock-dir-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: all,
          exclude: [integration, ...lxc, ...ignored],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: all.map((glob) => glob.replace('*.test.ts', '*.integration.test.ts')),
          exclude: [...lxc, ...ignored],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'lxc',
          include: lxc,
          exclude: ignored,
          fileParallelism: false,
          testTimeout: 900_000,
          // The sandbox, health, policy, hook and wave drills share one sandbox: a run id for it, and its `down` after the run.
          globalSetup: ['./test/drills/apps-drill-teardown.ts'],
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
