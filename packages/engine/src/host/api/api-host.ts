import { type ContainerInfo, isUnrotError, type Logger, silentLogger, UnrotError } from '@unrot/sdk';
import { type ClusterGuest, ClusterPlacement, nodeUnreachable } from '../cluster/cluster-view.js';
import { SshExec, type SshSettings } from '../cluster/ssh-exec.js';
import { containerInfos, type ListedContainer } from '../container-infos.js';
import type { ContainerConfig, Host, HostExecOptions, HostExecResult, ListedReading, VzdumpOptions } from '../host.js';
import type { SnapshotTreeEntry } from '../parse-listsnapshot.js';
import type { PvesmStorage } from '../parse-pvesm-status.js';
import { splitTags } from '../parse-tags.js';
import { parseVzdumpArchive } from '../pct-backup.js';
import { pctSnapshotArgv, vzdumpArgv } from '../pct-host.js';
import type { PveApiClient, Query } from './api-client.js';
import { containerConfigOf } from './api-config.js';
import {
  LxcConfigSchema,
  LxcListSchema,
  type LxcPendingEntry,
  LxcPendingSchema,
  LxcStatusSchema,
  NodeStatusSchema,
  SnapshotListSchema,
  StorageContentSchema,
  StorageListSchema,
  UpidSchema,
} from './api-schemas.js';
import { snapshotTree } from './api-snapshot-tree.js';
import { storageRows } from './api-storage.js';
import { apiTaskError, containerNotFound } from './api-task-error.js';
import { followTask, taskLogHead, taskLogTail, upidNode } from './api-tasks.js';
import type { LocalExec } from './local-exec.js';

/** `host.cluster`: every node's containers, per-container calls on the container's node, exec over ssh on the others. */
export interface ApiClusterOptions {
  ssh: SshSettings;
  /** Node name → address ssh connects to, over the node's `ip` in /cluster/status. */
  addresses?: Record<string, string>;
  /** PATH/env for ssh, as for the local exec. */
  path?: string;
  env?: Record<string, string>;
}

export interface ApiHostOptions {
  node: string;
  client: PveApiClient;
  /** Runs commands inside containers (pct exec or lxc-attach, optionally via sudo): the API has no exec. */
  exec: LocalExec;
  /** Config reads in flight while listing; default 8 (requests on keep-alive connections, not processes). */
  configConcurrency?: number;
  /** Task status poll delays (tests shorten them); default 50 ms doubling to 1 s. */
  pollMs?: number;
  maxPollMs?: number;
  log?: Logger;
  /** Set: the whole cluster (docs/cluster.md); unset: this node only. */
  cluster?: ApiClusterOptions;
}

export interface NodeStatus {
  /** 1, 5 and 15 minute load averages. */
  loadavg: [number, number, number];
  cpus: number;
}

export interface ConfigDetail {
  config: ContainerConfig;
  /** SHA-1 of the config file: a later change can be made conditional on it. */
  digest?: string;
  /** Changes written but not applied yet (`[pve:pending]`). */
  pending: LxcPendingEntry[];
}

/** Where a listing keeps what it read of each container (Host.listedReading). */
type ListingRecord = { startedAtMs: number; onRead: (vmid: number, reading: ListedReading) => void };

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

function checkVmid(vmid: number): void {
  if (!Number.isInteger(vmid) || vmid < 100 || vmid > 999_999_999) throw new UnrotError('E_USAGE', `invalid VMID ${vmid}`, { vmid });
}

function checkTimeout(timeoutMs: number): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UnrotError('E_USAGE', `invalid timeout ${timeoutMs}`);
}

/**
 * Host over the Proxmox VE REST API (pveproxy, one keep-alive pool) with an API token: the same
 * interface, results and error codes as PctHost, without a process per call. Every mutating call
 * is a worker task, followed by its UPID until it ends; a failed task's own error text and log
 * tail are in the error. Only `exec` still starts a process (LocalExec).
 */
export class ApiHost implements Host {
  readonly node: string;
  readonly client: PveApiClient;
  private readonly local: LocalExec;
  private readonly options: ApiHostOptions;
  private readonly log: Logger;
  private readonly placement: ClusterPlacement | undefined;
  private readonly remotes = new Map<string, SshExec>();
  private listed = new Map<number, ListedReading>();

  constructor(options: ApiHostOptions) {
    if (!NODE_NAME.test(options.node)) throw new UnrotError('E_CONFIG', `invalid Proxmox node name ${JSON.stringify(options.node)}`);
    this.node = options.node;
    this.client = options.client;
    this.local = options.exec;
    this.options = options;
    this.log = options.log ?? silentLogger;
    this.placement = options.cluster ? new ClusterPlacement(options.client) : undefined;
  }

