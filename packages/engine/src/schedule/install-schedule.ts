import { createHash } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { writeFileAtomic } from '../report/write-atomic.js';
import { CRON_FILE_NAME, renderCronFile } from './cron-file.js';
import { cronFileProblems } from './cron-validate.js';
import { runArgv } from './exec-command.js';
import type { MaintenanceSchedule } from './schedule.js';
import { renderService, renderTimer, SERVICE_NAME, TIMER_NAME } from './systemd-units.js';
import { hostTimeZone } from './zoned-time.js';

export type ScheduleKind = 'systemd' | 'cron';

/** Everything install wrote, so remove deletes exactly that and nothing an admin added. */
export interface InstallManifest {
  version: 1;
  kind: ScheduleKind;
  installedAt: string;
  configDir: string;
  /** absolute paths as on the host (without --root) */
  files: Array<{ path: string; sha256: string }>;
  /** whether systemctl enabled the timer (never under --root) */
  enabled: boolean;
}

export const MANIFEST_PATH = '/var/lib/unrot/schedule-install.json';
export const UNIT_DIR = '/etc/systemd/system';
export const CRON_DIR = '/etc/cron.d';

/** Runs `systemctl ARGS`; injected so that only a real install (no --root) touches systemd. */
export type Systemctl = (args: string[]) => Promise<void>;

