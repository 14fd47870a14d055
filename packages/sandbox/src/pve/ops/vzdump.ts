/**
 * vzdump for sandbox CTs, following PVE::VZDump + PVE::VZDump::LXC: the `backup` lock for the
 * whole job, a temporary snapshot named `vzdump` in snapshot mode, the suspend-mode fallback
 * with two rsync passes around a freeze, a tar archive written as .dat and renamed, INFO/ERROR
 * lines on stdout.
 */
import { chownSync, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigLock } from '../config-lock.js';
import { checkLock, loadConfig, writeConfig } from '../config-store.js';
import { ctName, ctPid, ctState, freezeCt, lxcName, startCt, stopCt, UNPRIV_ID_BASE, unfreezeCt } from '../lxc.js';
import { run, runChecked } from '../proc.js';
import { writePveConfig } from '../pve-config.js';
import { PveError } from '../pve-errors.js';
import { snapshotPath, volumeHasSnapshotFeature } from '../storage-cfg.js';
import {
  archiveSuffix,
  archiveTimestamp,
  COMMON_TAR_FLAGS,
  type Compress,
  compressorArgv,
  formatDuration,
  formatSize,
  usernsCommand,
  VZDUMP_EXCLUDES,
} from './archive.js';
import { type PveContext, sectionResolvedVolumes } from './context.js';
import { localTimestamp } from './formats.js';
import { pipeline } from './pipeline.js';
import { removeLock, snapshotCreate, snapshotDelete } from './snapshots.js';

export type BackupMode = 'snapshot' | 'suspend' | 'stop';

export interface VzdumpOptions {
  storage: string;
  mode: BackupMode;
  compress: Compress;
  notesTemplate?: string;
  zstdThreads: number;
  /** Minutes to wait for a clean shutdown in stop mode (vzdump --stopwait, default 10). */
  stopwaitMin: number;
  /** The job line after `vzdump ` (options in the order given). */
  cmdline: string;
}

class Logger {
  lines: string[] = [];
  constructor(private readonly out: (l: string) => void) {}
  log(level: 'INFO' | 'ERROR' | 'WARN', msg: string): void {
    for (const l of msg.replace(/\n$/, '').split('\n')) {
      this.out(`${level}: ${l}`);
      this.lines.push(`${localTimestamp(Math.floor(Date.now() / 1000))} ${level}: ${l}`);
    }
  }
  info(msg: string): void {
    this.log('INFO', msg);
  }
}

/** Runs the job; returns false when any guest failed (the CLI then prints `job errors`, exit 255). */
export async function vzdumpJob(ctx: PveContext, vmids: number[], opts: VzdumpOptions): Promise<boolean> {
  const jobLog = new Logger(ctx.out);
  jobLog.info(`starting new backup job: vzdump ${opts.cmdline}`);
  let ok = true;
  for (const vmid of vmids) {
    const log = new Logger(ctx.out);
    if (!(await backupOne(ctx, vmid, opts, log))) ok = false;
  }
  jobLog.info(ok ? 'Backup job finished successfully' : 'Backup job finished with errors');
  return ok;
}

interface Task {
  vmid: number;
  mode: BackupMode;
  snapdir?: string;
  tmpdir: string;
  removeSnapshot: boolean;
  restart: boolean;
  resume: boolean;
  stopTime?: number;
}

async function lockBackup(ctx: PveContext, vmid: number): Promise<void> {
  await withConfigLock(ctx.paths, vmid, () => {
    const conf = loadConfig(ctx.paths, vmid);
    checkLock(conf);
    conf.keys['lock'] = 'backup';
    writeConfig(ctx.paths, vmid, conf);
  });
}

