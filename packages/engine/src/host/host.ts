import type { ContainerInfo } from '@unrot/sdk';
import type { SnapshotTreeEntry } from './parse-listsnapshot.js';
import type { PvesmStorage } from './parse-pvesm-status.js';

/** Result of running an argv inside a container through the host (e.g. `pct exec`). */
export interface HostExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Set when stdout or stderr exceeded the adapter's output cap and was cut (added by the pct adapter). */
  truncated?: boolean;
}

export interface HostExecOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  input?: string;
}

/** A container's configuration as `pct config` prints it: keys to raw string values. */
export type ContainerConfig = Record<string, string>;

/**
 * One container as a listing read it: its status (the listing) and config (read right after).
 * The pre-flight takes it instead of reading both again while it is fresh (lifecycle/container-steps.ts).
 */
export interface ListedReading {
  status: 'running' | 'stopped' | 'unknown';
  config: ContainerConfig;
  /** Date.now() when the listing began: the age of the oldest of the two reads. */
  readAtMs: number;
}

/** What a vzdump backup is taken with (policy backup.vzdump_*; notes name the run). */
export interface VzdumpOptions {
  storage: string;
  mode: string;
  compress: string;
  notes: string;
}

/**
 * Everything the engine needs from a Proxmox host. The real implementation drives the
 * `pct` / `pvesh` CLIs; tests and the sandbox use the same implementation against a
 * stand-in `pct` on PATH, so there is one code path.
 */
export interface Host {
  /** Every container on this node with status, lock, tags, privilege. Empty array when none. */
  listContainers(signal?: AbortSignal): Promise<ContainerInfo[]>;
  /** What the last listContainers() of this Host read for one container; absent where the Host keeps nothing. */
  listedReading?(vmid: number): ListedReading | undefined;
  /** A cluster host: the node the container was last found on (it may have migrated since the listing). */
  currentNode?(vmid: number): string | undefined;
  /** `pct config VMID`; throws E_CT_NOT_FOUND when the container does not exist. */
  readConfig(vmid: number, signal?: AbortSignal): Promise<ContainerConfig>;
  /** `pvesm status`: every storage with its use (pre-flight: room for the backup). */
  storageStatus(signal?: AbortSignal): Promise<PvesmStorage[]>;
  /** `pct status VMID`. */
  status(vmid: number, signal?: AbortSignal): Promise<'running' | 'stopped' | 'unknown'>;
  /**
   * Runs argv inside the container (`pct exec VMID -- argv…`). Resolves with the exit code for
   * any exit code the command itself returned; throws a coded UnrotError for a vanished container
   * (E_CT_NOT_FOUND), a stopped one (E_CT_NOT_RUNNING), timeout (E_EXEC_TIMEOUT) or abort
   * (E_EXEC_ABORTED). Exit 127/126 from lxc-attach are returned (callers map them).
   */
  exec(vmid: number, argv: readonly string[], options: HostExecOptions): Promise<HostExecResult>;
  /** The exact host argv `exec` would run, for plans and logs. */
  execArgv(vmid: number, argv: readonly string[]): string[];

  // Safety net (pct-reference §4–§7, §10). Each throws a coded error: E_SNAPSHOT_UNSUPPORTED,
  // E_CT_LOCKED, E_BACKUP_FAILED, E_ROLLBACK_FAILED, E_CT_NOT_FOUND.
  listSnapshots(vmid: number, signal?: AbortSignal): Promise<SnapshotTreeEntry[]>;
  snapshot(vmid: number, name: string, description: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  snapshotArgv(vmid: number, name: string, description: string): string[];
  /** The exact `vzdump` argv `vzdump()` runs (the API host: the command its call stands for), for plans. */
  vzdumpArgv(vmid: number, options: VzdumpOptions): string[];
  deleteSnapshot(vmid: number, name: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  rollback(vmid: number, name: string, start: boolean, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  setRunning(vmid: number, running: boolean, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  vzdump(vmid: number, options: VzdumpOptions, timeoutMs: number, signal?: AbortSignal): Promise<string>;
  restore(vmid: number, archive: string, storage: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void>;
}
