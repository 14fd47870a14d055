import { UnrotError } from '@unrot/sdk';
import { assertApkPackageName, assertApkVersion } from './names.js';

/** One line of apk's change list; `tag` is the repository tag apk prints after the name (`@edge`). */
export interface ApkChange {
  verb: 'Installing' | 'Upgrading' | 'Downgrading' | 'Replacing' | 'Reinstalling' | 'Purging' | 'Updating pinning';
  name: string;
  tag: string;
  /** Installed version (null for Installing). */
  from: string | null;
  /** Version after the change (null for Purging). */
  to: string | null;
}

export interface ApkSimulation {
  changes: ApkChange[];
  /** apk's last line: `OK: …` or `N error(s); …` (errors of earlier runs, e.g. a failed script). */
  summary: string;
}

// apk-tools 2.14 src/commit.c print_change(): "(%i/%i) %s %s" BLOB_FMT " (" BLOB_FMT ")" and
// "… (" BLOB_FMT " -> " BLOB_FMT ")"; the blob after the name is the repository tag.
const CHANGE =
  /^\((\d+)\/(\d+)\) (Installing|Upgrading|Downgrading|Replacing|Reinstalling|\[APK unavailable, skipped\] Reinstalling|Purging|Updating pinning) (\S+?)(@\S+)? \((\S+?)(?: -> (\S+))?\)$/;
// src/commit.c: "%s %llu MiB in %d packages" (or, verbose, "%s %d packages, …") after "OK:" or "N error(s);".
const SUMMARY = /^(?:OK:|\d+ errors?;) /;

function parseError(message: string, line: string): UnrotError {
  return new UnrotError('E_RUNNER_PARSE', `apk upgrade --simulate: ${message}`, { line });
}

/** Parses the stdout of `apk upgrade --simulate`; `fetch URL` lines (stale index) are skipped. */
export function parseSimulation(stdout: string): ApkSimulation {
  const changes: ApkChange[] = [];
  let summary: string | undefined;
  let total = 0;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('(')) {
      const m = CHANGE.exec(line);
      if (!m) throw parseError('unrecognised change line', line);
      total = Number(m[2]);
      if (Number(m[1]) !== changes.length + 1) throw parseError(`change ${m[1]} follows change ${changes.length}`, line);
      const verb = (m[3] as string).replace('[APK unavailable, skipped] ', '') as ApkChange['verb'];
      const name = assertApkPackageName(m[4] as string, line);
      const first = assertApkVersion(m[6] as string, line);
      const second = m[7] === undefined ? undefined : assertApkVersion(m[7], line);
      const two = verb === 'Upgrading' || verb === 'Downgrading' || verb === 'Replacing';
      if (two !== (second !== undefined)) throw parseError(`${verb} with the wrong number of versions`, line);
      const change: ApkChange =
        verb === 'Installing'
          ? { verb, name, tag: m[5] ?? '', from: null, to: first }
          : verb === 'Purging'
            ? { verb, name, tag: m[5] ?? '', from: first, to: null }
            : { verb, name, tag: m[5] ?? '', from: first, to: second ?? first };
      changes.push(change);
    } else if (SUMMARY.test(line)) {
      summary = line;
    }
  }
  if (summary === undefined) throw parseError('no summary line ("OK: …" or "N errors; …") found', stdout.slice(-500));
  if (changes.length !== total) throw parseError(`counted ${changes.length} change lines but apk announced ${total}`, stdout.slice(-500));
  return { changes, summary };
}
