// Real execution on this machine (createLocalExec: argv, no shell) wherever the behaviour is about
// what commands do; the replay exec only where a real run cannot be arranged.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult, Exec, PlanStep } from '@unrot/sdk';
import { createLocalExec, createReplayExec } from '@unrot/sdk/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { contextFor, rejection, script, tempDir } from './support/context.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const at = (name: string) => join(dir, name);

/** detect → check → plan, as the engine runs them. */
async function planned(exec: Exec, options: unknown, exclusions: string[] = []) {
  const ctx = contextFor(exec, options, { exclusions });
  const detected = await runner.detect(ctx);
  expect(detected.applicable, detected.reason).toBe(true);
  const checked = await runner.check(ctx);
  return { ctx, checked, steps: await runner.plan(ctx, checked) };
}

describe('plan', () => {
  it('has one step per due command, in the listed order, with the exact argv; a timeout wraps it in timeout -k 10', async () => {
    const options = {
      commands: [
        { name: 'stop-worker', argv: ['systemctl', 'stop', 'app-worker'] },
        { name: 'refresh-app', argv: ['/opt/app/bin/update', '--quiet', 'a b; $(reboot)'], timeout: 300 },
        { name: 'start-worker', argv: ['systemctl', 'start', 'app-worker'], ok_exit_codes: [0, 3] },
      ],
    };
    const ctx = contextFor(createReplayExec([]), options);
    const check: CheckResult = {
      // Deliberately out of order: the plan follows the options, not the check result.
      updates: [
        { name: 'start-worker', from: 'due', to: 'run', scope: 'always' },
        { name: 'stop-worker', from: 'due', to: 'run', scope: 'always' },
        { name: 'refresh-app', from: 'due', to: 'run', scope: 'always' },
      ],
      withheld: [],
    };
    const steps = await runner.plan(ctx, check);
    expect(steps.map((s) => s.id)).toEqual(['custom-stop-worker', 'custom-refresh-app', 'custom-start-worker']);
    expect(steps.map((s) => s.argv)).toEqual([
      ['systemctl', 'stop', 'app-worker'],
      ['timeout', '-k', '10', '300', '/opt/app/bin/update', '--quiet', 'a b; $(reboot)'],
      ['systemctl', 'start', 'app-worker'],
    ]);
    // The host side gives up 15 s after the in-container timeout (TERM + 10 s KILL + 5 s margin).
    expect(steps.map((s) => s.timeoutMs)).toEqual([undefined, 315_000, undefined]);
  });

  it('is empty when nothing is due, and leaves out commands check did not report', async () => {
    const ctx = contextFor(createReplayExec([]), {
      commands: [
        { name: 'a', argv: ['true'] },
        { name: 'b', argv: ['true'] },
      ],
    });
    expect(await runner.plan(ctx, { updates: [], withheld: [] })).toEqual([]);
    const steps = await runner.plan(ctx, { updates: [{ name: 'b', from: 'due', to: 'run', scope: 'always' }], withheld: [] });
    expect(steps.map((s) => s.id)).toEqual(['custom-b']);
  });

  it('gives a gated command its update (verify re-checks it) and an ungated one none', async () => {
    writeFileSync(at('flag'), '');
    const { steps, checked } = await planned(createLocalExec(), {
      commands: [
        { name: 'gated', argv: ['true'], only_if: ['test', '-e', at('flag')] },
        { name: 'always', argv: ['true'] },
      ],
    });
    expect(checked.updates).toEqual([
      { name: 'gated', from: 'due', to: 'run', scope: 'only_if' },
      { name: 'always', from: 'due', to: 'run', scope: 'always' },
    ]);
    expect(steps.map((s) => s.updates)).toEqual([[{ name: 'gated', from: 'due', to: 'run', scope: 'only_if' }], []]);
  });
});

