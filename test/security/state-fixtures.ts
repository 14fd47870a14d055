import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@unrot/sdk';
import type { Host } from '../../packages/engine/src/host/host.js';
import type { SnapshotTreeEntry } from '../../packages/engine/src/host/parse-listsnapshot.js';
import { snapshotDescriptionFor, snapshotNameFor } from '../../packages/engine/src/safety/own-snapshots.js';

/** A host that records every changing call and lists the snapshots a test gives it: what unrot did, not what it said. */
export function recordingHost(snapshots: Record<number, SnapshotTreeEntry[]> = {}): Host & { calls: string[] } {
  const calls: string[] = [];
  const change = (what: string) => async () => {
    calls.push(what);
  };
  return {
    calls,
    listContainers: async () => [],
    readConfig: async () => ({}),
    storageStatus: async () => [],
    status: async (vmid) => {
      calls.push(`status ${vmid}`);
      return 'running';
    },
    exec: async () => ({ exitCode: 0, stdout: '', stderr: '', durationMs: 0 }),
    execArgv: (vmid, argv) => ['pct', 'exec', String(vmid), '--', ...argv],
    listSnapshots: async (vmid) => snapshots[vmid] ?? [],
    snapshot: async (vmid, name) => change(`snapshot ${vmid} ${name}`)(),
    snapshotArgv: (vmid, name) => ['pct', 'snapshot', String(vmid), name],
    deleteSnapshot: async (vmid, name) => change(`delsnapshot ${vmid} ${name}`)(),
    rollback: async (vmid, name) => change(`rollback ${vmid} ${name}`)(),
    setRunning: async (vmid, running) => change(`${running ? 'start' : 'stop'} ${vmid}`)(),
    vzdump: async () => '',
    restore: async (vmid, archive) => change(`restore ${vmid} ${archive}`)(),
  };
}

/** The tree entry `pct listsnapshot` gives for unrot's own snapshot of run `runId`. */
export function ownSnapshotEntry(runId: string): SnapshotTreeEntry {
  return {
    name: snapshotNameFor(runId),
    parent: null,
    depth: 0,
    time: '2026-11-26 02:15:00',
    description: snapshotDescriptionFor(runId, ['apt']),
    current: false,
  };
}

export interface Sandbox {
  root: string;
  stateDir: string;
  /** The `local` storage's dump directory, as /etc/pve/storage.cfg names it. */
  dumpDir: string;
  storageCfg: string;
}

/** A private temp dir with a state_dir and a Proxmox storage.cfg whose `local` storage keeps backups in dumpDir. */
export async function sandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'unrot-sec-'));
  const stateDir = join(root, 'state');
  const dumpDir = join(root, 'vz', 'dump');
  for (const d of [stateDir, join(stateDir, 'journal'), join(stateDir, 'backups')]) await mkdir(d, { mode: 0o700 });
  await mkdir(dumpDir, { recursive: true });
  const storageCfg = join(root, 'storage.cfg');
  await writeFile(
    storageCfg,
    `dir: local\n\tpath ${join(root, 'vz')}\n\tcontent iso,vztmpl,backup\n\nlvmthin: local-lvm\n\tthinpool data\n\tcontent rootdir,images\n`,
  );
  return { root, stateDir, dumpDir, storageCfg };
}

/** Writes an archive (and the notes vzdump writes for unrot's --notes-template) as vzdump would. */
export async function ownArchive(dumpDir: string, vmid: number, stamp: string, runId: string): Promise<string> {
  const archive = join(dumpDir, `vzdump-lxc-${vmid}-${stamp}.tar.zst`);
  await writeFile(archive, 'archive');
  await writeFile(`${archive}.notes`, `unrot run ${runId}`);
  return archive;
}

/** A logger that keeps what it was told, so a test can check a quarantine was logged loudly. */
export function keptLog(): Logger & { lines: Array<{ level: string; obj: unknown; msg?: string }> } {
  const lines: Array<{ level: string; obj: unknown; msg?: string }> = [];
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      lines.push({ level, obj, ...(msg !== undefined ? { msg } : {}) });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