  private ct(node: string, vmid: number, rest = ''): string {
    checkVmid(vmid);
    return `/nodes/${node}/lxc/${vmid}${rest}`;
  }

  /**
   * Runs a call about one container on its node: this node without a cluster; with one, the node
   * the cluster lists it on. A container not (or no longer) there — Proxmox's "does not exist" —
   * is looked up again once: migrated, the call is made again on its new node; gone from the
   * cluster, the E_CT_NOT_FOUND stands (the container vanished). A node pveproxy cannot reach
   * (HTTP 595) is E_NODE_UNREACHABLE.
   */
  private async onNode<T>(vmid: number, signal: AbortSignal | undefined, call: (node: string) => Promise<T>): Promise<T> {
    checkVmid(vmid);
    const placement = this.placement;
    if (!placement) return call(this.node);
    let node = await placement.nodeOf(vmid, signal);
    if (node === undefined) {
      await placement.refresh(signal);
      node = placement.knownNodeOf(vmid);
    }
    if (node === undefined)
      throw new UnrotError('E_CT_NOT_FOUND', `container ${vmid} is on no node of the cluster (vanished)`, { vmid, reason: 'vanished' });
    try {
      return await call(node);
    } catch (error) {
      const mapped = nodeUnreachable(node, error);
      if (!isUnrotError(mapped) || mapped.code !== 'E_CT_NOT_FOUND') throw mapped;
      await placement.refresh(signal);
      const now = placement.knownNodeOf(vmid);
      if (now === undefined || now === node)
        throw new UnrotError(
          'E_CT_NOT_FOUND',
          `${mapped.message}; it is on no ${now === undefined ? '' : 'other '}node of the cluster (vanished)`,
          { ...mapped.details, vmid, node, reason: 'vanished' },
        );
      this.log.info({ vmid, from: node, to: now }, 'container migrated to another node since it was listed; continuing there');
      try {
        return await call(now);
      } catch (again) {
        throw nodeUnreachable(now, again);
      }
    }
  }

  /** How commands reach a container on `node`: the local exec on this node, ssh to any other. */
  private execOn(node: string): { execArgv: LocalExec['execArgv']; exec: LocalExec['exec'] } {
    const cluster = this.options.cluster;
    if (!cluster || !this.placement) return this.local;
    const info = this.placement.knownNodeInfo(node);
    if (info?.local || (info === undefined && node === this.node)) return this.local;
    let remote = this.remotes.get(node);
    if (!remote) {
      const address = cluster.addresses?.[node] ?? info?.ip;
      if (address === undefined)
        throw new UnrotError(
          'E_NODE_UNREACHABLE',
          `node ${node} has no address: /cluster/status lists no ip for it and host.cluster.addresses has none`,
          {
            node,
          },
        );
      remote = new SshExec({
        node,
        address,
        ssh: cluster.ssh,
        innerArgv: (vmid, argv) => this.local.execArgv(vmid, argv),
        ...(cluster.path ? { path: cluster.path } : {}),
        ...(cluster.env ? { env: cluster.env } : {}),
      });
      this.remotes.set(node, remote);
    }
    return { execArgv: (vmid, argv) => remote.execArgv(vmid, argv), exec: (vmid, argv, options) => remote.exec(vmid, argv, options) };
  }

  /** The command a plan shows: on the node the container was last seen on (this node before any listing). */
  execArgv(vmid: number, argv: readonly string[]): string[] {
    const node = this.placement?.knownNodeOf(vmid) ?? this.node;
    return this.execOn(node).execArgv(vmid, argv);
  }

  exec(vmid: number, argv: readonly string[], options: HostExecOptions): Promise<HostExecResult> {
    return this.onNode(vmid, options.signal, async (node) => {
      // The node's own entry (local flag, ip) is needed before choosing local exec or ssh.
      await this.placement?.nodeInfo(node, options.signal);
      return this.execOn(node).exec(vmid, argv, options);
    });
  }

  async readConfig(vmid: number, signal?: AbortSignal): Promise<ContainerConfig> {
    return (await this.readConfigDetail(vmid, signal, false)).config;
  }