export const realSystemctl: Systemctl = async (args) => {
  const { execa } = await import('execa');
  const r = await execa('systemctl', args, { reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0)
    throw Object.assign(new UnrotError('E_EXEC_FAILED', `systemctl ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim()}`), {
      hostError: true,
    });
};

export interface ScheduleTarget {
  /** write below this directory instead of / (and, by default, never call systemctl) */
  root?: string;
  /** reload/enable/disable through systemctl; default: only without `root` */
  manageSystemd?: boolean;
  systemctl?: Systemctl;
}

const managesSystemd = (t: ScheduleTarget) => t.manageSystemd ?? !t.root;

const onDisk = (target: ScheduleTarget, path: string) => (target.root ? join(target.root, path) : path);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

export async function readManifest(target: ScheduleTarget): Promise<InstallManifest | null> {
  const text = await readText(onDisk(target, MANIFEST_PATH));
  if (text === undefined) return null;
  try {
    const m = JSON.parse(text) as InstallManifest;
    if (m.version !== 1 || !Array.isArray(m.files)) throw new Error('unknown manifest version');
    return m;
  } catch (err) {
    throw new UnrotError('E_CONFIG', `${onDisk(target, MANIFEST_PATH)} is not an unrot install manifest: ${(err as Error).message}`);
  }
}

export type FileState = 'installed' | 'modified' | 'missing';

export async function fileStates(target: ScheduleTarget, manifest: InstallManifest): Promise<Array<{ path: string; state: FileState }>> {
  return Promise.all(
    manifest.files.map(async (f) => {
      const text = await readText(onDisk(target, f.path));
      return { path: f.path, state: text === undefined ? 'missing' : sha256(text) === f.sha256 ? 'installed' : 'modified' };
    }),
  );
}

export interface InstallOptions extends ScheduleTarget {
  kind: ScheduleKind;
  schedule: MaintenanceSchedule;
  configDir: string;
  /** absolute program argv for `unrot`, e.g. [node, /…/bin/run.js] */
  program: readonly string[];
  /** where the settings came from, written into the file headers */
  source: string;
  /** overwrite files at our paths that a previous install did not write */
  force?: boolean;
  now?: Date;
  /** the zone cron runs in (default: this process's) */
  hostTimeZone?: string;
  /** systemd TimeoutStopSec (LoadedSchedule.stopTimeoutS); default from the default step timeouts */
  stopTimeoutS?: number;
}

export interface InstallResult {
  manifest: InstallManifest;
  /** systemctl invocations made (empty under --root) */
  systemctl: string[][];
  /** files a previous install wrote and this one removed (switching systemd ↔ cron) */
  removed: string[];
}

/** Renders the files for a kind: path → content. */
export function renderSchedule(
  opts: Pick<InstallOptions, 'kind' | 'schedule' | 'configDir' | 'program' | 'source' | 'hostTimeZone' | 'stopTimeoutS'>,
): Map<string, string> {
  const command = runArgv(opts.program, opts.configDir);
  if (opts.kind === 'systemd') {
    return new Map([
      [
        `${UNIT_DIR}/${SERVICE_NAME}`,
        renderService({ execStart: command, source: opts.source, ...(opts.stopTimeoutS ? { stopTimeoutS: opts.stopTimeoutS } : {}) }),
      ],
      [`${UNIT_DIR}/${TIMER_NAME}`, renderTimer(opts.schedule, { source: opts.source })],
    ]);
  }
  const host = canonicalZone(opts.hostTimeZone ?? hostTimeZone());
  if (canonicalZone(opts.schedule.timeZone) !== host)
    throw new UnrotError(
      'E_USAGE',
      `cron runs in the host time zone (${host}) but the windows are in ${opts.schedule.timeZone}; use the systemd timer, or set maintenance.time_zone to ${host}`,
    );
  const text = renderCronFile(opts.schedule, { command, source: opts.source });
  const problems = cronFileProblems(text);
  if (problems.length > 0) throw new UnrotError('E_INTERNAL', `generated cron file is invalid: ${problems.join('; ')}`);
  return new Map([[`${CRON_DIR}/${CRON_FILE_NAME}`, text]]);
}

function canonicalZone(zone: string): string {
  const z = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  return z === 'Etc/UTC' || z === 'Etc/GMT' || z === 'GMT' ? 'UTC' : z;
}

/**
 * Writes the timer+service (or the cron file) atomically, records them in the manifest and,
 * on a real host only, reloads systemd and enables the timer. Files at our paths that no
 * earlier install wrote are left alone unless `force`.
 */
export async function installSchedule(opts: InstallOptions): Promise<InstallResult> {
  const files = renderSchedule(opts);
  const previous = await readManifest(opts);
  const owned = new Map((previous?.files ?? []).map((f) => [f.path, f.sha256]));
  for (const path of files.keys()) {
    const existing = await readText(onDisk(opts, path));
    if (existing === undefined || opts.force) continue;
    const ours = owned.get(path) === sha256(existing);
    if (!ours)
      throw new UnrotError(
        'E_USAGE',
        `${onDisk(opts, path)} exists and was not written by unrot schedule install (or was edited since); move it away or use --force`,
      );
  }
  if (previous && previous.kind !== opts.kind && !opts.force) {
    // switching kinds removes the old files; an edited one would be orphaned (and still active)
    const edited = (await fileStates(opts, previous)).filter((f) => f.state === 'modified').map((f) => onDisk(opts, f.path));
    if (edited.length > 0)
      throw new UnrotError(
        'E_USAGE',
        `${edited.join(', ')} ${edited.length === 1 ? 'was' : 'were'} edited since install; remove by hand or use --force`,
      );
  }
  const calls: string[][] = [];
  const systemctl = async (args: string[]) => {
    calls.push(args);
    await (opts.systemctl ?? realSystemctl)(args);
  };
  const removed: string[] = [];
  if (previous && previous.kind !== opts.kind) {
    const r = await removeSchedule({ ...opts, systemctl: opts.systemctl ?? realSystemctl });
    removed.push(...r.removed);
    calls.push(...r.systemctl);
  }
  for (const [path, text] of files) await writeFileAtomic(onDisk(opts, path), text, 0o644);
  const real = managesSystemd(opts);
  if (real && opts.kind === 'systemd') {
    await systemctl(['daemon-reload']);
    await systemctl(['enable', '--now', TIMER_NAME]);
  }
  const manifest: InstallManifest = {
    version: 1,
    kind: opts.kind,
    installedAt: (opts.now ?? new Date()).toISOString(),
    configDir: opts.configDir,
    files: [...files].map(([path, text]) => ({ path, sha256: sha256(text) })),
    enabled: real && opts.kind === 'systemd',
  };
  await writeFileAtomic(onDisk(opts, MANIFEST_PATH), `${JSON.stringify(manifest, null, 2)}\n`, 0o644);
  return { manifest, systemctl: calls, removed };
}

export interface RemoveResult {
  kind: ScheduleKind | null;
  removed: string[];
  /** edited since install: left in place unless force */
  kept: string[];
  missing: string[];
  systemctl: string[][];
}

/** Undoes exactly what the manifest records: disables the timer it enabled, deletes the files it wrote. */
export async function removeSchedule(opts: ScheduleTarget & { force?: boolean }): Promise<RemoveResult> {
  const manifest = await readManifest(opts);
  const result: RemoveResult = { kind: manifest?.kind ?? null, removed: [], kept: [], missing: [], systemctl: [] };
  if (!manifest) return result;
  const systemctl = async (args: string[]) => {
    result.systemctl.push(args);
    await (opts.systemctl ?? realSystemctl)(args);
  };
  if (manifest.enabled && managesSystemd(opts)) await systemctl(['disable', '--now', TIMER_NAME]);
  for (const { path, state } of await fileStates(opts, manifest)) {
    if (state === 'missing') result.missing.push(path);
    else if (state === 'modified' && !opts.force) result.kept.push(path);
    else {
      await unlink(onDisk(opts, path));
      result.removed.push(path);
    }
  }
  if (manifest.kind === 'systemd' && managesSystemd(opts)) await systemctl(['daemon-reload']);
  if (result.kept.length === 0) await unlink(onDisk(opts, MANIFEST_PATH));
  return result;
}

/** The timer's next elapse as systemd reports it (randomized delay included), or null when unknown. */
export async function timerNextElapse(): Promise<string | null> {
  const { execa } = await import('execa');
  const r = await execa('systemctl', ['show', '--property=NextElapseUSecRealtime', '--value', TIMER_NAME], {
    reject: false,
    stdin: 'ignore',
  });
  const value = r.exitCode === 0 ? String(r.stdout).trim() : '';
  return value === '' || value === 'n/a' ? null : value;
}