function prepare(ctx: PveContext, vmid: number, mode: BackupMode, log: Logger): void {
  const conf = loadConfig(ctx.paths, vmid);
  if (conf.keys['hostname'] !== undefined) log.info(`CT Name: ${conf.keys['hostname']}`);
  for (const { key, volid } of sectionResolvedVolumes(ctx, conf)) {
    const mp = key === 'rootfs' ? '/' : (/(?:^|,)mp=([^,]+)/.exec(conf.keys[key]!)?.[1] ?? '');
    if (key !== 'rootfs') {
      const isVolume = !volid.startsWith('/');
      const backup = /(?:^|,)backup=1(?:,|$)/.test(conf.keys[key]!);
      if (!isVolume || !backup) {
        log.info(
          `excluding ${isVolume ? 'volume' : 'bind'} mount point ${key} ('${mp}') from backup (${isVolume ? 'disabled' : 'not a volume'})`,
        );
        continue;
      }
    }
    log.info(`including mount point ${key} ('${mp}') in backup`);
  }
  if (mode === 'snapshot') {
    const volumes = sectionResolvedVolumes(ctx, conf).filter(({ key }) => key === 'rootfs');
    if (!volumes.every(({ volid }) => volumeHasSnapshotFeature(ctx.storages, volid))) {
      throw new PveError('mode failure - some volumes do not support snapshots');
    }
  }
}

function rootfsPath(ctx: PveContext, vmid: number): { path: string; unprivileged: boolean } {
  const conf = loadConfig(ctx.paths, vmid);
  const root = sectionResolvedVolumes(ctx, conf).find((v) => v.key === 'rootfs');
  if (!root) throw new PveError(`CT ${vmid} has no rootfs`);
  return { path: root.vol.path, unprivileged: conf.keys['unprivileged'] === '1' };
}

/** rsync -h style size ("558.25M") from rsync --stats output. */
function transferred(stats: string): string {
  return /Total transferred file size: (\S+) bytes/.exec(stats)?.[1] ?? '0';
}

async function rsyncPhase(task: Task, src: string, first: boolean, log: Logger): Promise<void> {
  const text = first ? 'first' : 'final';
  log.info(`starting ${text} sync ${src}/ to ${task.tmpdir}`);
  const started = Date.now();
  const excludes = VZDUMP_EXCLUDES.map((e) => `--exclude=${e}`);
  const argv = [
    'rsync',
    '--stats',
    '-h',
    '-X',
    '-A',
    '--numeric-ids',
    '-aH',
    '--delete',
    '--no-whole-file',
    first ? '--sparse' : '--inplace',
    '--one-file-system',
    '--relative',
    ...excludes,
    `${src}/./`,
    task.tmpdir,
  ];
  const res = await run(argv);
  // 24: files vanished during the transfer, normal for a running CT.
  if (res.code !== 0 && res.code !== 24) throw new PveError(`command '${argv.join(' ')}' failed: exit code ${res.code}`);
  log.info(`${text} sync finished - transferred ${transferred(res.stdout)} bytes in ${Math.floor((Date.now() - started) / 1000)}s`);
}

function onlineAgain(task: Task, log: Logger): void {
  const delay = Math.floor((Date.now() - (task.stopTime ?? Date.now())) / 1000);
  log.info(`guest is online again after ${delay < 1 ? '<1' : delay} seconds`);
}

function expandNotes(template: string, ctx: PveContext, vmid: number, name: string): string {
  return template
    .replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'))
    .replace(/\{\{(cluster|guestname|node|vmid)\}\}/g, (_m, v: string) =>
      v === 'guestname' ? name : v === 'node' ? ctx.paths.node : v === 'vmid' ? String(vmid) : '',
    );
}

