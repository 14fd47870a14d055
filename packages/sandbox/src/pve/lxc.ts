/**
 * The LXC side of the sandbox: generates R/lxc/<vmid>/config from the pve conf (as Proxmox's
 * prestart does) and drives lxc-start/stop/info/freeze with -P R/lxc.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runChecked } from './proc.js';
import type { PveSection } from './pve-config.js';
import { PveError } from './pve-errors.js';
import type { SandboxPaths } from './sandbox-root.js';
import { resolveVolume, type StorageEntry } from './storage-cfg.js';

export const CT_PATH_ENV = '/sbin:/bin:/usr/sbin:/usr/bin';
export const UNPRIV_ID_BASE = 100_000;

export function lxcName(vmid: number): string {
  return String(vmid);
}

export function ctName(sec: PveSection, vmid: number): string {
  return (sec.keys['hostname'] ?? `CT${vmid}`).replace(/\s+/g, '');
}

/** LXC config text for a CT. Raw lxc.* keys from the pve conf come last, so they win. */
export function generateLxcConfig(paths: SandboxPaths, storages: Map<string, StorageEntry>, vmid: number, sec: PveSection): string {
  const rootfs = sec.keys['rootfs'];
  if (!rootfs) throw new PveError(`CT ${vmid} has no rootfs`);
  const vol = resolveVolume(storages, rootfs.split(',')[0]!);
  const unpriv = sec.keys['unprivileged'] === '1';
  const lines = [
    'lxc.include = /usr/share/lxc/config/common.conf',
    ...(unpriv ? ['lxc.include = /usr/share/lxc/config/userns.conf'] : []),
    `lxc.arch = ${sec.keys['arch'] ?? 'amd64'}`,
    `lxc.uts.name = ${ctName(sec, vmid)}`,
    `lxc.rootfs.path = dir:${vol.path}`,
    `lxc.log.file = ${join(paths.lxcPath, lxcName(vmid), 'console.log')}`,
    'lxc.log.level = WARN',
  ];
  if (unpriv) lines.push(`lxc.idmap = u 0 ${UNPRIV_ID_BASE} 65536`, `lxc.idmap = g 0 ${UNPRIV_ID_BASE} 65536`);
  // Without a netX bridge the CT gets its own empty network namespace (loopback only),
  // unless the conf asks otherwise through raw lxc.net.* keys.
  if (!sec.lxc.some(([k]) => k.startsWith('lxc.net.'))) lines.push('lxc.net.0.type = empty');
  const memory = Number(sec.keys['memory'] ?? 512);
  if (Number.isFinite(memory) && memory > 0) {
    // The key depends on the host's layout: cgroup v2 only (Debian 12 default) or v1/hybrid.
    lines.push(
      isUnifiedCgroup() ? `lxc.cgroup2.memory.max = ${memory * 1024 * 1024}` : `lxc.cgroup.memory.limit_in_bytes = ${memory * 1024 * 1024}`,
    );
  }
  lines.push(...featureLines(sec));
  for (const [k, v] of sec.lxc) lines.push(`${k} = ${v}`);
  for (const mp of Object.keys(sec.keys).filter((k) => /^mp\d+$/.test(k))) {
    const spec = sec.keys[mp]!;
    const parts = spec.split(',');
    const mpPath = parts.find((p) => p.startsWith('mp='))?.slice(3);
    if (!mpPath) continue;
    const src = resolveVolume(storages, parts[0]!).path;
    lines.push(`lxc.mount.entry = ${src} ${mpPath.replace(/^\//, '')} none rbind,create=dir 0 0`);
  }
  return `${lines.join('\n')}\n`;
}

/** `features: nesting=1,keyctl=1` → { nesting: '1', keyctl: '1' } (pct's own comma list of key=value). */
export function parseFeatures(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (raw ?? '').split(',')) {
    const [k, v] = part.split('=');
    if (k?.trim()) out[k.trim()] = (v ?? '').trim();
  }
  return out;
}