describe('check: only_if, run for real', () => {
  const gated = (onlyIf: string[]) => ({ commands: [{ name: 'refresh-app', argv: ['true'], only_if: onlyIf }] });

  it('exit 0 → due', async () => {
    writeFileSync(at('.update-available'), '');
    const { checked } = await planned(createLocalExec(), gated(['test', '-e', at('.update-available')]));
    expect(checked.updates.map((u) => u.name)).toEqual(['refresh-app']);
  });

  it.each([
    ['test -e on a missing file (exit 1)', (d: string) => ['test', '-e', join(d, 'missing')]],
    ['a script exiting 3', (d: string) => [script(join(d, 'probe'), 'exit 3')]],
    ['a script exiting 125', (d: string) => [script(join(d, 'probe'), 'exit 125')]],
  ])('non-zero → not due: %s', async (_, onlyIf) => {
    const exec = createLocalExec();
    const { checked, steps } = await planned(exec, gated(onlyIf(dir)));
    expect(checked).toEqual({ updates: [], withheld: [] });
    expect(steps).toEqual([]);
    expect(exec.records.filter((r) => r.kind === 'change')).toEqual([]);
  });

  it('a missing only_if command fails the check (a typo must not mean "never due")', async () => {
    const ctx = contextFor(createLocalExec(), gated(['no-such-command-here', '--check']));
    const e = await rejection(runner.check(ctx));
    expect(e.code).toBe('E_EXEC_NOT_FOUND');
    expect(e.message).toContain("only_if of custom command 'refresh-app'");
    expect(e.details['command']).toBe('refresh-app');
  });

  it('an only_if ended by a signal fails the check', async () => {
    const ctx = contextFor(createLocalExec(), gated([script(at('probe'), 'kill -TERM $$')]));
    const e = await rejection(runner.check(ctx));
    expect(e.code).toBe('E_EXEC_FAILED');
    expect(e.details['exitCode']).toBe(143);
  });

  it('an excluded command is withheld and its only_if is not run', async () => {
    const exec = createLocalExec();
    const options = {
      commands: [
        { name: 'refresh-app', argv: ['true'], only_if: ['test', '-e', '/'] },
        { name: 'clear-cache', argv: ['true'] },
      ],
    };
    const { checked } = await planned(exec, options, ['refresh-*']);
    expect(checked.withheld).toEqual([{ name: 'refresh-app', reason: 'excluded by policy (its only_if was not run)' }]);
    expect(checked.updates.map((u) => u.name)).toEqual(['clear-cache']);
    expect(exec.records.some((r) => r.argv[0] === 'test' && r.argv[1] === '-e')).toBe(false);
  });
});

describe('apply, run for real', () => {
  it('runs the commands in order and reports each as changed', async () => {
    const log = at('log');
    const { ctx, steps } = await planned(createLocalExec(), {
      commands: [
        { name: 'first', argv: [script(at('one'), `echo one >> ${log}`)] },
        { name: 'second', argv: [script(at('two'), `echo two >> ${log}; exit 3`)], ok_exit_codes: [0, 3], timeout: 30 },
      ],
    });
    const result = await runner.apply(ctx, steps);
    expect(readFileSync(log, 'utf8')).toBe('one\ntwo\n');
    expect(result.changed).toEqual([
      { name: 'first', from: 'due', to: 'ran (exit 0)', scope: 'always' },
      { name: 'second', from: 'due', to: 'ran (exit 3)', scope: 'always' },
    ]);
    expect(result.steps.map((s) => [s.id, s.exitCode])).toEqual([
      ['custom-first', 0],
      ['custom-second', 3],
    ]);
  });

  it('stops at the first failing command and names it, what ran and what did not', async () => {
    const { ctx, steps } = await planned(createLocalExec(), {
      commands: [
        { name: 'a', argv: ['touch', at('a')] },
        { name: 'b', argv: [script(at('fail'), 'echo "migration 42 failed" >&2; exit 4')] },
        { name: 'c', argv: ['touch', at('c')] },
      ],
    });
    const e = await rejection(runner.apply(ctx, steps));
    expect(e.code).toBe('E_EXEC_FAILED');
    expect(e.message).toBe("custom command 'b' exited 4: migration 42 failed");
    expect(e.details).toMatchObject({ command: 'b', exitCode: 4, completed: ['custom-a'], notRun: ['custom-c'] });
    expect(existsSync(at('a'))).toBe(true);
    expect(existsSync(at('c'))).toBe(false);
  });

  it('a command that is not there fails with E_EXEC_NOT_FOUND, also behind the timeout wrapper', async () => {
    for (const timeout of [undefined, 5]) {
      const ctx = contextFor(createLocalExec(), { commands: [{ name: 'gone', argv: ['no-such-command-here'], timeout }] });
      const steps = await runner.plan(ctx, await runner.check(ctx));
      const e = await rejection(runner.apply(ctx, steps));
      expect(e.code, JSON.stringify(steps[0]?.argv)).toBe('E_EXEC_NOT_FOUND');
      expect(e.message).toBe("custom command 'gone': no-such-command-here not found in the container");
    }
  });

  it('passes arguments as plain text: no shell ever sees them', async () => {
    const hostile = `x; touch ${at('pwned')}; $(touch ${at('pwned2')}) \`touch ${at('pwned3')}\` 'q' "dq"`;
    const echo = script(at('write-arg'), `printf '%s' "$1" > ${at('arg')}`);
    const { ctx, steps } = await planned(createLocalExec(), { commands: [{ name: 'literal', argv: [echo, hostile] }] });
    await runner.apply(ctx, steps);
    expect(readFileSync(at('arg'), 'utf8')).toBe(hostile);
    for (const f of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(at(f))).toBe(false);
  });

  it('in dry-run records the commands and runs none', async () => {
    const exec = createLocalExec({ dryRun: true });
    const { ctx, steps } = await planned(exec, { commands: [{ name: 'a', argv: ['touch', at('a')], timeout: 60 }] });
    const result = await runner.apply(ctx, steps);
    expect(existsSync(at('a'))).toBe(false);
    expect(result.changed).toEqual([]);
    expect(exec.records.filter((r) => r.kind === 'change')).toEqual([
      { kind: 'change', argv: ['timeout', '-k', '10', '60', 'touch', at('a')], executed: false },
    ]);
  });

  it('stops between commands once the signal is aborted', async () => {
    const controller = new AbortController();
    const inner = createLocalExec();
    // Aborts right after the first changing command finished, as a kill switch between two commands would.
    const exec: Exec = {
      dryRun: false,
      read: inner.read,
      change: async (argv, opts) => {
        const r = await inner.change(argv, opts);
        controller.abort();
        return r;
      },
    };
    const options = {
      commands: [
        { name: 'a', argv: ['touch', at('a')] },
        { name: 'b', argv: ['touch', at('b')] },
      ],
    };
    const ctx = contextFor(exec, options, { signal: controller.signal });
    const steps = await runner.plan(ctx, await runner.check(ctx));
    const e = await rejection(runner.apply(ctx, steps));
    expect(e.code).toBe('E_EXEC_ABORTED');
    expect(e.details).toMatchObject({ command: 'b', completed: ['custom-a'], notRun: ['custom-b'] });
    expect(existsSync(at('a'))).toBe(true);
    expect(existsSync(at('b'))).toBe(false);
  });
});

