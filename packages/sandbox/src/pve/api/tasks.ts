/**
 * Worker tasks as pveproxy runs them (RESTEnvironment fork_worker): the call returns the UPID at
 * once, the work goes on in the background, its output is the task log
 * (R/var/log/pve/tasks/<X>/<UPID>), and the log ends with `TASK OK`, `TASK WARNINGS: n` or
 * `TASK ERROR: <die text, newlines as spaces>`. The stand-in runs tasks in its own process, so
 * the UPID's pid is a per-server sequence number and pstart the server's own start time.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeUpid, encodeUpid, statusFromLog, type UpidInfo, upidLogSubdir } from './upid.js';

export interface TaskStatus extends UpidInfo {
  upid: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
}

interface Running {
  info: UpidInfo;
  done: Promise<void>;
}

/** Clock ticks since boot at which this process started (field 22 of /proc/self/stat). */
function processStartTicks(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) || 0;
  } catch {
    return 0;
  }
}

export class TaskManager {
  private readonly running = new Map<string, Running>();
  private seq = 0;
  private readonly pstart = processStartTicks();

  constructor(
    private readonly node: string,
    /** R/var/log/pve/tasks */
    private readonly logDir: string,
  ) {}

  private logPath(upid: string): string {
    return join(this.logDir, upidLogSubdir(upid) ?? '0', upid);
  }

  /**
   * Starts `work` as task `type` on `id` for `user`; `log` appends a line to the task log.
   * Lines starting with `WARN: ` count as warnings, as log_warn does.
   */
  start(type: string, id: string, user: string, work: (log: (line: string) => void) => Promise<void>): string {
    this.seq += 1;
    const info: UpidInfo = {
      node: this.node,
      pid: (process.pid * 1000 + this.seq) % 0xffffffff,
      pstart: this.pstart,
      starttime: Math.floor(Date.now() / 1000),
      type,
      id,
      user,
    };
    const upid = encodeUpid(info);
    const path = this.logPath(upid);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '');
    let warnings = 0;
    const log = (text: string) => {
      for (const line of text.replace(/\n$/, '').split('\n')) {
        if (line.startsWith('WARN: ')) warnings += 1;
        appendFileSync(path, `${line}\n`);
      }
    };
    const done = (async () => {
      // Let the HTTP answer with the UPID go out before the work starts, as a forked worker does.
      await new Promise((r) => setImmediate(r));
      try {
        await work(log);
        appendFileSync(path, warnings > 0 ? `TASK WARNINGS: ${warnings}\n` : 'TASK OK\n');
      } catch (err) {
        const msg = (err instanceof Error ? err.message : String(err)).replace(/\n+$/, '').replace(/\n/g, ' ');
        appendFileSync(path, `TASK ERROR: ${msg}\n`);
      } finally {
        this.running.delete(upid);
      }
    })();
    this.running.set(upid, { info, done });
    return upid;
  }

  /** Resolves when the task has ended (tests and shutdown). */
  async wait(upid: string): Promise<void> {
    await this.running.get(upid)?.done;
  }

  async waitAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** undefined when the UPID does not parse or no such task log exists. */
  status(upid: string): TaskStatus | undefined {
    const info = decodeUpid(upid);
    // Each node keeps its own task logs (/var/log/pve/tasks is not in pmxcfs).
    if (!info || info.node !== this.node) return undefined;
    if (this.running.has(upid)) return { ...info, upid, status: 'running' };
    let text: string;
    try {
      text = readFileSync(this.logPath(upid), 'utf8');
    } catch {
      return undefined;
    }
    return { ...info, upid, status: 'stopped', exitstatus: statusFromLog(text) };
  }

  /** dump_logfile: lines `start`..`start+limit` as {n, t}, and the total; "no content" for an empty log. */
  log(upid: string, start: number, limit: number): { lines: Array<{ n: number; t: string }>; total: number } | undefined {
    if (decodeUpid(upid)?.node !== this.node) return undefined;
    let text: string;
    try {
      text = readFileSync(this.logPath(upid), 'utf8');
    } catch {
      return undefined;
    }
    const all = text.split('\n');
    if (all[all.length - 1] === '') all.pop();
    if (all.length === 0) return { lines: [{ n: 1, t: 'no content' }], total: 1 };
    const lines = all.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
    return { lines, total: all.length };
  }
}
