/** The pct subcommands behind the parser: pre-task checks, then the task, output on stdout. */

import { withConfigLock } from '../config-lock.js';
import { checkLock, configExists, loadConfig, writeConfig } from '../config-store.js';
import { destroyContainer } from '../create-container.js';
import { ctPid, ctState, shutdownCt, startCt, stopCt } from '../lxc.js';
import { makeContext } from '../ops/context.js';
import { formatSnapshotTree } from '../ops/formats.js';
import { isTemplate, snapshotCreate, snapshotDelete, snapshotList, snapshotRollback } from '../ops/snapshots.js';
import { formatStatusVerbose, vmStatus } from '../ops/vmstatus.js';
import { applyPending, formatConfigForCli, type PveConfig } from '../pve-config.js';
import { PveError } from '../pve-errors.js';
import type { SandboxPaths } from '../sandbox-root.js';
import { normalizeTags } from '../tags.js';

const print = (text: string) => {
  process.stdout.write(text);
};

export async function status(paths: SandboxPaths, vmid: number, verbose: boolean): Promise<number> {
  const conf = loadConfig(paths, vmid);
  const state = await ctState(paths, vmid);
  if (!verbose) {
    print(`status: ${state}\n`);
    return 0;
  }
  const pid = state === 'running' ? await ctPid(paths, vmid) : undefined;
  print(formatStatusVerbose(vmStatus(vmid, conf, state === 'running', pid)));
  return 0;
}

export async function config(paths: SandboxPaths, vmid: number, current: boolean, snapshot: string | undefined): Promise<number> {
  const conf = loadConfig(paths, vmid);
  if (snapshot !== undefined) {
    const snap = conf.snapshots[snapshot];
    if (!snap) throw new PveError(`snapshot '${snapshot}' does not exist`);
    print(formatConfigForCli(snap));
    return 0;
  }
  print(formatConfigForCli(current ? conf : applyPending(conf)));
  return 0;
}

/** pct exec loads the config (unknown CT error) and requires a running CT. */
export function checkExecTarget(paths: SandboxPaths, vmid: number): PveConfig {
  return loadConfig(paths, vmid);
}

async function requireState(paths: SandboxPaths, vmid: number, want: 'running' | 'stopped'): Promise<void> {
  loadConfig(paths, vmid);
  const state = await ctState(paths, vmid);
  if (want === 'stopped' && state === 'running') throw new PveError(`CT ${vmid} already running`);
  if (want === 'running' && state !== 'running') throw new PveError(`CT ${vmid} not running`);
}

export async function start(paths: SandboxPaths, vmid: number, skiplock: boolean): Promise<number> {
  await requireState(paths, vmid, 'stopped');
  const ctx = await makeContext(paths);
  const conf = loadConfig(paths, vmid);
  if (isTemplate(conf)) throw new PveError("you can't start a CT if it's a template");
  if (!skiplock && conf.keys['lock'] !== 'mounted') checkLock(conf);
  await startCt(paths, ctx.storages, vmid, conf);
  return 0;
}

export async function stop(paths: SandboxPaths, vmid: number, skiplock: boolean): Promise<number> {
  await requireState(paths, vmid, 'running');
  if (!skiplock) checkLock(loadConfig(paths, vmid));
  await stopCt(paths, vmid);
  return 0;
}

export async function shutdown(paths: SandboxPaths, vmid: number, timeout: number, forceStop: boolean): Promise<number> {
  await requireState(paths, vmid, 'running');
  checkLock(loadConfig(paths, vmid));
  if (await shutdownCt(paths, vmid, timeout)) return 0;
  if (!forceStop) throw new PveError('container did not stop');
  await stopCt(paths, vmid);
  return 0;
}

export async function snapshot(paths: SandboxPaths, vmid: number, name: string, description?: string): Promise<number> {
  await snapshotCreate(await makeContext(paths), vmid, name, description);
  return 0;
}

export async function listsnapshot(paths: SandboxPaths, vmid: number): Promise<number> {
  print(formatSnapshotTree(snapshotList(loadConfig(paths, vmid))));
  return 0;
}

export async function rollback(paths: SandboxPaths, vmid: number, name: string, startAfter: boolean): Promise<number> {
  await snapshotRollback(await makeContext(paths), vmid, name, startAfter);
  return 0;
}

export async function delsnapshot(paths: SandboxPaths, vmid: number, name: string, force: boolean): Promise<number> {
  await snapshotDelete(await makeContext(paths), vmid, name, force);
  return 0;
}

export async function unlock(paths: SandboxPaths, vmid: number): Promise<number> {
  await withConfigLock(paths, vmid, () => {
    const conf = loadConfig(paths, vmid);
    if (!conf.keys['lock']) throw new PveError('no lock found trying to remove any lock');
    delete conf.keys['lock'];
    writeConfig(paths, vmid, conf);
  });
  return 0;
}

export async function set(paths: SandboxPaths, vmid: number, opts: Record<string, string>): Promise<number> {
  await withConfigLock(paths, vmid, () => {
    const conf = loadConfig(paths, vmid);
    const deletes = (opts['delete'] ?? '').split(/[,;\s]+/).filter(Boolean);
    const changes = Object.keys(opts).filter((k) => k !== 'delete');
    // Only lock changes may pass an existing lock (a drill helper; see docs/sandbox.md).
    const lockOnly = changes.every((k) => k === 'lock') && deletes.every((k) => k === 'lock');
    if (!lockOnly) checkLock(conf);
    for (const key of deletes) {
      if (key === 'description') delete conf.description;
      else delete conf.keys[key];
    }
    for (const key of changes) {
      const value = opts[key]!;
      if (key === 'description') conf.description = value;
      else if (key === 'tags') conf.keys['tags'] = normalizeTags(value);
      else conf.keys[key] = value;
    }
    writeConfig(paths, vmid, conf);
  });
  return 0;
}

export async function destroy(paths: SandboxPaths, vmid: number, force: boolean): Promise<number> {
  const conf = loadConfig(paths, vmid);
  if (!force) checkLock(conf);
  if ((await ctState(paths, vmid)) === 'running') {
    if (!force) throw new PveError(`CT ${vmid} is running - destroy failed`);
  }
  await destroyContainer(paths, vmid);
  return 0;
}

export { configExists };