  /** The config as `pct config` shows it (pending applied), its digest, and with `pending` the unapplied changes. */
  async readConfigDetail(vmid: number, signal?: AbortSignal, pending = true): Promise<ConfigDetail> {
    return this.onNode(vmid, signal, async (node) => {
      const raw = await this.query(vmid, () => this.client.get(this.ct(node, vmid, '/config'), LxcConfigSchema, undefined, signal));
      const detail: ConfigDetail = { config: containerConfigOf(raw), pending: [] };
      if (typeof raw.digest === 'string') detail.digest = raw.digest;
      if (pending) {
        const rows = await this.query(vmid, () => this.client.get(this.ct(node, vmid, '/pending'), LxcPendingSchema, undefined, signal));
        detail.pending = rows.filter((r) => r.pending !== undefined || r.delete !== undefined);
      }
      return detail;
    });
  }

  async status(vmid: number, signal?: AbortSignal): Promise<'running' | 'stopped' | 'unknown'> {
    const s = await this.onNode(vmid, signal, (node) =>
      this.query(vmid, () => this.client.get(this.ct(node, vmid, '/status/current'), LxcStatusSchema, undefined, signal)),
    );
    return s.status === 'running' || s.status === 'stopped' ? s.status : 'unknown';
  }

  /**
   * `/nodes/{node}/lxc` for status/name/lock/tags/template, then each CT's config (bounded) for
   * privilege and ostype; the config is the later read, so its lock/tags/template win. A CT
   * deleted in between is dropped (as PctHost does). CTs the token may not audit (VM.Audit) are
   * not listed by Proxmox at all.
   */
  async listContainers(signal?: AbortSignal): Promise<ContainerInfo[]> {
    const startedAtMs = Date.now();
    const readings = new Map<number, ListedReading>();
    const onRead = (vmid: number, reading: ListedReading) => readings.set(vmid, reading);
    const infos = this.placement
      ? await this.listCluster(this.placement, { startedAtMs, onRead }, signal)
      : await this.listNode({ startedAtMs, onRead }, signal);
    this.listed = readings;
    return infos;
  }

  listedReading(vmid: number): ListedReading | undefined {
    return this.listed.get(vmid);
  }

  currentNode(vmid: number): string | undefined {
    return this.placement?.knownNodeOf(vmid);
  }

  private async listNode(record: ListingRecord, signal?: AbortSignal): Promise<ContainerInfo[]> {
    const list = await this.client.get(`/nodes/${this.node}/lxc`, LxcListSchema, undefined, signal);
    const entries = list
      .map((e) => {
        const vmid = Number(e.vmid);
        if (!Number.isInteger(vmid) || vmid < 100 || vmid > 999_999_999)
          throw new UnrotError('E_API_RESPONSE', `GET /nodes/${this.node}/lxc: invalid vmid ${JSON.stringify(e.vmid)}`);
        return { ...e, vmid };
      })
      .sort((a, b) => a.vmid - b.vmid);
    const listed = entries.map(
      (e): ListedContainer => ({
        vmid: e.vmid,
        name: e.name !== undefined && e.name !== '' ? e.name : `CT${e.vmid}`,
        status: e.status === 'running' || e.status === 'stopped' ? e.status : 'unknown',
      }),
    );
    return containerInfos(listed, (vmid) => this.readConfig(vmid, signal), {
      concurrency: this.options.configConcurrency ?? 8,
      log: this.log,
      ...record,
    });
  }

  /**
   * Every node's containers (/cluster/resources), each completed with its config from its own
   * node. A node without quorum refuses the run: /etc/pve is read-only there, so no snapshot,
   * lock or config change could be written. Containers of an offline node keep the status
   * `unknown` the cluster gives them and are not read further (their node cannot answer).
   */
  private async listCluster(placement: ClusterPlacement, record: ListingRecord, signal?: AbortSignal): Promise<ContainerInfo[]> {
    const { state, guests } = await placement.refresh(signal);
    if (!state.quorate)
      throw new UnrotError(
        'E_NO_QUORUM',
        `cluster${state.name ? ` ${state.name}` : ''} has no quorum on this node: /etc/pve is read-only, so nothing may change; restore quorum (pvecm status) and run again`,
        { cluster: state.name, nodes: state.nodes },
      );
    const online = new Set(state.nodes.filter((n) => n.online).map((n) => n.name));
    const reachable = guests.filter((g) => online.has(g.node) && g.status !== 'unknown');
    const byVmid = new Map<number, ClusterGuest>(guests.map((g) => [g.vmid, g]));
    const read = await containerInfos(
      reachable.map((g): ListedContainer => ({ vmid: g.vmid, name: g.name, status: g.status })),
      (vmid) => this.readConfig(vmid, signal),
      { concurrency: this.options.configConcurrency ?? 8, log: this.log, ...record },
    );
    const infos: ContainerInfo[] = read.map((info) => ({
      ...info,
      node: placement.knownNodeOf(info.vmid) ?? byVmid.get(info.vmid)?.node ?? this.node,
    }));
    for (const g of guests) {
      if (reachable.includes(g)) continue;
      const info: ContainerInfo = {
        vmid: g.vmid,
        name: g.name,
        status: 'unknown',
        tags: splitTags(g.tags),
        unprivileged: false,
        template: g.template,
        node: g.node,
      };
      if (g.lock) info.lock = g.lock;
      infos.push(info);
    }
    return infos.sort((a, b) => a.vmid - b.vmid);
  }

