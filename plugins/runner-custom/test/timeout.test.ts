// The `timeout` wrapper, for real: GNU coreutils' timeout and busybox's (as on Alpine), each
// ending a command that outlives its timeout. Process groups are observed through /proc.
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { contextFor, rejection, script, tempDir } from './support/context.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const BUSYBOX = '/usr/bin/busybox';

/** A PATH whose `timeout` is busybox's applet, ahead of coreutils. */
function busyboxPath(): string {
  const bin = join(dir, 'busybox-bin');
  mkdirSync(bin);
  symlinkSync(BUSYBOX, join(bin, 'timeout'));
  return `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;
}

/** Ended = no such process, or a zombie waiting for its (new) parent to reap it. */
function ended(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  return readFileSync(stat, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
}

async function runWithTimeout(argv: string[], timeout: number, env?: NodeJS.ProcessEnv) {
  const exec = createLocalExec(env ? { env } : {});
  const ctx = contextFor(exec, { commands: [{ name: 'slow', argv, timeout }] });
  const detected = await runner.detect(ctx);
  expect(detected.applicable, detected.reason).toBe(true);
  const steps = await runner.plan(ctx, await runner.check(ctx));
  const t0 = Date.now();
  const e = await rejection(runner.apply(ctx, steps));
  return { e, elapsedMs: Date.now() - t0, steps };
}

const variants: Array<[string, () => NodeJS.ProcessEnv | undefined]> = [
  ['GNU coreutils timeout', () => undefined],
  ...(existsSync(BUSYBOX)
    ? ([['busybox timeout', () => ({ ...process.env, PATH: busyboxPath() })]] as Array<[string, () => NodeJS.ProcessEnv]>)
    : []),
];

describe.each(variants)('%s', (_, env) => {
  it('ends `sleep 30` with timeout 1 within a few seconds', async () => {
    const { e, elapsedMs, steps } = await runWithTimeout(['sleep', '30'], 1, env());
    expect(steps[0]?.argv).toEqual(['timeout', '-k', '10', '1', 'sleep', '30']);
    expect(e.code).toBe('E_EXEC_TIMEOUT');
    expect(e.message).toMatch(/^custom command 'slow' outlived its timeout of 1 s and was ended \(exit (124|143)\)$/);
    expect(elapsedMs).toBeLessThan(5000);
  });
});

describe('GNU coreutils timeout', () => {
  it('ends the whole process group: a grandchild the command started is gone too', async () => {
    const pidFile = join(dir, 'child.pid');
    const slow = script(join(dir, 'slow'), `sleep 30 &\necho $! > ${pidFile}\nwait`);
    const { e, elapsedMs } = await runWithTimeout([slow], 1);
    expect(e.code).toBe('E_EXEC_TIMEOUT');
    expect(elapsedMs).toBeLessThan(5000);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 200));
    expect(ended(grandchild), `sleep (pid ${grandchild}) still running`).toBe(true);
  });

  it('sends KILL 10 s after TERM to a command that ignores TERM', async () => {
    const stubborn = script(join(dir, 'stubborn'), `trap '' TERM\nsleep 30`);
    const { e, elapsedMs } = await runWithTimeout([stubborn], 1);
    expect(e.code).toBe('E_EXEC_TIMEOUT');
    // timeout KILLs its own process group, itself included: 137 from a shell; createLocalExec maps any signal to 143.
    expect([137, 143]).toContain(e.details['exitCode']);
    expect(elapsedMs).toBeGreaterThanOrEqual(10_500);
    expect(elapsedMs).toBeLessThan(15_000);
  }, 30_000);

  it('leaves a command that finishes in time alone', async () => {
    const exec = createLocalExec();
    const ctx = contextFor(exec, { commands: [{ name: 'quick', argv: ['sleep', '0.2'], timeout: 5 }] });
    const result = await runner.apply(ctx, await runner.plan(ctx, await runner.check(ctx)));
    expect(result.changed).toEqual([{ name: 'quick', from: 'due', to: 'ran (exit 0)', scope: 'always' }]);
  });

  it('reports an exit 124 that came before the timeout as the command’s own failure', async () => {
    const ctx = contextFor(createLocalExec(), { commands: [{ name: 'odd', argv: [script(join(dir, 'odd'), 'exit 124')], timeout: 60 }] });
    const e = await rejection(runner.apply(ctx, await runner.plan(ctx, await runner.check(ctx))));
    expect(e.code).toBe('E_EXEC_FAILED');
    expect(e.message).toBe("custom command 'odd' exited 124");
  });
});

describe.runIf(existsSync(BUSYBOX))('busybox timeout (known limitation)', () => {
  it('signals only the command itself: a grandchild it started in the background survives', async () => {
    const pidFile = join(dir, 'child.pid');
    // The grandchild's output goes to /dev/null so it does not hold the exec's pipes open.
    const slow = script(join(dir, 'slow'), `sleep 30 >/dev/null 2>&1 &\necho $! > ${pidFile}\nwait`);
    const { e } = await runWithTimeout([slow], 1, { ...process.env, PATH: busyboxPath() });
    expect(e.code).toBe('E_EXEC_TIMEOUT');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    try {
      expect(ended(grandchild)).toBe(false);
    } finally {
      process.kill(grandchild, 'SIGKILL');
    }
  });
});
