/** Runs one stand-in command: a PveError prints its text to stderr and exits with its code (255). */
import { PveError } from '../pve-errors.js';

export async function runMain(fn: () => Promise<number | undefined>): Promise<void> {
  let code: number;
  try {
    code = (await fn()) ?? 0;
  } catch (err) {
    if (err instanceof PveError) {
      process.stderr.write(err.message.endsWith('\n') ? err.message : `${err.message}\n`);
      code = err.exitCode;
    } else {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      code = 255;
    }
  }
  process.exitCode = code;
}