async function backupOne(ctx: PveContext, vmid: number, opts: VzdumpOptions, log: Logger): Promise<boolean> {
  const started = new Date();
  const task: Task = {
    vmid,
    mode: opts.mode,
    tmpdir: join(ctx.paths.root, 'tmp', `vzdumptmp${process.pid}_${vmid}`),
    removeSnapshot: false,
    restart: false,
    resume: false,
  };
  const dumpDir = join(ctx.storages.get(opts.storage)?.path ?? '', 'dump');
  const base = `vzdump-lxc-${vmid}-${archiveTimestamp(started)}`;
  const archive = join(dumpDir, base + archiveSuffix(opts.compress));
  const dat = `${archive}.dat`;
  let locked = false;
  log.info(`Starting Backup of VM ${vmid} (lxc)`);
  log.info(`Backup started at ${localTimestamp(Math.floor(started.getTime() / 1000))}`);
  try {
    const storage = ctx.storages.get(opts.storage);
    if (!storage) throw new PveError(`storage '${opts.storage}' does not exist`);
    if (!storage.content.includes('backup')) throw new PveError(`storage '${opts.storage}' does not support backups`);
    loadConfig(ctx.paths, vmid);
    await lockBackup(ctx, vmid);
    locked = true;
    const running = (await ctState(ctx.paths, vmid)) === 'running';
    log.info(`status = ${running ? 'running' : 'stopped'}`);
    if (!running) task.mode = 'stop';
    if (task.mode === 'snapshot') {
      try {
        prepare(ctx, vmid, 'snapshot', log);
      } catch (err) {
        if (!(err instanceof PveError) || !err.message.startsWith('mode failure')) throw err;
        log.info(err.message);
        log.info("trying 'suspend' mode instead");
        task.mode = 'suspend';
      }
    }
    log.info(`backup mode: ${task.mode}`);
    log.info('ionice priority: 7');
    const { path: rootfs, unprivileged } = rootfsPath(ctx, vmid);
    if (task.mode === 'stop') {
      prepare(ctx, vmid, 'stop', log);
      if (running) {
        log.info('stopping virtual guest');
        task.stopTime = Date.now();
        // VZDump::LXC stop_vm: a clean shutdown with stopwait minutes (LXC kills after the timeout).
        if (opts.stopwaitMin > 0) await shutdownOrKill(ctx, vmid, opts.stopwaitMin * 60);
        else await stopCt(ctx.paths, vmid);
        task.restart = true;
      }
      task.snapdir = rootfs;
    } else if (task.mode === 'suspend') {
      prepare(ctx, vmid, 'suspend', log);
      const pid = await ctPid(ctx.paths, vmid);
      if (!pid) throw new PveError(`unable to get PID for CT ${vmid} (not running?)`);
      mkdirSync(task.tmpdir, { recursive: true, mode: 0o755 });
      await rsyncPhase(task, `/proc/${pid}/root`, true, log);
      log.info('suspending guest');
      task.stopTime = Date.now();
      await freezeCt(ctx.paths, vmid);
      task.resume = true;
      await rsyncPhase(task, `/proc/${pid}/root`, false, log);
      log.info('resuming guest');
      task.resume = false;
      await unfreezeCt(ctx.paths, vmid);
      onlineAgain(task, log);
      task.snapdir = task.tmpdir;
    } else {
      log.info("create storage snapshot 'vzdump'");
      await removeLock(ctx, vmid, 'backup');
      locked = false;
      await snapshotCreate(ctx, vmid, 'vzdump', 'vzdump backup snapshot');
      task.removeSnapshot = true;
      await lockBackup(ctx, vmid);
      locked = true;
      task.snapdir = snapshotPath(rootfs, 'vzdump');
    }
    // pct.conf of the backup: no lock, snapshots, parent or pending (VZDump::LXC assemble).
    const conf = loadConfig(ctx.paths, vmid);
    delete conf.keys['lock'];
    delete conf.keys['parent'];
    conf.snapshots = {};
    conf.pending = { keys: {}, lxc: [] };
    const meta = join(ctx.paths.root, 'tmp', `vzdumpmeta${process.pid}_${vmid}`);
    mkdirSync(join(meta, 'etc/vzdump'), { recursive: true, mode: 0o755 });
    writeFileSync(join(meta, 'etc/vzdump/pct.conf'), writePveConfig(conf));
    writeFileSync(join(meta, 'etc/vzdump/pct.fw'), '');
    // Inside the user namespace the metadata should belong to the CT's root, not to nobody.
    if (unprivileged)
      for (const f of ['etc/vzdump/pct.conf', 'etc/vzdump/pct.fw']) chownSync(join(meta, f), UNPRIV_ID_BASE, UNPRIV_ID_BASE);
    try {
      mkdirSync(dumpDir, { recursive: true });
      log.info(`creating vzdump archive '${archive}'`);
      const tar = [
        ...usernsCommand(unprivileged),
        'tar',
        'cpf',
        '-',
        '--totals',
        ...COMMON_TAR_FLAGS,
        '--one-file-system',
        '--warning=no-file-ignored',
        `--directory=${meta}`,
        './etc/vzdump/pct.conf',
        './etc/vzdump/pct.fw',
        `--directory=${task.snapdir}`,
        ...(unprivileged ? ['--no-anchored', '--exclude=lost+found'] : []),
        '--anchored',
        ...VZDUMP_EXCLUDES.map((e) => `--exclude=.${e}`),
        '.',
      ];
      const comp = compressorArgv(opts.compress, opts.zstdThreads);
      const res = await pipeline(comp ? [tar, comp] : [tar], dat);
      for (const line of res.stderr[0]!.split('\n').filter(Boolean)) log.info(line);
      const tarCode = res.codes[0]!;
      // tar exits 1 when files changed while being read (a live suspend/stop copy); that is not fatal.
      if (tarCode > 1) throw new PveError(`command '${tar.join(' ')}${comp ? ` | ${comp.join(' ')}` : ''}' failed: exit code ${tarCode}`);
      if (comp && res.codes[1] !== 0)
        throw new PveError(`command '${comp.join(' ')}' failed: exit code ${res.codes[1]}\n${res.stderr[1] ?? ''}`);
      renameSync(dat, archive);
    } finally {
      rmSync(meta, { recursive: true, force: true });
    }
    log.info(`archive file size: ${formatSize(statSync(archive).size)}`);
    if (opts.notesTemplate !== undefined) {
      log.info('adding notes to backup');
      writeFileSync(`${archive}.notes`, expandNotes(opts.notesTemplate, ctx, vmid, ctName(loadConfig(ctx.paths, vmid), vmid)));
    }
    await cleanup(ctx, task, log, locked);
    locked = false;
    const secs = Math.floor((Date.now() - started.getTime()) / 1000);
    log.info(`Finished Backup of VM ${vmid} (${formatDuration(secs)})`);
    log.info(`Backup finished at ${localTimestamp(Math.floor(Date.now() / 1000))}`);
    writeFileSync(join(dumpDir, `${base}.log`), `${log.lines.join('\n')}\n`);
    return true;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    log.log('ERROR', `Backup of VM ${vmid} failed - ${msg}`);
    rmSync(dat, { force: true });
    await cleanup(ctx, task, log, locked).catch((e: unknown) => log.log('ERROR', e instanceof Error ? e.message : String(e)));
    log.info(`Failed at ${localTimestamp(Math.floor(Date.now() / 1000))}`);
    return false;
  }
}

