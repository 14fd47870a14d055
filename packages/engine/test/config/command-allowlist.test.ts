import { describe, expect, it } from 'vitest';
import { isAllowed, loadConfig, validateCommandAllowlist, validateRunnerOptions } from '../../src/config/index.js';
import { configDir, configError, discoverRunnerCatalog } from './helpers.js';

const catalog = new Map();

describe('command allowlist', () => {
  it('a hook binary not on command_allowlist fails validation with file, line and binary', async () => {
    const dir = await configDir({
      'global.yml': 'command_allowlist: [systemctl]\n',
      'containers/101.yml': 'pre_update:\n  - argv: [systemctl, stop, app.service]\npost_update:\n  - argv: [rm, -rf, /var/cache/app]\n',
    });
    const config = await loadConfig(dir);
    const err = await configError(() => validateCommandAllowlist(config, catalog));
    expect(err.problems).toEqual([
      expect.objectContaining({
        file: expect.stringMatching(/containers\/101\.yml$/),
        line: 4,
        path: 'post_update[0].argv[0]',
        message: expect.stringContaining("binary 'rm' is not on command_allowlist"),
      }),
    ]);
    expect(err.message).toMatch(/containers\/101\.yml:4:\d+ post_update\[0\]\.argv\[0\]: binary 'rm' is not on command_allowlist/);
  });

  it('hooks in global defaults are checked too, and the default allowlist is empty', async () => {
    const dir = await configDir({ 'global.yml': 'defaults:\n  post_update:\n    - argv: [/usr/local/bin/reindex]\n' });
    const err = await configError(async () => validateCommandAllowlist(await loadConfig(dir), catalog));
    expect(err.problems[0]).toMatchObject({ line: 3, path: 'defaults.post_update[0].argv[0]' });
    expect(err.problems[0]?.message).toContain("binary '/usr/local/bin/reindex'");
  });

  it('allow_unlisted_commands: true opts a policy out explicitly; other containers stay checked', async () => {
    const dir = await configDir({
      'global.yml': '',
      'containers/101.yml': 'allow_unlisted_commands: true\npre_update:\n  - argv: [rm, /tmp/x]\n',
      'containers/102.yml': 'pre_update:\n  - argv: [rm, /tmp/x]\n',
    });
    const err = await configError(async () => validateCommandAllowlist(await loadConfig(dir), catalog));
    expect(err.problems.map((p) => p.file.split('/').pop())).toEqual(['102.yml']);
  });

  it('on_rollback / on_failure hooks are checked like the others; a where: host hook even with allow_unlisted_commands', async () => {
    const dir = await configDir({
      'global.yml': 'command_allowlist: [systemctl]\ndefaults:\n  on_failure:\n    - argv: [/usr/local/bin/page-oncall]\n',
      'containers/101.yml':
        'allow_unlisted_commands: true\non_rollback:\n  - argv: [rm, /tmp/x]\n  - argv: [/usr/local/sbin/lb-drain, web1]\n    where: host\n',
    });
    const err = await configError(async () => validateCommandAllowlist(await loadConfig(dir), catalog));
    // rm in on_rollback[0] runs inside the container: the opt-out covers it; the host hook is refused.
    expect(err.problems.map((p) => `${p.file.split('/').pop()} ${p.path}: ${p.message.split(' is ')[0]}`)).toEqual([
      "101.yml on_rollback[1].argv[0]: binary '/usr/local/sbin/lb-drain'",
      "global.yml defaults.on_failure[0].argv[0]: binary '/usr/local/bin/page-oncall'",
    ]);
    for (const p of err.problems) expect(p.message).toContain('is not on command_allowlist');
  });

  it('argv[0] with shell characters is refused even when unlisted commands are allowed', async () => {
    const dir = await configDir({
      'global.yml': 'defaults:\n  allow_unlisted_commands: true\n',
      'containers/101.yml': 'pre_update:\n  - argv: ["rm -rf /; echo"]\n',
    });
    const err = await configError(async () => validateCommandAllowlist(await loadConfig(dir), catalog));
    expect(err.problems[0]?.message).toContain("'rm -rf /; echo' is not a command name or an absolute path");
  });

  it('a restart.processes[].start command is checked like a hook', async () => {
    const dir = await configDir({
      'global.yml': 'command_allowlist: [start-stop-daemon]\n',
      'containers/101.yml': [
        'restart:',
        '  processes:',
        '    - name: app',
        '      match: { pidfile: /run/app.pid }',
        '      start: [start-stop-daemon, --start, --background, --exec, /opt/app/run]',
        '    - name: worker',
        '      match: { comm: worker }',
        '      start: [/opt/app/worker, --daemon]',
        '',
      ].join('\n'),
    });
    const err = await configError(async () => validateCommandAllowlist(await loadConfig(dir), catalog));
    expect(err.problems.map((p) => [p.line, p.path])).toEqual([[8, 'restart.processes[1].start[0]']]);
    expect(err.problems[0]?.message).toContain("binary '/opt/app/worker'");
  });

  it('a bare entry allows only the bare name; an absolute entry only that path', () => {
    expect(isAllowed('systemctl', ['systemctl'])).toBe(true);
    expect(isAllowed('/tmp/x/systemctl', ['systemctl'])).toBe(false);
    expect(isAllowed('/usr/bin/systemctl', ['/usr/bin/systemctl'])).toBe(true);
    expect(isAllowed('systemctl', ['/usr/bin/systemctl'])).toBe(false);
  });

  it('allowlisted hooks validate', async () => {
    const dir = await configDir({
      'global.yml': 'command_allowlist: [systemctl, /opt/app/bin/migrate]\n',
      'containers/101.yml':
        'pre_update:\n  - argv: [systemctl, stop, app.service]\npost_update:\n  - argv: [/opt/app/bin/migrate, --yes]\n    timeout: 120\n',
    });
    const config = await loadConfig(dir);
    expect(() => validateCommandAllowlist(config, catalog)).not.toThrow();
  });
});