/**
 * The LXC keys Proxmox's update_lxc_config writes for `features: nesting=1` (make_apparmor_config):
 * the generated AppArmor profile with allow_nesting. As there, a raw `lxc.apparmor.profile` in
 * the conf replaces the profile lines altogether. keyctl (unprivileged CTs: Proxmox's seccomp
 * rule answering keyctl with ENOSYS unless `keyctl=1`) is not modelled: the sandbox installs no
 * seccomp profile, so keyctl works anyway.
 */
export function featureLines(sec: PveSection): string[] {
  const features = parseFeatures(sec.keys['features']);
  if (features['nesting'] !== '1') return [];
  if (sec.lxc.some(([k]) => k === 'lxc.apparmor.profile')) return [];
  return ['lxc.apparmor.profile = generated', 'lxc.apparmor.allow_nesting = 1'];
}

/** True on a pure cgroup v2 host (/sys/fs/cgroup is cgroup2, not a tmpfs of v1 hierarchies). */
export function isUnifiedCgroup(): boolean {
  return existsSync('/sys/fs/cgroup/cgroup.controllers');
}

export async function ctState(paths: SandboxPaths, vmid: number): Promise<'running' | 'stopped'> {
  if (!existsSync(join(paths.lxcPath, lxcName(vmid), 'config'))) return 'stopped';
  const res = await run(['lxc-info', '-P', paths.lxcPath, '-n', lxcName(vmid), '-s', '-H']);
  const state = res.stdout.trim();
  return state === 'RUNNING' || state === 'FROZEN' ? 'running' : 'stopped';
}

/** All running (or frozen) CTs in one lxc-ls call (pct list, pvesh). */
export async function runningSet(paths: SandboxPaths): Promise<Set<number>> {
  if (!existsSync(paths.lxcPath)) return new Set();
  const res = await run(['lxc-ls', '-P', paths.lxcPath, '--active', '-1']);
  return new Set(
    res.stdout
      .split(/\s+/)
      .filter((n) => /^\d+$/.test(n))
      .map(Number),
  );
}

export async function ctPid(paths: SandboxPaths, vmid: number): Promise<number | undefined> {
  const res = await run(['lxc-info', '-P', paths.lxcPath, '-n', lxcName(vmid), '-p', '-H']);
  const pid = Number(res.stdout.trim());
  return res.code === 0 && pid > 0 ? pid : undefined;
}

export async function startCt(paths: SandboxPaths, storages: Map<string, StorageEntry>, vmid: number, sec: PveSection): Promise<void> {
  const dir = join(paths.lxcPath, lxcName(vmid));
  mkdirSync(dir, { recursive: true });
  // An unprivileged CT's root must be able to traverse to its rootfs.
  chmodSync(paths.lxcPath, 0o755);
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'config'), generateLxcConfig(paths, storages, vmid, sec));
  const res = await run(['lxc-start', '-P', paths.lxcPath, '-n', lxcName(vmid)]);
  if (res.code !== 0) {
    const log = res.stderr.trim();
    throw new PveError(`${log ? `${log}\n` : ''}startup for container '${vmid}' failed`);
  }
  const state = await run(['lxc-wait', '-P', paths.lxcPath, '-n', lxcName(vmid), '-s', 'RUNNING', '-t', '10']);
  if (state.code !== 0) throw new PveError(`startup for container '${vmid}' failed`);
}

export async function stopCt(paths: SandboxPaths, vmid: number): Promise<void> {
  await runChecked(['lxc-stop', '-P', paths.lxcPath, '-n', lxcName(vmid), '--kill']);
}

/** Clean shutdown; resolves false when the CT did not stop within the timeout. */
export async function shutdownCt(paths: SandboxPaths, vmid: number, timeoutSec: number): Promise<boolean> {
  const res = await run(['lxc-stop', '-P', paths.lxcPath, '-n', lxcName(vmid), '-t', String(timeoutSec), '--nokill']);
  if (res.code === 0) return true;
  return (await ctState(paths, vmid)) === 'stopped';
}

export async function freezeCt(paths: SandboxPaths, vmid: number): Promise<void> {
  await runChecked(['lxc-freeze', '-P', paths.lxcPath, '-n', lxcName(vmid)]);
}

export async function unfreezeCt(paths: SandboxPaths, vmid: number): Promise<void> {
  await runChecked(['lxc-unfreeze', '-P', paths.lxcPath, '-n', lxcName(vmid)]);
}