async function cleanup(ctx: PveContext, task: Task, log: Logger, locked: boolean): Promise<void> {
  if (task.resume) {
    log.info('resuming guest');
    await unfreezeCt(ctx.paths, task.vmid);
    task.resume = false;
  }
  // The backup lock goes first: deleting the snapshot takes a `snapshot-delete` lock.
  if (locked) await removeLock(ctx, task.vmid, 'backup');
  if (task.removeSnapshot) {
    log.info("cleanup temporary 'vzdump' snapshot");
    await snapshotDelete(ctx, task.vmid, 'vzdump', false);
    task.removeSnapshot = false;
  }
  if (existsSync(task.tmpdir)) rmSync(task.tmpdir, { recursive: true, force: true });
  if (task.restart) {
    log.info('restarting vm');
    await startCt(ctx.paths, ctx.storages, task.vmid, loadConfig(ctx.paths, task.vmid));
    task.restart = false;
    onlineAgain(task, log);
  }
}

/** `lxc-stop -t N`: asks init to shut down, kills after N seconds. */
async function shutdownOrKill(ctx: PveContext, vmid: number, timeoutSec: number): Promise<void> {
  await runChecked(['lxc-stop', '-P', ctx.paths.lxcPath, '-n', lxcName(vmid), '-t', String(timeoutSec)]);
}