describe('verify semantics (the engine re-runs check after apply)', () => {
  /** The engine's rule (apply-with-safety-net.ts): a planned update a fresh check still reports is a failure. */
  const stillPending = (steps: PlanStep[], again: CheckResult) => {
    const planned = new Set(steps.flatMap((s) => s.updates.map((u) => `${u.scope ?? ''}\0${u.name}`)));
    return again.updates.filter((u) => planned.has(`${u.scope ?? ''}\0${u.name}`)).map((u) => u.name);
  };

  it('passes when a gated command cleared its only_if, fails when it did not; an ungated command never counts', async () => {
    writeFileSync(at('.update-available'), '');
    writeFileSync(at('.reindex-needed'), '');
    const { ctx, steps } = await planned(createLocalExec(), {
      commands: [
        { name: 'refresh-app', argv: ['rm', at('.update-available')], only_if: ['test', '-e', at('.update-available')] },
        { name: 'reindex', argv: ['true'], only_if: ['test', '-e', at('.reindex-needed')] }, // forgets to clear its flag
        { name: 'clear-cache', argv: ['true'] },
      ],
    });
    await runner.apply(ctx, steps);
    const again = await runner.check(ctx);
    expect(again.updates.map((u) => u.name)).toEqual(['reindex', 'clear-cache']);
    expect(stillPending(steps, again)).toEqual(['reindex']);
  });
});

describe('detect', () => {
  it('is not applicable without commands', async () => {
    expect(await runner.detect(contextFor(createReplayExec([]), {}))).toEqual({
      applicable: false,
      reason: 'no commands configured (runners.custom.commands)',
    });
  });

  it('is not applicable when `timeout` is missing and a command has a timeout', async () => {
    const { symlinkSync, mkdirSync } = await import('node:fs');
    const bin = at('bin');
    mkdirSync(bin);
    symlinkSync('/usr/bin/test', join(bin, 'test'));
    const exec = createLocalExec({ env: { PATH: bin } });
    const r = await runner.detect(contextFor(exec, { commands: [{ name: 'a', argv: ['true'], timeout: 5 }] }));
    expect(r).toEqual({ applicable: false, reason: 'timeout (coreutils or busybox) not found; commands with a timeout need it' });
  });

  it('does not look at the binaries of excluded commands', async () => {
    const exec = createLocalExec();
    const r = await runner.detect(contextFor(exec, { commands: [{ name: 'gone', argv: [at('missing')] }] }, { exclusions: ['gone'] }));
    expect(r.applicable).toBe(true);
    expect(exec.records).toEqual([]);
  });
});

describe('declaredCommands', () => {
  it('lists every argv and only_if with its path in the options', () => {
    const options = {
      commands: [
        { name: 'a', argv: ['/opt/app/bin/update', '--quiet'], only_if: ['test', '-e', '/opt/app/.flag'], ok_exit_codes: [0] },
        { name: 'b', argv: ['systemctl', 'restart', 'app'], ok_exit_codes: [0] },
      ],
    };
    expect(runner.declaredCommands?.(options)).toEqual([
      { argv: ['/opt/app/bin/update', '--quiet'], path: ['commands', 0, 'argv'] },
      { argv: ['test', '-e', '/opt/app/.flag'], path: ['commands', 0, 'only_if'] },
      { argv: ['systemctl', 'restart', 'app'], path: ['commands', 1, 'argv'] },
    ]);
    expect(runner.declaredCommands?.({})).toEqual([]);
  });
});
