import { UnrotError } from '@unrot/sdk';
import type { PveApiClient } from './api-client.js';
import { TaskLogSchema, TaskStatusSchema, UPID_PATTERN } from './api-schemas.js';

const UPID = new RegExp(UPID_PATTERN);

export interface TaskEnd {
  upid: string;
  /** `OK`, `WARNINGS: n`, or the task's error text (the die message). */
  exitstatus: string;
  ok: boolean;
}

export interface FollowOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** First poll delay; doubles up to maxPollMs. Default 50 ms → 1 s (pvesh and the GUI poll every second). */
  pollMs?: number;
  maxPollMs?: number;
}

/** The node a UPID belongs to: its status and log are read there (`UPID:<node>:…`). */
export function upidNode(upid: string): string {
  if (!UPID.test(upid)) throw new UnrotError('E_API_RESPONSE', `not a Proxmox task id: ${JSON.stringify(upid.slice(0, 200))}`);
  return upid.split(':')[1] as string;
}

/** `exitstatus` of a finished task: `OK` and `WARNINGS: n` are success (PVE::Tools::upid_status_is_error). */
export function taskSucceeded(exitstatus: string): boolean {
  return exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new UnrotError('E_EXEC_ABORTED', 'aborted while following a Proxmox task'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new UnrotError('E_EXEC_ABORTED', 'aborted while following a Proxmox task'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls `/nodes/{node}/tasks/{upid}/status` until the task is `stopped`. Past `timeoutMs`
 * throws E_EXEC_TIMEOUT (details.upid): the task is NOT stopped, it keeps running in Proxmox
 * with whatever lock it holds, exactly as Proxmox leaves it; the caller reports the lock.
 * An abort (E_EXEC_ABORTED) likewise only stops the following.
 */
export async function followTask(client: PveApiClient, upid: string, options: FollowOptions): Promise<TaskEnd> {
  const node = upidNode(upid);
  const path = `/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}/status`;
  const deadline = performance.now() + options.timeoutMs;
  let delay = options.pollMs ?? 50;
  const maxDelay = options.maxPollMs ?? 1000;
  for (;;) {
    const status = await client.get(path, TaskStatusSchema, undefined, options.signal);
    if (status.status === 'stopped') {
      const exitstatus = status.exitstatus ?? 'unknown';
      return { upid, exitstatus, ok: taskSucceeded(exitstatus) };
    }
    const left = deadline - performance.now();
    if (left <= 0)
      throw new UnrotError('E_EXEC_TIMEOUT', `Proxmox task ${upid} still running after ${Math.round(options.timeoutMs / 1000)} s`, {
        upid,
        timeoutMs: options.timeoutMs,
      });
    await sleep(Math.min(delay, left), options.signal);
    delay = Math.min(delay * 2, maxDelay);
  }
}

/** The last `lines` lines of a task's log (`/tasks/{upid}/log` pages from `start`, `total` says how many there are). */
export async function taskLogTail(client: PveApiClient, upid: string, lines = 20, signal?: AbortSignal): Promise<string[]> {
  const path = `/nodes/${encodeURIComponent(upidNode(upid))}/tasks/${encodeURIComponent(upid)}/log`;
  const first = await client.getPaged(path, TaskLogSchema, { start: 0, limit: lines }, signal);
  const total = first.total ?? first.data.length;
  if (total <= lines) return first.data.map((l) => l.t);
  const tail = await client.getPaged(path, TaskLogSchema, { start: total - lines, limit: lines }, signal);
  return tail.data.map((l) => l.t);
}

/** The first `limit` lines of a task's log (vzdump names its archive near the start). */
export async function taskLogHead(client: PveApiClient, upid: string, limit = 1000, signal?: AbortSignal): Promise<string[]> {
  const path = `/nodes/${encodeURIComponent(upidNode(upid))}/tasks/${encodeURIComponent(upid)}/log`;
  return (await client.get(path, TaskLogSchema, { start: 0, limit }, signal)).map((l) => l.t);
}
