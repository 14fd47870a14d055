/**
 * What the API front needs from a host. The sandbox implements it with the same operations its
 * `pct`/`pvesm`/`vzdump` stand-ins run (sandbox-backend.ts); the fleet benchmark implements it
 * with simulated containers. Routing, auth, permissions, tasks and HTTP stay in one place
 * (routes.ts, server.ts) for both.
 *
 * Errors are PveError with Proxmox's die text: thrown by a read or by a task's pre-checks they
 * become HTTP 500 with that text; thrown inside a task's `work` they end the task with
 * `TASK ERROR: <text>`.
 */
import type { VmStatus } from '../ops/vmstatus.js';

/** A worker task: its Proxmox type (vzsnapshot, vzdump, …), id (usually the vmid) and work. */
export interface TaskSpec {
  type: string;
  id: string;
  work: (log: (line: string) => void) => Promise<void>;
}

export interface StorageStatus {
  storage: string;
  type: string;
  content: string;
  enabled: number;
  active: number;
  shared: number;
  total: number;
  used: number;
  avail: number;
}

export interface VzdumpParams {
  vmids: number[];
  storage: string;
  mode: 'snapshot' | 'suspend' | 'stop';
  compress: '0' | 'gzip' | 'lzo' | 'zstd';
  notesTemplate?: string;
  /** `vzdump …` job line as the job log prints it. */
  cmdline: string;
}

/** A cluster node as `/cluster/status` lists it. */
export interface ClusterNodeInfo {
  name: string;
  ip: string;
  online: boolean;
  /** The node this API runs on. */
  local: boolean;
}

/** The cluster behind a backend: its nodes and, per node, the backend answering `/nodes/{node}/…`. */
export interface ClusterView {
  name: string;
  nodes: ClusterNodeInfo[];
  backendFor(node: string): ApiBackend;
}

export interface ApiBackend {
  readonly node: string;
  /** The cluster, read afresh per call (a node may go offline, a CT migrate); undefined: a single node. */
  cluster?(): ClusterView | undefined;
  /** vmids on this node, ascending (permission filters, cluster resources). */
  vmids(): number[];
  /** PVE::LXC::vmstatus of every CT. */
  containers(): Promise<VmStatus[]>;
  /** vmstatus of one CT; throws the missing-config PveError. */
  containerStatus(vmid: number): Promise<VmStatus>;
  /** GET …/config: the values (pending applied unless `current`) plus `digest`. */
  config(vmid: number, opts: { current: boolean; snapshot?: string }): Promise<Record<string, unknown>>;
  /** GET …/pending: every key with `value`, `pending` and `delete` (config_with_pending_array). */
  pending(vmid: number): Promise<Array<Record<string, unknown>>>;
  /** GET /nodes/{node}/storage/{storage}/content: volumes (here: backups) on a storage. */
  storageContent(storage: string, filter: { content?: string; vmid?: number }): Promise<Array<Record<string, unknown>>>;
  /** GET …/snapshot: the snapshots plus `current`. */
  snapshots(vmid: number): Promise<Array<Record<string, unknown>>>;
  snapshot(vmid: number, snapname: string, description?: string): Promise<TaskSpec>;
  deleteSnapshot(vmid: number, snapname: string, force: boolean): Promise<TaskSpec>;
  rollback(vmid: number, snapname: string, start: boolean): Promise<TaskSpec>;
  start(vmid: number): Promise<TaskSpec>;
  stop(vmid: number): Promise<TaskSpec>;
  shutdown(vmid: number, timeout: number, forceStop: boolean): Promise<TaskSpec>;
  vzdump(params: VzdumpParams): Promise<TaskSpec>;
  restore(vmid: number, archive: string, opts: { storage: string; force: boolean }): Promise<TaskSpec>;
  storages(): Promise<StorageStatus[]>;
  nodeStatus(): Promise<Record<string, unknown>>;
  /** `pve-manager/<version>/<repoid>` */
  pveversion(): string;
}
