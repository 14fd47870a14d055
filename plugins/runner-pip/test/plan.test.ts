import { Value } from '@sinclair/typebox/value';
import type { CheckResult, RunnerContext } from '@unrot/sdk';
import { silentLogger } from '@unrot/sdk';
import { contractContainer, createReplayExec } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import runner, { type PipOptions } from '../src/index.js';

function ctx(options: Partial<PipOptions>): RunnerContext<PipOptions> {
  return {
    exec: createReplayExec([]),
    log: silentLogger,
    signal: new AbortController().signal,
    options: Value.Default(runner.optionsSchema, structuredClone(options)) as PipOptions,
    container: contractContainer(),
    exclusions: [],
  };
}

const update = (name: string, to: string, scope: string) => ({ updates: [{ name, from: '1.0', to, scope }], withheld: [] }) as CheckResult;
const code = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );

describe('plan', () => {
  it('runs no command and plans exact pins per venv, with the constraints file and nothing else', async () => {
    const c = ctx({ venvs: ['/opt/py-app/venv'], constraints: '/opt/py-app/constraints.txt' });
    const steps = await runner.plan(c, update('unrot-demo-lib', '1.1.0', '/opt/py-app/venv'));
    expect(steps.map((s) => s.argv)).toEqual([
      [
        '/opt/py-app/venv/bin/python',
        ...['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '--upgrade', '-c', '/opt/py-app/constraints.txt'],
        'unrot-demo-lib==1.1.0',
      ],
    ]);
    expect((c.exec as ReturnType<typeof createReplayExec>).records).toEqual([]);
  });

  it('passes --break-system-packages only to the system pip, and only when the policy says so', async () => {
    const allowed = await runner.plan(ctx({ system: true, break_system_packages: true }), update('distro', '1.9.0', 'system'));
    expect(allowed[0]?.argv).toEqual([
      'python3',
      '-m',
      'pip',
      'install',
      '--no-input',
      '--disable-pip-version-check',
      '--upgrade',
      '--break-system-packages',
      'distro==1.9.0',
    ]);
    const venv = await runner.plan(ctx({ venvs: ['/v'], break_system_packages: true }), update('x', '2.0', '/v'));
    expect(venv[0]?.argv).not.toContain('--break-system-packages');
  });

  it('refuses unsafe names and versions, and scopes the policy does not configure', async () => {
    const c = ctx({ venvs: ['/v'] });
    expect(await code(runner.plan(c, update('--index-url=http://evil', '1.0', '/v')))).toBe('E_RUNNER_UNSAFE_NAME');
    expect(await code(runner.plan(c, update('x', '1.0; rm -rf /', '/v')))).toBe('E_RUNNER_UNSAFE_NAME');
    expect(await code(runner.plan(c, update('x', '2.0', '/elsewhere')))).toBe('E_RUNNER_UNSAFE_NAME');
    expect(await code(runner.plan(c, update('x', '2.0', 'pipx:x')))).toBe('E_RUNNER_UNSAFE_NAME');
  });

  it('refuses venv paths that are not plain absolute paths', () => {
    for (const venv of ['relative/venv', '/opt/../etc', '/opt/a b', '/opt/$(id)']) {
      expect(Value.Check(runner.optionsSchema, { venvs: [venv] }), venv).toBe(false);
    }
    expect(
      Value.Check(runner.optionsSchema, Value.Default(runner.optionsSchema, { venvs: ['/opt/py-app/venv', '/srv/app-1.2/.venv'] })),
    ).toBe(true);
  });
});

describe('check refuses unsafe names in pip output', () => {
  it('stops with E_RUNNER_UNSAFE_NAME before anything reaches argv', async () => {
    const c = ctx({ venvs: ['/v'] });
    c.exec = createReplayExec([
      {
        argv: ['/v/bin/python', '-m', 'pip', '--version'],
        exitCode: 0,
        stdout: 'pip 23.0.1 from /v/lib/python3.11/site-packages/pip (python 3.11)\n',
      },
      {
        argv: ['/v/bin/python', '-m', 'pip', 'list', '--outdated', '--format=json', '--disable-pip-version-check'],
        exitCode: 0,
        // A hostile index or a tampered venv could put anything in metadata.
        stdout: '[{"name": "--extra-index-url=http://evil", "version": "1.0", "latest_version": "2.0", "latest_filetype": "wheel"}]',
      },
    ]);
    expect(await code(runner.check(c))).toBe('E_RUNNER_UNSAFE_NAME');
  });
});
