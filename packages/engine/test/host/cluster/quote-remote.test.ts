import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { UnrotError } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { quoteForRemoteShell } from '../../../src/host/cluster/quote-remote.js';
import { HOSTILE_ARGS } from './hostile-args.js';

// The argv a real POSIX shell splits the quoted line into, printed NUL-separated by printf.
function throughShell(shell: string, line: string): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('quoteForRemoteShell', () => {
  for (const shell of ['/bin/sh', '/bin/bash'].filter((s) => existsSync(s))) {
    it(`${shell} -c splits the quoted line back into exactly the input argv, hostile elements included`, () => {
      expect(throughShell(shell, quoteForRemoteShell(HOSTILE_ARGS))).toEqual(HOSTILE_ARGS);
      for (const arg of HOSTILE_ARGS) expect(throughShell(shell, quoteForRemoteShell([arg]))).toEqual([arg]);
      expect(existsSync('/tmp/unrot-pwned')).toBe(false);
    });
  }

  it('keeps an empty argument as one empty argument', () => {
    expect(quoteForRemoteShell(['a', '', 'b'])).toBe("'a' '' 'b'");
  });

  it('refuses a NUL byte and a lone surrogate with a coded error naming the argument', () => {
    for (const bad of ['a\0b', 'x\ud800y', '\udfff']) {
      let error: unknown;
      try {
        quoteForRemoteShell(['ok', bad]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnrotError);
      expect((error as UnrotError).code).toBe('E_USAGE');
      expect((error as UnrotError).message).toContain('argument 1');
    }
  });

  it('refuses an empty argv', () => {
    expect(() => quoteForRemoteShell([])).toThrow(UnrotError);
  });
});
