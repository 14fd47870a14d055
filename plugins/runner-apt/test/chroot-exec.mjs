// An Exec that runs argv inside a Debian root filesystem with `chroot DIR`, the way the
// engine's exec runs it inside a container with `pct exec VMID --`. It keeps every real
// output so the capture script can store them as fixtures. Plain ESM so both the
// vitest tests and plain node scripts can use it (scripts/record-fixtures.mjs uses the SDK recorder with createLocalExec({ prefix: [chroot, ROOT] }) instead).
import { UnrotError } from '@unrot/sdk';
import { createLocalExec } from '@unrot/sdk/testing';

const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

/**
 * @param {string} root the chroot directory
 * @param {{ dryRun?: boolean, signal?: AbortSignal }} [options]
 */
export function createChrootExec(root, options = {}) {
  const dryRun = options.dryRun ?? false;
  const inner = createLocalExec(options.signal ? { signal: options.signal } : {});
  /** @type {import('@unrot/sdk').ExecRecord[]} */
  const records = [];
  /** @type {import('@unrot/sdk/testing').Recording[]} */
  const recordings = [];

  /** @param {readonly string[]} argv @param {import('@unrot/sdk').ExecOptions} [opts] */
  const run = async (argv, opts = {}) => {
    // Ask for any exit code so stdout is kept for the recording, then apply the caller's rule.
    const r = await inner.read(['chroot', root, ...argv], { ...opts, okExitCodes: ANY_EXIT });
    recordings.push({ argv: [...argv], exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
    const ok = opts.okExitCodes ?? [0];
    if (!ok.includes(r.exitCode)) {
      throw new UnrotError('E_EXEC_FAILED', `${argv.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().slice(0, 500)}`, {
        argv,
        exitCode: r.exitCode,
        stderr: r.stderr,
      });
    }
    return { ...r, argv };
  };

  return {
    dryRun,
    records,
    recordings,
    /** @param {readonly string[]} argv @param {import('@unrot/sdk').ExecOptions} [opts] */
    async read(argv, opts) {
      records.push({ kind: 'read', argv, executed: true });
      return run(argv, opts);
    },
    /** @param {readonly string[]} argv @param {import('@unrot/sdk').ExecOptions} [opts] */
    async change(argv, opts) {
      if (dryRun) {
        records.push({ kind: 'change', argv, executed: false });
        return { argv, exitCode: 0, stdout: '', stderr: '', durationMs: 0, dryRun: true };
      }
      records.push({ kind: 'change', argv, executed: true });
      return run(argv, opts);
    },
  };
}
