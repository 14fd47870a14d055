import { existsSync, readFileSync } from 'node:fs';
import { UnrotError } from '@unrot/sdk';
import { expect } from 'vitest';

/** True while the process exists and is not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
}

/** The coded error a promise rejects with; the test fails when it resolves or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<UnrotError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnrotError);
  return error as UnrotError;
}
