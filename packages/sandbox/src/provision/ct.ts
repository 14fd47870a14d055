import { isUnrotError } from '@unrot/sdk';
import { withConfigLock } from '../pve/config-lock.js';
import { loadConfig } from '../pve/config-store.js';
import { ctState, startCt, stopCt } from '../pve/lxc.js';
import type { SandboxPaths } from '../pve/sandbox-root.js';
import { loadStorageCfg, resolveVolume } from '../pve/storage-cfg.js';
import { type RunOptions, type RunResult, run } from './run.js';

/** A clean, fixed environment for provisioning commands: the host's env (npm_config_*, VIRTUAL_ENV…) must not leak in. */
const CT_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'HOME=/root',
  'LANG=C.UTF-8',
  'DEBIAN_FRONTEND=noninteractive',
];

/**
 * lxc-attach itself died of a crash signal (not the command: lxc-attach passes the command's own
 * death on as an exit code). Seen once in CI: glibc's "free(): invalid pointer" abort on
 * `mkdir -p` after earlier attaches into the same CT had worked. A timeout's SIGTERM is not one.
 */
export function isAttachCrash(error: unknown): boolean {
  const signal = isUnrotError(error) ? error.details['signal'] : undefined;
  return signal === 'SIGABRT' || signal === 'SIGSEGV' || signal === 'SIGBUS';
}

/**
 * Runs argv inside a running CT, like `pct exec` (lxc-attach) but with a cleared environment. The
 * provisioning commands are idempotent, so an attach that crashed is tried once more.
 */
export async function ctExec(
  paths: SandboxPaths,
  vmid: number,
  argv: readonly string[],
  options: RunOptions & { cwd?: string } = {},
): Promise<RunResult> {
  const { cwd, ...rest } = options;
  const attach = ['lxc-attach', '-P', paths.lxcPath, '-n', String(vmid), '--clear-env', ...CT_ENV.flatMap((v) => ['--set-var', v]), '--'];
  // lxc-attach has no working-directory flag; `env -C` (coreutils ≥ 8.28) changes it without a shell.
  const inner = cwd ? ['env', '-C', cwd, ...argv] : [...argv];
  const once = () => run([...attach, ...inner], { timeoutMs: 10 * 60_000, ...rest });
  return once().catch((error: unknown) => {
    if (isAttachCrash(error)) return once();
    throw error;
  });
}

/** Writes a file inside a running CT (owned by the CT's root, whatever its id mapping). */
export async function ctWriteFile(paths: SandboxPaths, vmid: number, path: string, content: string, mode = '0644'): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  await ctExec(paths, vmid, ['mkdir', '-p', dir]);
  await ctExec(paths, vmid, ['tee', path], { input: content });
  await ctExec(paths, vmid, ['chmod', mode, path]);
}

export async function ctRootfs(paths: SandboxPaths, vmid: number): Promise<string> {
  const conf = loadConfig(paths, vmid);
  const volid = (conf.keys['rootfs'] ?? '').split(',')[0] ?? '';
  return resolveVolume(await loadStorageCfg(paths), volid).path;
}

/** `pct start` semantics through the stand-in's library (config lock, LXC config generated from the pve conf). */
export async function ensureRunning(paths: SandboxPaths, vmid: number): Promise<boolean> {
  if ((await ctState(paths, vmid)) === 'running') return false;
  const storages = await loadStorageCfg(paths);
  await withConfigLock(paths, vmid, async () => startCt(paths, storages, vmid, loadConfig(paths, vmid)));
  return true;
}

export async function stopIfRunning(paths: SandboxPaths, vmid: number): Promise<void> {
  if ((await ctState(paths, vmid)) === 'running') await stopCt(paths, vmid);
}

/** Polls until `probe` resolves true or the timeout passes. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function httpJson(url: string, timeoutMs = 2000): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, body };
}

export const HOST_EXTRA_CA_DIR = '/usr/local/share/ca-certificates';

/**
 * Makes the CT trust the CAs the host added locally (e.g. a TLS-intercepting egress proxy's),
 * so npm inside reaches the registry exactly as the host does. No extra CAs: nothing to do.
 */
export async function trustHostCas(paths: SandboxPaths, vmid: number): Promise<number> {
  const { readdir, readFile } = await import('node:fs/promises');
  const names = (await readdir(HOST_EXTRA_CA_DIR).catch(() => [] as string[])).filter((n) => n.endsWith('.crt'));
  for (const name of names) {
    await ctWriteFile(paths, vmid, `${HOST_EXTRA_CA_DIR}/${name}`, await readFile(`${HOST_EXTRA_CA_DIR}/${name}`, 'utf8'));
  }
  if (names.length > 0) await ctExec(paths, vmid, ['update-ca-certificates']);
  return names.length;
}