  async listSnapshots(vmid: number, signal?: AbortSignal): Promise<SnapshotTreeEntry[]> {
    return this.onNode(vmid, signal, async (node) => {
      const path = this.ct(node, vmid, '/snapshot');
      const list = await this.query(vmid, () => this.client.get(path, SnapshotListSchema, undefined, signal));
      const tree = snapshotTree(list);
      if (!tree.some((e) => e.current)) throw new UnrotError('E_API_RESPONSE', `GET ${path}: no \`current\` entry`);
      return tree;
    });
  }

  /** `GET /nodes/{node}/storage` in `pvesm status` terms (KiB, percent used, null when disabled). */
  async storageStatus(signal?: AbortSignal): Promise<PvesmStorage[]> {
    return storageRows(await this.client.get(`/nodes/${this.node}/storage`, StorageListSchema, undefined, signal));
  }

  /** `GET /nodes/{node}/status`: load averages and CPU count (pre-flight backpressure without reading /proc). */
  async nodeStatus(signal?: AbortSignal): Promise<NodeStatus> {
    const s = await this.client.get(`/nodes/${this.node}/status`, NodeStatusSchema, undefined, signal);
    const [one, five, fifteen] = s.loadavg.map(Number) as [number, number, number];
    return { loadavg: [one, five, fifteen], cpus: s.cpuinfo.cpus };
  }

  async snapshot(vmid: number, name: string, description: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.onNode(vmid, signal, (node) =>
      this.task('snapshot', vmid, 'POST', this.ct(node, vmid, '/snapshot'), { snapname: name, description }, timeoutMs, signal),
    );
  }

  async deleteSnapshot(vmid: number, name: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.onNode(vmid, signal, (node) =>
      this.task('delsnapshot', vmid, 'DELETE', this.ct(node, vmid, `/snapshot/${encodeURIComponent(name)}`), undefined, timeoutMs, signal),
    );
  }

  async rollback(vmid: number, name: string, start: boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await this.onNode(vmid, signal, (node) => {
      const path = this.ct(node, vmid, `/snapshot/${encodeURIComponent(name)}/rollback`);
      return this.task('rollback', vmid, 'POST', path, start ? { start: 1 } : {}, timeoutMs, signal);
    });
  }

  async setRunning(vmid: number, running: boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const what = running ? 'start' : 'stop';
    await this.onNode(vmid, signal, (node) => this.task(what, vmid, 'POST', this.ct(node, vmid, `/status/${what}`), {}, timeoutMs, signal));
  }

  /** `POST /nodes/{node}/vzdump`; returns the archive path the task log names (as PctHost returns it from vzdump's output). */
  async vzdump(vmid: number, options: VzdumpOptions, timeoutMs: number, signal?: AbortSignal): Promise<string> {
    checkVmid(vmid);
    const form = { vmid, storage: options.storage, mode: options.mode, compress: options.compress, 'notes-template': options.notes };
    const upid = await this.onNode(vmid, signal, (node) =>
      this.task('vzdump', vmid, 'POST', `/nodes/${node}/vzdump`, form, timeoutMs, signal),
    );
    const log = await taskLogHead(this.client, upid, 1000, signal);
    const archive = parseVzdumpArchive(log.join('\n'));
    if (!archive)
      throw new UnrotError('E_HOST_OUTPUT', `vzdump of CT ${vmid} succeeded but its task log names no archive`, {
        vmid,
        upid,
        log: log.slice(-20),
      });
    return archive;
  }

