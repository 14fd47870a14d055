import { describe, expect, it } from 'vitest';
import { isAttachCrash } from '../../src/provision/ct.js';
import { run } from '../../src/provision/run.js';

// ctExec tries an attach once more only when lxc-attach itself died of a crash signal. The errors
// here come from real processes that die the way it did (abort), time out, or fail.
const failure = (argv: string[], timeoutMs?: number) =>
  run(argv, timeoutMs === undefined ? {} : { timeoutMs }).then(
    () => undefined,
    (e: unknown) => e,
  );

describe('an attach that crashed, told apart from a failing or timed-out command', () => {
  it('a process killed by SIGABRT (glibc "free(): invalid pointer") is a crash', async () => {
    expect(isAttachCrash(await failure(['sh', '-c', 'kill -ABRT $$']))).toBe(true);
  });

  it('a process killed by SIGSEGV is a crash', async () => {
    expect(isAttachCrash(await failure(['sh', '-c', 'kill -SEGV $$']))).toBe(true);
  });

  it('a command that exits non-zero is not (lxc-attach passes a command death on as an exit code)', async () => {
    expect(isAttachCrash(await failure(['sh', '-c', 'exit 134']))).toBe(false);
  });

  it('a timeout (SIGTERM from the timer) is not', async () => {
    expect(isAttachCrash(await failure(['sleep', '5'], 200))).toBe(false);
  });
});
