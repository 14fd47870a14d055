import { constants } from 'node:fs';
import { open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { writeFileAtomic } from '../report/write-atomic.js';
import { type QuarantineEvent, quarantineDir, quarantineFile } from './quarantine.js';
import { hostLockPaths } from './run-lock.js';
import { schemaProblem } from './state-schemas.js';

/** Where the safety net keeps its records under the state directory. */
export function statePaths(stateDir: string) {
  return {
    journalDir: join(stateDir, 'journal'),
    journalFile: (vmid: number) => join(stateDir, 'journal', `ct-${vmid}.json`),
    backupsDir: join(stateDir, 'backups'),
    backupsFile: (vmid: number) => join(stateDir, 'backups', `ct-${vmid}.json`),
    runsDir: join(stateDir, 'runs'),
    quarantineDir: quarantineDir(stateDir),
    /**
     * The run lock is host-wide (not per state_dir): two configs with different state_dirs must
     * never update one host at once. /run/lock/unrot/run.lock, or $UNROT_LOCK_DIR/run.lock.
     */
    lockFile: hostLockPaths().runLock,
  };
}

/** A state file is small; anything bigger is not one unrot wrote. */
export const MAX_STATE_FILE_BYTES = 1024 * 1024;

/** Plain JSON read, for files unrot does not act on. State records go through readStateFile. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export type StateRead<T> = { value: T; quarantined?: undefined } | { value: undefined; quarantined?: QuarantineEvent };

/**
 * Reads a record unrot will act on. It must be a regular file (a symlink is not followed),
 * owned by the user unrot runs as, at most 1 MiB, valid JSON, match `schema` and pass `check`.
 * Anything else is moved to <state_dir>/quarantine/ and reported, never trusted, never thrown:
 * one bad file must not stop the run for other containers.
 */
export async function readStateFile<T>(
  stateDir: string,
  path: string,
  schema: TSchema,
  check?: (value: T) => string | undefined,
): Promise<StateRead<T>> {
  let text: string;
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = await handle.stat();
      const uid = typeof process.geteuid === 'function' ? process.geteuid() : st.uid;
      if (!st.isFile()) return { value: undefined, quarantined: await quarantineFile(stateDir, path, 'not a regular file') };
      if (st.uid !== uid)
        return { value: undefined, quarantined: await quarantineFile(stateDir, path, `owned by uid ${st.uid}, not ${uid}`) };
      if (st.size > MAX_STATE_FILE_BYTES)
        return { value: undefined, quarantined: await quarantineFile(stateDir, path, `${st.size} bytes, more than a state file can be`) };
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { value: undefined };
    // ELOOP: O_NOFOLLOW met a symlink (planted, e.g. -> /etc/shadow).
    if (code === 'ELOOP' || code === 'EISDIR' || code === 'ENXIO')
      return {
        value: undefined,
        quarantined: await quarantineFile(stateDir, path, code === 'ELOOP' ? 'a symbolic link' : 'not a regular file'),
      };
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the content; the reason names only the fault.
    return { value: undefined, quarantined: await quarantineFile(stateDir, path, 'not valid JSON') };
  }
  const problem = schemaProblem(schema, value) ?? check?.(value as T);
  if (problem !== undefined)
    return { value: undefined, quarantined: await quarantineFile(stateDir, path, `does not match unrot's format: ${problem}`) };
  return { value: value as T };
}

/** Records are written 0600 (write, fsync, rename): they may name archives and hold hook argv. */
export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, 0o600);
}

export async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

export async function listJsonFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
