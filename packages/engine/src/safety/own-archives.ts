import { constants } from 'node:fs';
import { lstat, open, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { isNormalizedAbsolute } from './state-schemas.js';

// A vzdump archive path read from state_dir is only acted on (deleted by retention, restored
// by recovery) when Proxmox's own records agree it is unrot's: it lies directly in the dump
// directory of a backup storage from /etc/pve/storage.cfg (after resolving links), has the name
// vzdump gives a backup of this container, is a regular file, and vzdump's `.notes` beside it
// carry the notes unrot passes (`unrot run <run id>`). /etc/pve is root-only (pmxcfs).

/** Where Proxmox's storage configuration is: $UNROT_PVE_STORAGE_CFG, the sandbox's, or /etc/pve/storage.cfg. */
export function pveStorageCfgPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env['UNROT_PVE_STORAGE_CFG']) return env['UNROT_PVE_STORAGE_CFG'];
  // The real-LXC sandbox (packages/sandbox) keeps its stand-in /etc/pve under this root.
  if (env['UNROT_SANDBOX_ROOT']) return join(env['UNROT_SANDBOX_ROOT'], 'etc/pve/storage.cfg');
  return '/etc/pve/storage.cfg';
}

export interface DumpDirOptions {
  /** storage.cfg to read (default pveStorageCfgPath()). */
  storageCfg?: string;
  /** Only this storage's dump directory (the policy's backup.vzdump_storage); default every storage with `content backup`. */
  storage?: string;
}

/** `<path>/dump` of each file-based backup storage in storage.cfg; empty when it cannot be read. */
export async function dumpDirs(options: DumpDirOptions = {}): Promise<string[]> {
  let raw: string;
  try {
    raw = await readFile(options.storageCfg ?? pveStorageCfgPath(), 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  let cur: { id: string; path?: string; content: string[]; disabled: boolean } | undefined;
  const flush = () => {
    if (!cur?.path || cur.disabled || !isNormalizedAbsolute(cur.path)) return;
    if (options.storage ? cur.id === options.storage : cur.content.includes('backup')) out.push(posix.join(cur.path, 'dump'));
  };
  for (const line of raw.split('\n')) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const head = /^(\S+):\s*(\S+)\s*$/.exec(line);
    if (head) {
      flush();
      cur = { id: head[2] as string, content: [], disabled: false };
      continue;
    }
    const kv = /^\s+(\S+)(?:\s+(.*?))?\s*$/.exec(line);
    if (kv && cur) {
      const [, key, value = ''] = kv;
      if (key === 'path') cur.path = value;
      else if (key === 'content') cur.content = value.split(',').map((c) => c.trim());
      else if (key === 'disable') cur.disabled = value === '' || value === '1';
    }
  }
  flush();
  return out;
}

/** The names vzdump gives an LXC backup of `vmid`. */
export function vzdumpArchiveName(vmid: number): RegExp {
  return new RegExp(`^vzdump-lxc-${vmid}-\\d{4}_\\d{2}_\\d{2}-\\d{2}_\\d{2}_\\d{2}\\.tar(\\.(zst|gz|lzo))?$`);
}

export type ArchiveCheck = { ok: true } | { ok: false; gone?: boolean; reason: string };

/**
 * Whether `archive` is a vzdump backup of `vmid` that unrot made (of run `runId`, when given)
 * in one of `dirs`. Never throws; a refusal says why.
 */
export async function checkOwnArchive(archive: string, vmid: number, dirs: readonly string[], runId?: string): Promise<ArchiveCheck> {
  if (!isNormalizedAbsolute(archive)) return { ok: false, reason: `${archive} is not a normalized absolute path` };
  const dir = dirname(archive);
  if (!dirs.includes(dir))
    return {
      ok: false,
      reason: `${archive} is not in a backup storage's dump directory (${dirs.join(', ') || 'none found in storage.cfg'})`,
    };
  if (!vzdumpArchiveName(vmid).test(basename(archive)))
    return { ok: false, reason: `${archive} is not named like a vzdump backup of CT ${vmid}` };
  try {
    const st = await lstat(archive);
    if (!st.isFile()) return { ok: false, reason: `${archive} is not a regular file` };
    // No link anywhere on the way: the resolved path must be the dump directory's own entry.
    const realDir = await realpath(dir);
    if ((await realpath(archive)) !== join(realDir, basename(archive)))
      return { ok: false, reason: `${archive} resolves outside its dump directory` };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { ok: false, gone: true, reason: `${archive} does not exist (any more)` };
    return { ok: false, reason: `${archive} cannot be examined (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const notes = await readNotes(`${archive}.notes`);
  const expected = runId ? `unrot run ${runId}` : 'unrot run ';
  if (notes === undefined || !notes.startsWith(expected))
    return { ok: false, reason: `${archive}.notes does not say '${expected.trim()}': vzdump did not make it for unrot` };
  return { ok: true };
}

async function readNotes(path: string): Promise<string | undefined> {
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = await handle.stat();
      if (!st.isFile() || st.size > 4096) return undefined;
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
