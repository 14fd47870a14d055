import { lstat, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * A state file unrot refused to trust, moved aside so it is never read again and an operator
 * can inspect it. Returned to the caller (for the report) and also kept on disk as
 * `<state_dir>/quarantine/<name>.reason.json`, so quarantines made in worker threads can be
 * listed by the main thread with listQuarantined().
 */
export interface QuarantineEvent {
  /** Where the file was, e.g. /var/lib/unrot/journal/ct-101.json. */
  from: string;
  /** Where it is now, under <state_dir>/quarantine/. */
  to: string;
  reason: string;
  at: string;
  /** The container the file was about, when its name says so. */
  vmid?: number;
}

export function quarantineDir(stateDir: string): string {
  return join(stateDir, 'quarantine');
}

/** Moves `path` to `<state_dir>/quarantine/<dir>_<name>.<timestamp>` and records why. */
export async function quarantineFile(stateDir: string, path: string, reason: string, now = new Date()): Promise<QuarantineEvent> {
  const dir = quarantineDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const at = now.toISOString();
  const stamp = at.replace(/[-:.]/g, '');
  const base = relative(stateDir, path).replace(/[/\\]/g, '_');
  let to = join(dir, `${base}.${stamp}`);
  for (let n = 1; await exists(to); n++) to = join(dir, `${base}.${stamp}.${n}`);
  // rename moves a link as a link: a planted symlink is never followed here.
  await rename(path, to);
  const m = /ct-(\d+)\.json$/.exec(path);
  const event: QuarantineEvent = { from: path, to, reason, at, ...(m ? { vmid: Number(m[1]) } : {}) };
  await writeFile(`${to}.reason.json`, `${JSON.stringify(event, null, 2)}\n`, { mode: 0o600 });
  return event;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Every quarantine recorded under state_dir (those at or after `since`, when given), oldest first. */
export async function listQuarantined(stateDir: string, since?: Date): Promise<QuarantineEvent[]> {
  let names: string[];
  try {
    names = await readdir(quarantineDir(stateDir));
  } catch {
    return [];
  }
  const events: QuarantineEvent[] = [];
  for (const name of names.filter((n) => n.endsWith('.reason.json'))) {
    try {
      const e = JSON.parse(await readFile(join(quarantineDir(stateDir), name), 'utf8')) as QuarantineEvent;
      if (typeof e.from === 'string' && typeof e.at === 'string' && (!since || Date.parse(e.at) >= since.getTime())) events.push(e);
    } catch {
      // A reason file unrot cannot read is not an event; the quarantined file is still there.
    }
  }
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

/** One line for a terminal, log or notification. */
export function describeQuarantine(e: QuarantineEvent): string {
  return `state file ${e.from} was not trusted (${e.reason}); moved to ${e.to}`;
}
