import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { chmod, lstat, mkdir, open, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { UnrotError } from '@unrot/sdk';

// unrot runs as root and acts on what it reads from state_dir (which container to stop, which
// archive to restore, which file to delete). So state_dir, and every directory above it, must be
// writable by no one but root (or the user unrot runs as): the rules sudo and sshd apply.

/** Sub-directories of state_dir, all created 0700. */
export const STATE_SUBDIRS = ['runs', 'journal', 'backups', 'quarantine'] as const;

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

function euid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : 0;
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

function fixFor(dir: string): string {
  const uid = euid();
  const owner = uid === 0 ? 'root:root' : `${uid}`;
  return `chown ${owner} ${dir} && chmod 0700 ${dir}`;
}

async function existing(path: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Why `dir` (a directory unrot keeps trusted records in) is unsafe, or undefined when it is
 * safe: owned by the running user, not group/world-writable, and every directory above it
 * owned by root or the running user and not writable by others (a root-owned sticky directory
 * such as /tmp is accepted: nobody else can rename what root put there).
 */
export async function untrustedReason(dir: string): Promise<string | undefined> {
  const uid = euid();
  const real = await realpath(dir);
  const st = await stat(real);
  if (!st.isDirectory()) return `${real} is not a directory`;
  if (st.uid !== uid) return `${real} is owned by uid ${st.uid} (mode ${octal(st.mode)}), not by uid ${uid} that unrot runs as`;
  if (st.mode & 0o022) return `${real} is group- or world-writable (owner uid ${st.uid}, mode ${octal(st.mode)})`;
  for (let parent = dirname(real); ; parent = dirname(parent)) {
    const p = await stat(parent);
    const sticky = (p.mode & 0o1000) !== 0;
    if (p.uid !== 0 && p.uid !== uid) return `its parent ${parent} is owned by uid ${p.uid} (mode ${octal(p.mode)})`;
    if (p.mode & 0o022 && !(sticky && p.uid === 0))
      return `its parent ${parent} is group- or world-writable (owner uid ${p.uid}, mode ${octal(p.mode)})`;
    if (parent === dirname(parent)) break;
  }
  return undefined;
}

/** Throws E_CONFIG (exit 2) naming the directory, what is wrong and the fix, when `dir` is not trusted. */
export async function assertStateDirTrusted(dir: string, what = 'state_dir'): Promise<void> {
  const reason = await untrustedReason(dir);
  if (reason === undefined) return;
  throw new UnrotError(
    'E_CONFIG',
    `${what} ${dir} is not safe to trust: ${reason}. unrot runs as root and acts on the records it keeps there, ` +
      `so only the user it runs as may write to it. Fix: ${fixFor(dir)} (and make sure no directory above it is writable by others), ` +
      `or choose another ${what}.`,
    { dir, reason },
  );
}

/**
 * The last line before a destructive step taken on the word of state_dir (recovery's stop and
 * restore, retention's deletes): E_CONFIG when it exists and others could write to it. A
 * missing state_dir holds no records, so there is nothing to distrust.
 */
export async function assertStateDirTrustedIfExists(dir: string): Promise<void> {
  if (await existing(dir)) await assertStateDirTrusted(dir);
}

/**
 * Creates `dir` 0700 when missing, refuses it (E_CONFIG) when anyone but the running user could
 * write to it, and narrows an existing dir and its sub-directories (runs/, journal/, backups/,
 * quarantine/) to 0700. Call before the first read or write under state_dir.
 * Returns the paths whose mode was narrowed (for the log).
 */
export async function ensureStateDir(dir: string, what = 'state_dir'): Promise<{ narrowed: string[] }> {
  if (!isAbsolute(dir)) throw new UnrotError('E_CONFIG', `${what} must be an absolute path, not '${dir}'`, { dir });
  // Check what exists first: creating inside a directory an attacker controls would already be too late.
  let probe = dir;
  while (!(await existing(probe))) probe = dirname(probe);
  if (probe !== dir) {
    const reason = await untrustedReason(probe);
    if (reason !== undefined) await assertStateDirTrusted(probe, `the directory that would hold ${what} ${dir},`);
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  }
  await assertStateDirTrusted(dir, what);
  const narrowed: string[] = [];
  for (const path of [dir, ...STATE_SUBDIRS.map((s) => join(dir, s))]) {
    const st = await existing(path);
    if (!st) {
      await mkdir(path, { mode: PRIVATE_DIR }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      continue;
    }
    if (path !== dir) {
      // A planted link (runs/ -> /etc) would move every write elsewhere.
      if (!(await lstat(path)).isDirectory())
        throw new UnrotError('E_CONFIG', `${path} must be a directory, not a link or file. Fix: remove it; unrot recreates it 0700.`, {
          dir: path,
        });
      await assertStateDirTrusted(path, `${what} sub-directory`);
    }
    if ((st.mode & 0o777) !== PRIVATE_DIR) {
      await chmod(path, PRIVATE_DIR);
      narrowed.push(path);
    }
  }
  return { narrowed };
}

/** Creates `dir` (and missing parents) 0700, e.g. a run's log directory. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
}

/**
 * Creates `path` 0600 (and its directory 0700) before a logger opens it for appending: pino's
 * destination would create it 0644 under a 0755 directory, and hook argv may hold credentials.
 */
export async function preparePrivateFile(path: string): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const handle = await open(path, 'a', PRIVATE_FILE);
  try {
    await handle.chmod(PRIVATE_FILE);
  } finally {
    await handle.close();
  }
}

/** preparePrivateFile for synchronous callers (right before `pino.destination({ dest, sync: true })`). */
export function preparePrivateFileSync(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR });
  const fd = openSync(path, 'a', PRIVATE_FILE);
  closeSync(fd);
  chmodSync(path, PRIVATE_FILE);
}
