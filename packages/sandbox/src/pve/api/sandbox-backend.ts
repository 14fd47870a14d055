/**
 * The API front over the sandbox: every call runs the operation the `pct`, `pvesm`, `pvesh`
 * and `vzdump` stand-ins run (ops/*, cli/pct-ops.ts), with the task log in place of stdout.
 * Pre-checks that Proxmox's API handlers make before fork_worker are made here and fail the
 * HTTP call; everything else happens inside the task, as on a real node.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as pctOps from '../cli/pct-ops.js';
import { SANDBOX_PVEVERSION } from '../cli/pvesh.js';
import { nodePaths, readCluster } from '../cluster.js';
import { configExists, listVmids, loadConfig } from '../config-store.js';
import { ctState } from '../lxc.js';
import { makeContext, type PveContext } from '../ops/context.js';
import { containerStatus, containerStatuses } from '../ops/ct-status.js';
import { nodeStatus } from '../ops/node-status.js';
import { restoreCt } from '../ops/restore.js';
import { snapshotCreate, snapshotDelete, snapshotList, snapshotRollback } from '../ops/snapshots.js';
import { storageInfo } from '../ops/storage-status.js';
import { vzdumpJob } from '../ops/vzdump.js';
import { applyPending, type PveSection, sectionEntries } from '../pve-config.js';
import { PveError } from '../pve-errors.js';
import type { SandboxPaths } from '../sandbox-root.js';
import { loadStorageCfg } from '../storage-cfg.js';
import type { ApiBackend, ClusterView, StorageStatus, TaskSpec, VzdumpParams } from './backend.js';

/** LXC confdesc keys of type integer/boolean/number: the API returns them as JSON numbers. */
const NUMERIC_KEYS = new Set([
  'console',
  'cores',
  'cpulimit',
  'cpuunits',
  'debug',
  'memory',
  'onboot',
  'protection',
  'swap',
  'template',
  'tty',
  'unprivileged',
  'snaptime',
]);

function typedEntries(sec: PveSection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sectionEntries(sec))) out[k] = NUMERIC_KEYS.has(k) && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  if (sec.lxc.length > 0) out['lxc'] = sec.lxc.map(([k, v]) => [k, v]);
  return out;
}

export class SandboxBackend implements ApiBackend {
  readonly node: string;

  constructor(private readonly paths: SandboxPaths) {
    this.node = paths.node;
  }

  /** R/cluster.json, read per call so `unrot-sandbox cluster …` changes show at once. */
  cluster(): ClusterView | undefined {
    const state = readCluster(this.paths.root);
    if (!state) return undefined;
    return {
      name: state.name,
      nodes: state.nodes.map((n) => ({ ...n, local: n.name === this.node })),
      backendFor: (node) => (node === this.node ? this : new SandboxBackend(nodePaths(this.paths, node))),
    };
  }

  private async ctx(log: (line: string) => void): Promise<PveContext> {
    return makeContext(this.paths, log);
  }

  vmids(): number[] {
    return listVmids(this.paths);
  }

  containers() {
    return containerStatuses(this.paths);
  }

  containerStatus(vmid: number) {
    return containerStatus(this.paths, vmid);
  }

  async config(vmid: number, opts: { current: boolean; snapshot?: string }): Promise<Record<string, unknown>> {
    let raw: string;
    try {
      raw = readFileSync(this.paths.confPath(vmid), 'utf8');
    } catch {
      loadConfig(this.paths, vmid); // throws Proxmox's missing-config text
      throw new PveError(`unable to read config of CT ${vmid}`);
    }
    const conf = loadConfig(this.paths, vmid);
    // load_config's digest: SHA-1 of the file as read.
    const digest = createHash('sha1').update(raw).digest('hex');
    if (opts.snapshot !== undefined) {
      const snap = conf.snapshots[opts.snapshot];
      if (!snap) throw new PveError(`snapshot '${opts.snapshot}' does not exist`);
      return { ...typedEntries(snap), digest };
    }
    return { ...typedEntries(opts.current ? conf : applyPending(conf)), digest };
  }

  async pending(vmid: number): Promise<Array<Record<string, unknown>>> {
    const conf = loadConfig(this.paths, vmid);
    const current = typedEntries({
      keys: conf.keys,
      lxc: [],
      ...(conf.description !== undefined ? { description: conf.description } : {}),
    });
    const pending = typedEntries({
      keys: conf.pending.keys,
      lxc: [],
      ...(conf.pending.description !== undefined ? { description: conf.pending.description } : {}),
    });
    const deletes = new Map(
      String(pending['delete'] ?? '')
        .split(/[,;\s]+/)
        .filter(Boolean)
        .map((d) => [d.replace(/^!/, ''), d.startsWith('!') ? 2 : 1] as const),
    );
    delete pending['delete'];
    const out: Array<Record<string, unknown>> = [];
    for (const key of [...new Set([...Object.keys(current), ...Object.keys(pending), ...deletes.keys()])].sort()) {
      const e: Record<string, unknown> = { key };
      if (key in current) e['value'] = current[key];
      if (key in pending) e['pending'] = pending[key];
      if (deletes.has(key)) e['delete'] = deletes.get(key);
      out.push(e);
    }
    return out;
  }

  async storageContent(storage: string, filter: { content?: string; vmid?: number }): Promise<Array<Record<string, unknown>>> {
    const s = (await loadStorageCfg(this.paths)).get(storage);
    if (!s) throw new PveError(`storage '${storage}' does not exist`);
    if (!s.content.includes('backup') || (filter.content !== undefined && filter.content !== 'backup')) return [];
    return backupVolumes(storage, join(s.path, 'dump'), filter.vmid);
  }

