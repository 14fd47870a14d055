import { Value } from '@sinclair/typebox/value';
import { type ContainerInfo, isUnrotError, silentLogger } from '@unrot/sdk';
import { createLocalExec } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import probe, { CmdOptionsSchema } from '../src/index.js';

const container: ContainerInfo = { vmid: 101, name: 'ct101', status: 'running', tags: [], unprivileged: true, template: false };

function attempt(options: unknown) {
  const exec = createLocalExec();
  const ctx = {
    exec: { read: exec.read },
    log: silentLogger,
    signal: new AbortController().signal,
    options: Value.Default(CmdOptionsSchema, options) as never,
    container,
  };
  return { exec, result: probe.attempt(ctx) };
}

describe('probe cmd', () => {
  it('accepts only a non-empty array of strings as argv', () => {
    const check = (options: unknown) => Value.Check(CmdOptionsSchema, Value.Default(CmdOptionsSchema, options));
    expect(check({ argv: ['systemctl', 'is-active', 'nginx'] })).toBe(true);
    expect(check({})).toBe(false);
    expect(check({ argv: [] })).toBe(false);
    expect(check({ argv: 'systemctl is-active nginx' })).toBe(false);
    expect(check({ argv: ['ok', 3] })).toBe(false);
    expect(check({ argv: ['true'], stdout_contains: '' })).toBe(false);
    expect(check({ argv: ['true'], extra: 1 })).toBe(false);
  });

  it('runs argv as given through exec.read only, without a shell', async () => {
    const { exec, result } = attempt({ argv: ['printf', '%s', 'a b;c'], stdout_contains: 'a b;c' });
    expect((await result).ok).toBe(true);
    expect(exec.records).toEqual([{ kind: 'read', argv: ['printf', '%s', 'a b;c'], executed: true }]);
  });

  it('names only argv[0] in the detail, so credentials in arguments stay out of reports', async () => {
    const { result } = attempt({ argv: ['sh', '-c', 'exit 4', 'token=s3cr3t'] });
    const { ok, detail } = await result;
    expect(ok).toBe(false);
    expect(detail).toBe('sh exited 4');
    expect(detail).not.toContain('s3cr3t');
  });

  it('refuses an invalid stdout_regex with E_CONFIG before running anything', async () => {
    const { exec, result } = attempt({ argv: ['true'], stdout_regex: '(' });
    const error = await result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isUnrotError(error) && error.code).toBe('E_CONFIG');
    expect(exec.records).toEqual([]);
  });

  it('a timed-out command is killed on time', async () => {
    const started = performance.now();
    const { result } = attempt({ argv: ['sleep', '10'], timeout_ms: 300 });
    expect((await result).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
