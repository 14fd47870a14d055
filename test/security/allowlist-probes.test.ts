// Attack: a `cmd` health probe runs an arbitrary binary as root inside the container, before
// the backup, without being on global.yml's command_allowlist. Today's code (before this
// change) checked hooks, restart start commands and custom runner steps, but not probes:
// `argv: [rm, -rf, /srv/data]` in a container file passed `unrot validate` and ran at the
// baseline health check.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/engine/src/config/config-error.js';
import { loadConfig } from '../../packages/engine/src/config/load-config.js';
import { discoverProbes } from '../../packages/engine/src/health/discover-probes.js';
import { validateHealthPolicy } from '../../packages/engine/src/health/validate-health-policy.js';

const repo = join(import.meta.dirname, '../..');
const bin = join(repo, 'packages/cli/bin/run.js');
const bundled = ['probe-cmd', 'probe-http', 'probe-tcp'].map((p) => join(repo, 'plugins', p));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-sec-allow-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const cmdCheck = (argv: string) => `health_checks:\n  - name: app\n    probe: cmd\n    options:\n      argv: ${argv}\n`;

async function problemsOf(dir: string) {
  const config = await loadConfig(dir);
  try {
    validateHealthPolicy(config, await discoverProbes(bundled));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  return undefined;
}

describe('command_allowlist covers cmd health probes', () => {
  it('a cmd probe binary not on the allowlist fails validation with file, line and key path', async () => {
    const dir = tree({ 'global.yml': 'command_allowlist: [curl]\n', 'containers/101.yml': cmdCheck('[rm, -rf, /srv/data]') });
    const err = await problemsOf(dir);
    expect(err?.problems).toEqual([
      expect.objectContaining({
        file: join(dir, 'containers', '101.yml'),
        line: 5,
        path: 'health_checks[0].options.argv[0]',
        message: expect.stringContaining("binary 'rm' is not on command_allowlist"),
      }),
    ]);
    expect(err?.message).toMatch(/containers\/101\.yml:5:\d+ health_checks\[0\]\.options\.argv\[0\]: binary 'rm'/);
  });

  it('cmd probes in global defaults are checked, and the allowlist or allow_unlisted_commands lets them through', async () => {
    const defaults = 'defaults:\n  health_checks:\n    - probe: cmd\n      options: { argv: [/usr/local/bin/check-app] }\n';
    const err = await problemsOf(tree({ 'global.yml': defaults }));
    expect(err?.problems[0]).toMatchObject({ line: 4, path: 'defaults.health_checks[0].options.argv[0]' });
    expect(await problemsOf(tree({ 'global.yml': `command_allowlist: [/usr/local/bin/check-app]\n${defaults}` }))).toBeUndefined();
    const optedOut = tree({ 'global.yml': '', 'containers/101.yml': `allow_unlisted_commands: true\n${cmdCheck('[rm, x]')}` });
    expect(await problemsOf(optedOut)).toBeUndefined();
  });

  it('argv[0] with shell characters is refused even when unlisted commands are allowed', async () => {
    const dir = tree({ 'global.yml': 'defaults:\n  allow_unlisted_commands: true\n', 'containers/101.yml': cmdCheck('["sh -c id"]') });
    expect((await problemsOf(dir))?.problems[0]?.message).toContain("'sh -c id' is not a command name or an absolute path");
  });

  it('unrot validate exits 2 and names the probe argv (the cli loads the bundled cmd probe)', () => {
    const dir = tree({ 'global.yml': 'command_allowlist: [curl]\n', 'containers/101.yml': cmdCheck('[rm, -rf, /srv/data]') });
    const r = spawnSync(process.execPath, [bin, 'validate', '--config', dir], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/101\.yml:5:\d+ health_checks\[0\]\.options\.argv\[0\]: binary 'rm' is not on command_allowlist/);
  });
});