  async snapshots(vmid: number): Promise<Array<Record<string, unknown>>> {
    const raw = readFileSync(this.paths.confPath(vmid), 'utf8');
    const conf = loadConfig(this.paths, vmid);
    const running = (await ctState(this.paths, vmid)) === 'running' ? 1 : 0;
    const digest = createHash('sha1').update(raw).digest('hex');
    return snapshotList(conf).map((e) => (e.name === 'current' ? { ...e, digest, running } : { ...e }));
  }

  async snapshot(vmid: number, snapname: string, description?: string): Promise<TaskSpec> {
    loadConfig(this.paths, vmid);
    return {
      type: 'vzsnapshot',
      id: String(vmid),
      work: async (log) => snapshotCreate(await this.ctx(log), vmid, snapname, description),
    };
  }

  async deleteSnapshot(vmid: number, snapname: string, force: boolean): Promise<TaskSpec> {
    loadConfig(this.paths, vmid);
    return {
      type: 'vzdelsnapshot',
      id: String(vmid),
      work: async (log) => snapshotDelete(await this.ctx(log), vmid, snapname, force),
    };
  }

  async rollback(vmid: number, snapname: string, start: boolean): Promise<TaskSpec> {
    loadConfig(this.paths, vmid);
    return {
      type: 'vzrollback',
      id: String(vmid),
      work: async (log) => snapshotRollback(await this.ctx(log), vmid, snapname, start),
    };
  }

  async start(vmid: number): Promise<TaskSpec> {
    loadConfig(this.paths, vmid);
    if ((await ctState(this.paths, vmid)) === 'running') throw new PveError(`CT ${vmid} already running`);
    return { type: 'vzstart', id: String(vmid), work: async () => void (await pctOps.start(this.paths, vmid, false)) };
  }

  async stop(vmid: number): Promise<TaskSpec> {
    loadConfig(this.paths, vmid);
    if ((await ctState(this.paths, vmid)) !== 'running') throw new PveError(`CT ${vmid} not running`);
    return { type: 'vzstop', id: String(vmid), work: async () => void (await pctOps.stop(this.paths, vmid, false)) };
  }

  async shutdown(vmid: number, timeout: number, forceStop: boolean): Promise<TaskSpec> {
    loadConfig(this.paths, vmid);
    if ((await ctState(this.paths, vmid)) !== 'running') throw new PveError(`CT ${vmid} not running`);
    return {
      type: 'vzshutdown',
      id: String(vmid),
      work: async () => void (await pctOps.shutdown(this.paths, vmid, timeout, forceStop)),
    };
  }

  async vzdump(p: VzdumpParams): Promise<TaskSpec> {
    return {
      type: 'vzdump',
      // API2/VZDump.pm: the task id is the vmid when the job has exactly one guest.
      id: p.vmids.length === 1 ? String(p.vmids[0]) : '',
      work: async (log) => {
        const ok = await vzdumpJob(await this.ctx(log), p.vmids, {
          storage: p.storage,
          mode: p.mode,
          compress: p.compress,
          zstdThreads: 1,
          stopwaitMin: 10,
          cmdline: p.cmdline,
          ...(p.notesTemplate !== undefined ? { notesTemplate: p.notesTemplate } : {}),
        });
        if (!ok) throw new PveError('job errors');
      },
    };
  }

  async restore(vmid: number, archive: string, opts: { storage: string; force: boolean }): Promise<TaskSpec> {
    // API2/LXC.pm create_vm checks these before forking the worker.
    if (configExists(this.paths, vmid)) {
      if (!opts.force) throw new PveError(`CT ${vmid} already exists on node '${this.node}'`);
      if ((await ctState(this.paths, vmid)) === 'running') throw new PveError("can't overwrite running container");
    }
    return { type: 'vzrestore', id: String(vmid), work: async (log) => restoreCt(await this.ctx(log), vmid, archive, opts) };
  }

  async storages(): Promise<StorageStatus[]> {
    return storageInfo(await loadStorageCfg(this.paths)).map((s) => ({
      storage: s.id,
      type: s.type,
      content: [...s.content].sort().join(','),
      enabled: s.enabled ? 1 : 0,
      active: s.active ? 1 : 0,
      shared: s.shared ? 1 : 0,
      total: s.total,
      used: s.used,
      avail: s.avail,
    }));
  }

  nodeStatus() {
    return nodeStatus(this.pveversion());
  }

  pveversion(): string {
    return process.env['UNROT_SANDBOX_PVEVERSION'] || SANDBOX_PVEVERSION;
  }
}

/** vzdump archives in a dump directory as pve-storage lists them (content `backup`, subtype `lxc`). */
function backupVolumes(storage: string, dumpDir: string, vmid?: number): Array<Record<string, unknown>> {
  let names: string[];
  try {
    names = readdirSync(dumpDir);
  } catch {
    return [];
  }
  const out: Array<Record<string, unknown>> = [];
  for (const name of names.sort()) {
    const m = /^vzdump-lxc-(\d+)-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d\.(tar(?:\.(?:gz|zst|lzo))?)$/.exec(name);
    if (!m || (vmid !== undefined && Number(m[1]) !== vmid)) continue;
    const path = join(dumpDir, name);
    const st = statSync(path);
    const e: Record<string, unknown> = {
      volid: `${storage}:backup/${name}`,
      content: 'backup',
      format: m[2],
      size: st.size,
      ctime: Math.floor(st.mtimeMs / 1000),
      vmid: Number(m[1]),
      subtype: 'lxc',
    };
    try {
      e['notes'] = readFileSync(`${path}.notes`, 'utf8');
    } catch {
      // no notes
    }
    out.push(e);
  }
  return out;
}
