import { mkdir, readFile, rm, rmdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';

// One run across the cluster at a time, the way Proxmox's own tools lock cluster-wide
// (PVE::Cluster::cfs_lock): a directory made with mkdir under /etc/pve/priv/lock, atomic on
// pmxcfs across every node; the holder refreshes its mtime, and a lock whose mtime is older than
// 120 s is stale (its holder died or lost the cluster) and may be removed.

/** cfs_lock's $lockstaletime. */
export const CLUSTER_LOCK_STALE_MS = 120_000;
export const CLUSTER_LOCK_NAME = 'unrot-run';
/** Where Proxmox keeps its cluster-wide locks (pmxcfs); host.cluster.lock_dir's default. */
export const DEFAULT_CLUSTER_LOCK_DIR = '/etc/pve/priv/lock';
/** host.cluster.lock_wait's default. */
export const DEFAULT_CLUSTER_LOCK_WAIT = '30m';

export interface ClusterLockOptions {
  /** global.yml host.cluster.lock_dir (default /etc/pve/priv/lock). */
  dir: string;
  /** How long to wait for another node's run (host.cluster.lock_wait). */
  waitMs: number;
  runId: string;
  node: string;
  staleMs?: number;
  /** mtime refresh period while held; default a quarter of staleMs. */
  refreshMs?: number;
  /** Default 1 s. */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called once when the lock is found held (who holds it), before waiting. */
  onWait?: (holder: ClusterLockHolder | undefined) => void;
}

/** Written beside the lock directory by its holder, for the waiting side's messages only (the directory is the lock). */
export interface ClusterLockHolder {
  node: string;
  runId: string;
  pid: number;
  at: string;
}

export interface ClusterLock {
  /** How long this run waited for another's (0 when the lock was free). */
  waitedMs: number;
  release(): Promise<void>;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function readHolder(file: string): Promise<ClusterLockHolder | undefined> {
  try {
    const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof raw !== 'object' || raw === null) return undefined;
    const h = raw as Record<string, unknown>;
    if (typeof h['node'] !== 'string' || typeof h['runId'] !== 'string' || typeof h['pid'] !== 'number' || typeof h['at'] !== 'string')
      return undefined;
    // Untrusted bytes from a shared file: only short, printable text reaches a message.
    const clean = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
    return { node: clean(h['node']), runId: clean(h['runId']), pid: h['pid'], at: clean(h['at']) };
  } catch {
    return undefined;
  }
}

const describeHolder = (h: ClusterLockHolder | undefined) => (h ? `node ${h.node}, run ${h.runId}, since ${h.at}` : 'holder unknown');

/**
 * Takes the cluster run lock: at once when free, else waits (polling) for the other node's run to
 * end, up to waitMs, then E_RUN_LOCKED naming the holder. A stale lock (mtime older than staleMs)
 * is removed and taken. While held, the directory's mtime is refreshed.
 */
export async function acquireClusterLock(options: ClusterLockOptions): Promise<ClusterLock> {
  const path = join(options.dir, CLUSTER_LOCK_NAME);
  const holderFile = `${path}.json`;
  const staleMs = options.staleMs ?? CLUSTER_LOCK_STALE_MS;
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      await mkdir(path, { mode: 0o700 });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT')
        throw new UnrotError('E_CONFIG', `host.cluster.lock_dir ${options.dir} does not exist (on a Proxmox node: /etc/pve/priv/lock)`, {
          dir: options.dir,
        });
      if (code !== 'EEXIST')
        throw new UnrotError('E_INTERNAL', `cannot make the cluster lock ${path}: ${(error as Error).message}`, { path });
    }
    const mtime = await stat(path).then(
      (s) => s.mtimeMs,
      () => undefined,
    );
    if (mtime !== undefined && Date.now() - mtime > staleMs) {
      // The holder stopped refreshing: it died or its node left the cluster.
      await rmdir(path).catch(() => undefined);
      continue;
    }
    const holder = await readHolder(holderFile);
    if (!told) {
      told = true;
      options.onWait?.(holder);
    }
    if (options.signal?.aborted)
      throw new UnrotError('E_RUN_LOCKED', `stopped while waiting for the cluster lock ${path} (${describeHolder(holder)})`, {
        path,
        holder,
      });
    if (Date.now() - started >= options.waitMs)
      throw new UnrotError(
        'E_RUN_LOCKED',
        `another node's unrot run holds the cluster lock ${path} (${describeHolder(holder)}); waited ${Math.round((Date.now() - started) / 1000)} s (host.cluster.lock_wait)`,
        { path, holder },
      );
    await sleep(Math.min(options.pollMs ?? 1000, Math.max(1, options.waitMs - (Date.now() - started))), options.signal);
  }
  const waitedMs = told ? Date.now() - started : 0;
  const holder: ClusterLockHolder = { node: options.node, runId: options.runId, pid: process.pid, at: new Date().toISOString() };
  await writeFile(holderFile, `${JSON.stringify(holder)}\n`, { mode: 0o600 }).catch(() => undefined);
  const refresh = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    },
    options.refreshMs ?? Math.floor(staleMs / 4),
  );
  refresh.unref();
  let released = false;
  return {
    waitedMs,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(refresh);
      await rm(holderFile, { force: true }).catch(() => undefined);
      await rmdir(path).catch(() => undefined);
    },
  };
}
