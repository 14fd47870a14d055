/**
 * pct exec: Proxmox replaces itself with lxc-attach. Node cannot exec(2), so the closest is a
 * child with inherited stdio whose exit status (or 128+signal) becomes ours, with terminal
 * signals forwarded to it.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { CT_PATH_ENV, ctState, lxcName } from '../lxc.js';
import { PveError } from '../pve-errors.js';
import type { SandboxPaths } from '../sandbox-root.js';

export async function requireRunning(paths: SandboxPaths, vmid: number): Promise<void> {
  if ((await ctState(paths, vmid)) !== 'running') throw new PveError(`container '${vmid}' not running!`);
}

export async function execInCt(paths: SandboxPaths, vmid: number, argv: string[], keepEnv: boolean): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: CT_PATH_ENV };
  delete env['SSL_CERT_FILE'];
  delete env['SSL_CERT_DIR'];
  const child = spawn('lxc-attach', ['-P', paths.lxcPath, '-n', lxcName(vmid), keepEnv ? '--keep-env' : '--clear-env', '--', ...argv], {
    stdio: 'inherit',
    env,
  });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const).map((sig) => {
    const h = forward(sig);
    process.on(sig, h);
    return [sig, h] as const;
  });
  return new Promise((resolve, reject) => {
    child.on('error', (err) => reject(new PveError(`exec failed: ${err.message}`)));
    child.on('close', (code, signal) => {
      for (const [sig, h] of handlers) process.off(sig, h);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
    });
  });
}
