import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { effectivePolicy, loadConfig, type RunnerCatalogEntry, validateRunnerOptions } from '../../src/config/index.js';
import { configDir, configError } from './helpers.js';

/** A catalog shaped like the real plugins' (ids, kinds, typebox option schemas with defaults). */
const catalog = new Map<string, RunnerCatalogEntry>([
  [
    'apt',
    {
      id: 'apt',
      kind: 'os',
      optionsSchema: Type.Object(
        {
          mode: Type.Union([Type.Literal('upgrade'), Type.Literal('full-upgrade')], { default: 'upgrade' }),
          lock_timeout_s: Type.Integer({ minimum: 0, maximum: 3600, default: 120 }),
        },
        { additionalProperties: false },
      ),
    },
  ],
  [
    'npm',
    {
      id: 'npm',
      kind: 'app',
      optionsSchema: Type.Object(
        {
          projects: Type.Array(Type.String({ pattern: '^/' }), { default: [] }),
          allow_major: Type.Boolean({ default: false }),
        },
        { additionalProperties: false },
      ),
    },
  ],
  [
    'pip',
    {
      id: 'pip',
      kind: 'app',
      optionsSchema: Type.Object(
        { venvs: Type.Array(Type.String({ pattern: '^/' }), { default: [] }), token: Type.String() },
        { additionalProperties: false },
      ),
    },
  ],
]);

