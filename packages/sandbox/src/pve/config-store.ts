/** Reading and writing the per-CT .conf files under R/etc/pve/nodes/<node>/lxc. */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type PveConfig, parsePveConfig, writePveConfig } from './pve-config.js';
import { PveError } from './pve-errors.js';
import type { SandboxPaths } from './sandbox-root.js';

export const VMID_MIN = 100;
export const VMID_MAX = 999_999_999;

export function configExists(paths: SandboxPaths, vmid: number): boolean {
  return existsSync(paths.confPath(vmid));
}

export function loadConfig(paths: SandboxPaths, vmid: number): PveConfig {
  let raw: string;
  try {
    raw = readFileSync(paths.confPath(vmid), 'utf8');
  } catch {
    throw new PveError(`Configuration file 'nodes/${paths.node}/lxc/${vmid}.conf' does not exist`);
  }
  return parsePveConfig(raw);
}

/** Written to a temp file and renamed, as pmxcfs makes each write atomic. */
export function writeConfig(paths: SandboxPaths, vmid: number, conf: PveConfig): void {
  mkdirSync(paths.confDir, { recursive: true });
  const target = paths.confPath(vmid);
  const tmp = `${target}.tmp.${process.pid}`;
  writeFileSync(tmp, writePveConfig(conf));
  renameSync(tmp, target);
}

/** VMIDs of all CTs on this node, numerically sorted. */
export function listVmids(paths: SandboxPaths): number[] {
  let names: string[];
  try {
    names = readdirSync(paths.confDir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^(\d+)\.conf$/.exec(n)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** Proxmox's `CT is locked (x)` check (AbstractConfig check_lock). */
export function checkLock(conf: PveConfig): void {
  const lock = conf.keys['lock'];
  if (lock) throw new PveError(`CT is locked (${lock})`);
}
