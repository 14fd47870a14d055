import { UnrotError } from '@unrot/sdk';

// Texts pct/vzdump print for backup-related failures (pct-reference §4, §6, §10).
const LOCKED = /CT is locked \(([a-z-]+)\)/;
const UNSUPPORTED = /snapshot feature is not available/;
const ARCHIVE = /^INFO: creating vzdump archive '([^']+)'$/m;

/** Maps a failed `pct snapshot` / `vzdump` / `pct rollback` to the coded error the pipeline acts on. */
export function backupError(what: string, vmid: number, exitCode: number, output: string, argv: readonly string[]): UnrotError {
  const text = output.trim();
  const details = { vmid, argv, exitCode, output: text.slice(-2000) };
  if (UNSUPPORTED.test(text))
    return new UnrotError('E_SNAPSHOT_UNSUPPORTED', `CT ${vmid}: snapshot feature is not available on its storage`, details);
  const locked = LOCKED.exec(text);
  if (locked) return new UnrotError('E_CT_LOCKED', `CT ${vmid} is locked (${locked[1]})`, details);
  const last = text.split('\n').filter(Boolean).slice(-2).join(' | ');
  return new UnrotError(
    what === 'rollback' ? 'E_ROLLBACK_FAILED' : 'E_BACKUP_FAILED',
    `${what} of CT ${vmid} failed (exit ${exitCode}): ${last}`,
    details,
  );
}

/** The archive path from vzdump's `INFO: creating vzdump archive '…'` line. */
export function parseVzdumpArchive(stdout: string): string | undefined {
  return ARCHIVE.exec(stdout)?.[1];
}