describe('validateRunnerOptions', () => {
  it('accepts installed runners with valid options', async () => {
    const config = await loadConfig(
      await configDir({
        'global.yml': 'defaults:\n  runners:\n    os: apt\n    apt: { mode: full-upgrade }\n',
        'containers/101.yml': 'runners:\n  npm:\n    projects: [/opt/web-app]\n',
        'containers/102.yml': 'runners:\n  os: none\n',
      }),
    );
    expect(() => validateRunnerOptions(config, catalog)).not.toThrow();
  });

  it('rejects unknown runner ids with the installed list, pointing at the key', async () => {
    const dir = await configDir({
      'global.yml': 'defaults:\n  runners:\n    yarn: {}\n',
      'containers/101.yml': 'retries: 1\nrunners:\n  npm: {}\n  foo:\n    bar: 1\n',
    });
    const config = await loadConfig(dir);
    const err = await configError(() => validateRunnerOptions(config, catalog));
    expect(err.code).toBe('E_CONFIG');
    expect(err.problems).toEqual([
      {
        file: join(dir, 'containers/101.yml'),
        line: 4,
        column: 3,
        path: 'runners.foo',
        message: "unknown runner 'foo' (installed: apt, npm, pip)",
        expected: 'the id of an installed runner plugin',
      },
      {
        file: join(dir, 'global.yml'),
        line: 3,
        column: 5,
        path: 'defaults.runners.yarn',
        message: "unknown runner 'yarn' (installed: apt, npm, pip)",
        expected: 'the id of an installed runner plugin',
      },
    ]);
  });

  it("validates each plugin's options with its own schema, defaults applied first", async () => {
    const dir = await configDir({
      'global.yml': 'defaults:\n  runners:\n    apt:\n      mode: dist-upgrade\n      lock_timeout_s: 99999\n',
      'containers/101.yml': 'runners:\n  npm:\n    projects: [relative/dir]\n    alow_major: true\n',
      // pip's `token` has no default, so leaving it out is an error; venvs may be left out.
      'containers/102.yml': 'runners:\n  pip: {}\n',
    });
    const config = await loadConfig(dir);
    const err = await configError(() => validateRunnerOptions(config, catalog));
    expect(
      err.problems.map((p) => `${p.file.slice(dir.length + 1)}:${p.line}:${p.column} ${p.path}: ${p.message} (expected ${p.expected})`),
    ).toEqual([
      "containers/101.yml:3:16 runners.npm.projects[0]: 'relative/dir' is not allowed here (expected an absolute path, starting with /)",
      "containers/101.yml:4:5 runners.npm.alow_major: unknown key 'alow_major' (did you mean 'allow_major'?) (expected one of: projects, allow_major)",
      "containers/102.yml:2:8 runners.pip.token: missing required key 'token' (expected a string)",
      "global.yml:4:13 defaults.runners.apt.mode: wrong value: the string 'dist-upgrade' (expected one of: upgrade, full-upgrade)",
      'global.yml:5:23 defaults.runners.apt.lock_timeout_s: 99999 is out of range (expected an integer from 0 to 3600)',
    ]);
  });

  it('rejects an os runner that is not installed, and options for an os runner not in use', async () => {
    const dir = await configDir({
      'global.yml': '',
      'containers/101.yml': 'runners:\n  os: dnf\n',
      'containers/102.yml': 'runners:\n  os: none\n  apt: { mode: upgrade }\n',
    });
    const config = await loadConfig(dir);
    const err = await configError(() => validateRunnerOptions(config, catalog));
    expect(err.problems).toEqual([
      {
        file: join(dir, 'containers/101.yml'),
        line: 2,
        column: 7,
        path: 'runners.os',
        message: "os runner 'dnf' is not installed (installed os runners: apt)",
        expected: 'the id of an installed os runner, or none',
      },
      {
        file: join(dir, 'containers/102.yml'),
        line: 3,
        column: 3,
        path: 'runners.apt',
        message: "'apt' is an os runner, but this file's os runner is 'none'",
        expected: "options only for the os runner in use; select it with 'os: apt'",
      },
    ]);
  });

  it('refuses an app runner named as the os runner, naming the installed os runners', async () => {
    const dir = await configDir({ 'global.yml': 'defaults:\n  runners:\n    os: npm\n' });
    const err = await configError(async () => validateRunnerOptions(await loadConfig(dir), catalog));
    expect(err.problems).toEqual([
      {
        file: join(dir, 'global.yml'),
        line: 3,
        column: 9,
        path: 'defaults.runners.os',
        message: "'npm' is an app runner, not an os runner (installed os runners: apt)",
        expected: 'the id of an installed os runner, or none',
      },
    ]);
  });

  it('accepts any installed runner of kind os, not a fixed list (a third-party zypper)', async () => {
    const zypper: RunnerCatalogEntry = {
      id: 'zypper',
      kind: 'os',
      optionsSchema: Type.Object({ state_file: Type.String({ pattern: '^/', default: '/var/lib/z' }) }, { additionalProperties: false }),
    };
    const withZypper = new Map([...catalog, ['zypper', zypper]]);
    const dir = await configDir({
      'global.yml': 'defaults:\n  runners:\n    os: zypper\n    zypper: { state_file: /srv/state }\n',
      'containers/101.yml': 'runners:\n  npm: {}\n',
      'containers/102.yml': 'runners:\n  os: apt\n',
    });
    const config = await loadConfig(dir);
    validateRunnerOptions(config, withZypper);
    expect(effectivePolicy(config, 101)).toMatchObject({
      osRunner: 'zypper',
      osRunnerOptions: { state_file: '/srv/state' },
      appRunners: [{ id: 'npm', options: { projects: [], allow_major: false } }],
    });
    // The defaults' zypper options belong to the defaults' os runner; a container on apt gets apt's.
    expect(effectivePolicy(config, 102)).toMatchObject({ osRunner: 'apt', osRunnerOptions: { mode: 'upgrade' }, appRunners: [] });

    // Without the plugin installed, the same file is refused at the `os:` line, naming what is installed.
    const err = await configError(() => validateRunnerOptions(config, catalog));
    expect(err.problems.map((p) => `${p.path}:${p.line}: ${p.message}`)).toEqual([
      "defaults.runners.os:3: os runner 'zypper' is not installed (installed os runners: apt)",
      "defaults.runners.zypper:4: unknown runner 'zypper' (installed: apt, npm, pip)",
    ]);
  });

  it('refuses an os value that is no runner id at all in the schema pass, with file and line', async () => {
    const dir = await configDir({ 'global.yml': '', 'containers/101.yml': 'runners:\n  os: "apt; rm -rf /"\n' });
    const err = await configError(() => loadConfig(dir));
    expect(err.problems).toEqual([
      expect.objectContaining({
        file: join(dir, 'containers/101.yml'),
        line: 2,
        path: 'runners.os',
        expected: 'a runner id: lowercase letters, digits and -, starting with a letter, at most 64 characters',
      }),
    ]);
  });

  it('lets effectivePolicy hand runners their options with plugin defaults filled in', async () => {
    const config = await loadConfig(
      await configDir({
        'global.yml': 'defaults:\n  runners:\n    apt: { mode: full-upgrade }\n',
        'containers/101.yml': 'runners:\n  npm:\n    projects: [/opt/web-app]\n',
      }),
    );
    // before validation, options are passed on as written
    expect(effectivePolicy(config, 101).appRunners).toEqual([{ id: 'npm', options: { projects: ['/opt/web-app'] } }]);
    validateRunnerOptions(config, catalog);
    const p = effectivePolicy(config, 101);
    expect(p.osRunner).toBe('apt');
    expect(p.osRunnerOptions).toEqual({ mode: 'full-upgrade', lock_timeout_s: 120 });
    expect(p.appRunners).toEqual([{ id: 'npm', options: { projects: ['/opt/web-app'], allow_major: false } }]);
    // the loaded config itself is not mutated by applying defaults
    expect(config.containers.get(101)?.policy.runners).toEqual({ npm: { projects: ['/opt/web-app'] } });
    expect(effectivePolicy(config, 999).osRunnerOptions).toEqual({ mode: 'full-upgrade', lock_timeout_s: 120 });
  });
});
