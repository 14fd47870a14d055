import type { ProbeScenario } from '@unrot/sdk/testing';
import { createLocalExec } from '@unrot/sdk/testing';

/** Real commands on this machine through the SDK's local exec (the engine uses pct exec instead). */
const node = (script: string) => [process.execPath, '-e', script];

const scenario = (name: string, options: Record<string, unknown>, expect: ProbeScenario['expect']): ProbeScenario => ({
  name,
  setup: async () => ({ options, exec: createLocalExec(), teardown: async () => {} }),
  expect,
});

export const scenarios: ProbeScenario[] = [
  scenario('a command that exits 0', { argv: ['true'] }, { ok: true, detailMatches: /^true exited 0 in \d+ ms$/ }),
  scenario(
    'a command that prints the expected text',
    { argv: node('process.stdout.write("status: ready\\n")'), stdout_contains: 'ready' },
    { ok: true },
  ),
  scenario(
    'a command whose output matches the expected pattern',
    { argv: node('console.log("uptime 42s")'), stdout_regex: '^uptime \\d+s$' },
    { ok: true },
  ),
  scenario(
    'a command that exits non-zero with a message',
    { argv: node('console.error("database unreachable"); process.exit(3)') },
    { ok: false, detailMatches: /exited 3: database unreachable$/ },
  ),
  scenario(
    'a command that exits 0 without the expected text',
    { argv: node('console.log("status: starting")'), stdout_contains: 'ready' },
    { ok: false, detailMatches: /exited 0 but stdout does not contain "ready"/ },
  ),
  scenario(
    'a command whose output does not match the pattern',
    { argv: node('console.log("uptime soon")'), stdout_regex: '^uptime \\d+s$' },
    { ok: false, detailMatches: /stdout does not match \/\^uptime \\d\+s\$\// },
  ),
  scenario(
    'a command that does not exist',
    { argv: ['unrot-no-such-command-4711'] },
    { ok: false, detailMatches: /exited 127: not found/ },
  ),
  scenario(
    'a command that outlives its timeout',
    { argv: ['sleep', '5'], timeout_ms: 200 },
    { ok: false, detailMatches: /^sleep did not finish within 200 ms$/ },
  ),
];