  /**
   * `POST /nodes/{node}/lxc` with `restore=1, force=1` (the CT must be stopped). Proxmox lets only
   * root@pam pass a file system path, so a path is turned into its volume id (`storage:backup/…`)
   * by finding the file among the backup storages' contents.
   */
  async restore(vmid: number, archive: string, storage: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    checkVmid(vmid);
    await this.onNode(vmid, signal, async (node) => {
      const volid = archive.startsWith('/') ? await this.archiveVolid(node, vmid, archive, signal) : archive;
      const form: Query = { vmid, ostemplate: volid, restore: 1, force: 1, ...(storage ? { storage } : {}) };
      await this.task('restore', vmid, 'POST', `/nodes/${node}/lxc`, form, timeoutMs, signal);
    });
  }

  /** The plan shows the pct command this call stands for (the API call does the same thing). */
  snapshotArgv(vmid: number, name: string, description: string): string[] {
    return pctSnapshotArgv(vmid, name, description);
  }

  /** The vzdump command the `POST /nodes/{node}/vzdump` call stands for (same storage, mode, compress, notes). */
  vzdumpArgv(vmid: number, options: VzdumpOptions): string[] {
    return vzdumpArgv(vmid, options);
  }

  private async archiveVolid(node: string, vmid: number, archive: string, signal?: AbortSignal): Promise<string> {
    const file = archive.slice(archive.lastIndexOf('/') + 1);
    const storages = await this.client.get(`/nodes/${node}/storage`, StorageListSchema, { content: 'backup' }, signal);
    for (const s of storages) {
      const content = await this.client.get(
        `/nodes/${node}/storage/${encodeURIComponent(s.storage)}/content`,
        StorageContentSchema,
        { content: 'backup', vmid },
        signal,
      );
      const hit = content.find((c) => c.volid.endsWith(`/${file}`) || c.volid.endsWith(`:${file}`));
      if (hit) return hit.volid;
    }
    throw new UnrotError('E_NO_BACKUP', `archive ${archive} of CT ${vmid} is on no backup storage this token can see`, { vmid, archive });
  }

  /** A read about one container: Proxmox's "does not exist" (HTTP 500) is E_CT_NOT_FOUND, as pct's is. */
  private async query<T>(vmid: number, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw containerNotFound(vmid, error) ?? error;
    }
  }

  /** A worker task: start it, follow its UPID to the end, map a failure like PctHost maps pct's. */
  private async task(
    what: string,
    vmid: number,
    method: 'POST' | 'DELETE',
    path: string,
    form: Query | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    checkVmid(vmid);
    checkTimeout(timeoutMs);
    let upid: string;
    try {
      upid =
        method === 'POST'
          ? await this.client.post(path, UpidSchema, form, signal)
          : await this.client.delete(path, UpidSchema, form, signal);
    } catch (error) {
      // Checks Proxmox makes before forking the worker (reserved names, a missing CT) fail the HTTP call itself.
      throw apiTaskError(what, vmid, error);
    }
    let end: Awaited<ReturnType<typeof followTask>>;
    try {
      end = await followTask(this.client, upid, { timeoutMs, ...(signal ? { signal } : {}), ...this.pollOptions() });
    } catch (error) {
      if (isUnrotError(error) && error.code === 'E_EXEC_TIMEOUT') throw await this.timedOut(what, vmid, upidNode(upid), error);
      throw error;
    }
    if (end.ok) return upid;
    const tail = await taskLogTail(this.client, upid, 20, signal).catch(() => [] as string[]);
    throw apiTaskError(what, vmid, { upid, exitstatus: end.exitstatus, log: tail });
  }

  private pollOptions(): { pollMs?: number; maxPollMs?: number } {
    return {
      ...(this.options.pollMs !== undefined ? { pollMs: this.options.pollMs } : {}),
      ...(this.options.maxPollMs !== undefined ? { maxPollMs: this.options.maxPollMs } : {}),
    };
  }

  /** A task past its time: it keeps running in Proxmox with its lock; say which lock the CT holds now. */
  private async timedOut(what: string, vmid: number, node: string, error: UnrotError): Promise<UnrotError> {
    let lock: string | undefined;
    try {
      lock = (await this.client.get(this.ct(node, vmid, '/status/current'), LxcStatusSchema)).lock;
    } catch {
      lock = undefined;
    }
    const held = lock
      ? `CT ${vmid} keeps its '${lock}' lock until the task ends (Proxmox leaves it; check the task before \`pct unlock ${vmid}\`)`
      : `CT ${vmid} holds no lock now`;
    return new UnrotError('E_EXEC_TIMEOUT', `${what} of CT ${vmid}: ${error.message}; the task was not stopped and ${held}`, {
      ...error.details,
      vmid,
      ...(lock ? { lock } : {}),
    });
  }
}