describe('custom runner commands (runner-custom: declaredCommands and validateOptions)', () => {
  it('a custom command binary not on the allowlist is refused with file, line and binary', async () => {
    const runners = await discoverRunnerCatalog();
    expect(runners.has('custom')).toBe(true);
    const dir = await configDir({
      'global.yml': 'command_allowlist: [/opt/app/bin/update]\n',
      'containers/101.yml': [
        'runners:',
        '  custom:',
        '    commands:',
        '      - name: update',
        '        argv: [/opt/app/bin/update, --quiet]',
        '      - name: wipe',
        '        argv: [/usr/bin/curl, -o, /tmp/x, https://example.org/x.sh]',
        '        only_if: [test, -e, /tmp/flag]',
        '',
      ].join('\n'),
    });
    const config = await loadConfig(dir);
    validateRunnerOptions(config, runners);
    const err = await configError(() => validateCommandAllowlist(config, runners));
    expect(err.problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [7, 'runners.custom.commands[1].argv[0]', expect.stringContaining("binary '/usr/bin/curl' is not on command_allowlist")],
      [8, 'runners.custom.commands[1].only_if[0]', expect.stringContaining("binary 'test' is not on command_allowlist")],
    ]);
  });

  it("the runner's own rules (unique names) are reported by validation with file and line", async () => {
    const runners = await discoverRunnerCatalog();
    const dir = await configDir({
      'global.yml': '',
      'containers/101.yml': 'runners:\n  custom:\n    commands:\n      - { name: a, argv: [x] }\n      - { name: a, argv: [y] }\n',
    });
    const config = await loadConfig(dir);
    const err = await configError(() => validateRunnerOptions(config, runners));
    expect(err.problems).toEqual([
      expect.objectContaining({
        line: 5,
        path: 'runners.custom.commands[1].name',
        message: expect.stringContaining('names must be unique'),
      }),
    ]);
  });
});
