import { isUnrotError, type RunnerContext, UnrotError } from '@unrot/sdk';
import { updateArgv } from './argv.js';
import type { ApkOptions } from './options.js';

// apk-tools 2.14 src/database.c apk_db_open(): "Unable to lock database" (printed as
// "ERROR: Unable to lock database: <strerror>", exit 99) once --wait ran out.
export const LOCKED = /Unable to lock database/;

/** A failed apk command made clearer when apk says why; the exec's details (argv, output tail) are kept. */
export function explainApkFailure(error: unknown, o: ApkOptions, what: string): unknown {
  if (!isUnrotError(error) || error.code !== 'E_EXEC_FAILED') return error;
  const stderr = typeof error.details.stderr === 'string' ? error.details.stderr : '';
  if (LOCKED.test(stderr)) {
    return new UnrotError(
      'E_EXEC_FAILED',
      `${what}: another process held the apk database lock (/lib/apk/db/lock) for more than lock_timeout_s ${o.lock_timeout_s} s: ${error.message}`,
      error.details,
      { cause: error },
    );
  }
  return error;
}

/**
 * `apk update --update-cache`: apk's exit code is the number of repositories it could not
 * refresh (unreachable, bad signature, corrupt index) or 99 when it could not open the
 * database; either fails the check with apk's own words attached.
 */
export async function refreshIndexes(ctx: RunnerContext<ApkOptions>): Promise<void> {
  try {
    await ctx.exec.read(updateArgv(ctx.options), { timeoutMs: (ctx.options.lock_timeout_s + 600) * 1000 });
  } catch (error) {
    throw explainApkFailure(error, ctx.options, 'apk update');
  }
}
