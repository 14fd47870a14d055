import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Exec, isUnrotError, type RunnerContext } from '@unrot/sdk';
import { runnerContext } from '@unrot/sdk/testing';
import { type CustomOptions, CustomOptionsSchema } from '../../src/options.js';

/** A runner context around any exec, with options filled by the schema defaults (as the engine does). */
export function contextFor(
  exec: Exec,
  options: unknown,
  extra: { exclusions?: string[]; signal?: AbortSignal } = {},
): RunnerContext<CustomOptions> {
  return runnerContext(CustomOptionsSchema, exec, options, extra).ctx;
}

/** The code and details of a coded rejection, or a readable failure when it resolved or was not coded. */
export async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string; details: Record<string, unknown> }> {
  return promise.then(
    () => ({ code: 'resolved', message: '', details: {} }),
    (e: unknown) =>
      isUnrotError(e)
        ? { code: e.code, message: e.message, details: e.details }
        : { code: `not coded: ${String(e)}`, message: '', details: {} },
  );
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-custom-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An executable /bin/sh script (stands in for an app's own tooling). */
export function script(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}
