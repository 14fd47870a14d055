import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { runnerLimitFor, validateRunnerCaps } from '../../src/config/runner-limits.js';
import { configDir, configError } from '../config/helpers.js';

// runner_limits and concurrency: sit beside runners:, never inside a runner's option block (that
// block is the plugin's schema); their runner ids must be installed runners.

describe('runner_limits and concurrency in the policy files', () => {
  it('a container entry overrides the defaults entry key by key; what neither sets is left to timeouts/retries', async () => {
    const dir = await configDir({
      'global.yml':
        'concurrency:\n  per_runner:\n    npm: 2\n  per_storage:\n    local-lvm: 1\ndefaults:\n  runner_limits:\n    npm:\n      timeouts:\n        check: 300\n        apply: 1800\n      retries: 2\n',
      'containers/101.yml': 'runner_limits:\n  npm:\n    timeouts:\n      apply: 600\n  pip:\n    retries: 0\n',
    });
    const config = await loadConfig(dir);
    expect(runnerLimitFor(config, 101, 'npm')).toEqual({ timeoutsMs: { check: 300_000, apply: 600_000 }, retries: 2 });
    expect(runnerLimitFor(config, 101, 'pip')).toEqual({ retries: 0 });
    expect(runnerLimitFor(config, 102, 'npm')).toEqual({ timeoutsMs: { check: 300_000, apply: 1_800_000 }, retries: 2 });
    expect(runnerLimitFor(config, 102, 'apt')).toEqual({});
    expect(config.global.concurrency).toEqual({ per_runner: { npm: 2 }, per_storage: { 'local-lvm': 1 } });
  });

  it('refuses engine keys inside a step it does not cover, bad keys and out-of-range caps, pointing at the line', async () => {
    const dir = await configDir({
      'global.yml': 'concurrency:\n  per_runner:\n    Bad_Id: 2\n    npm: 0\n  per_storage:\n    "local lvm": 1\n',
      'containers/101.yml': 'runner_limits:\n  npm:\n    timeouts:\n      backup: 60\n',
    });
    const err = await configError(() => loadConfig(dir));
    const lines = err.problems.map((p) => `${p.file.endsWith('global.yml') ? 'global' : '101'}:${p.line} ${p.path}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'global:3 concurrency.per_runner.Bad_Id',
        'global:4 concurrency.per_runner.npm',
        'global:6 concurrency.per_storage.local lvm',
        '101:4 runner_limits.npm.timeouts.backup',
      ]),
    );
    const say = (path: string) => err.problems.find((p) => p.path === path);
    expect(say('concurrency.per_runner.Bad_Id')).toMatchObject({
      message: "'Bad_Id' is not a valid runner id",
      expected: 'a runner id: lowercase letters, digits and -, starting with a letter',
    });
    expect(say('concurrency.per_storage.local lvm')).toMatchObject({
      message: "'local lvm' is not a valid storage id",
      expected: 'a Proxmox storage id: letters, digits and _ . - only, starting with a letter',
    });
    expect(say('runner_limits.npm.timeouts.backup')).toMatchObject({ expected: 'one of: detect, check, plan, apply' });
  });

  it('a runner id that is not installed is a configuration error (a typo would cap nothing)', async () => {
    const dir = await configDir({
      'global.yml': 'concurrency:\n  per_runner:\n    nmp: 2\ndefaults:\n  runner_limits:\n    npm:\n      retries: 1\n',
      'containers/101.yml': 'runner_limits:\n  yarn:\n    retries: 1\n',
    });
    const config = await loadConfig(dir);
    const err = await configError(() => validateRunnerCaps(config, new Set(['apt', 'npm'])));
    expect(err.code).toBe('E_CONFIG');
    expect(err.problems).toEqual([
      {
        file: join(dir, 'containers/101.yml'),
        line: 2,
        column: 3,
        path: 'runner_limits.yarn',
        message: "unknown runner 'yarn' (installed: apt, npm)",
        expected: 'the id of an installed runner plugin',
      },
      {
        file: join(dir, 'global.yml'),
        line: 3,
        column: 5,
        path: 'concurrency.per_runner.nmp',
        message: "unknown runner 'nmp' (installed: apt, npm)",
        expected: 'the id of an installed runner plugin',
      },
    ]);
  });
});
