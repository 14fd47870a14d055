import { defineConfig } from 'vitest/config';

// Two groups: fast tests run in parallel first; tests that build real LXC containers (the
// sandbox and the drills) run after them, one file at a time, since they share loop devices,
// host ports and CPU.
const lxc = ['packages/sandbox/test/**/*.test.ts', 'test/drills/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...lxc, '**/node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'lxc',
          include: lxc,
          fileParallelism: false,
          testTimeout: 900_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
