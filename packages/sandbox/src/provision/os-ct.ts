import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { ctExec, ctRootfs, ctWriteFile, ensureRunning, waitFor } from './ct.js';
import { OS_DEMO, OS_KEEP, pacmanFileName, RPM_BASE } from './os-packages.js';
import { PACMAN_REPO, pacmanConfSection, yumRepoFile } from './os-repos.js';
import type { SandboxSettings } from './settings.js';

/** CT 103: Debian 12 with Debian's dnf and rpm, standing in for a Fedora container (real dnf, real RPM database). */
export const DNF_VMID = 103;
/** CT 104: Debian 12 with Debian's pacman, standing in for an Arch container (real pacman, real local database). */
export const PACMAN_VMID = 104;
export const OS_VMIDS = [DNF_VMID, PACMAN_VMID] as const;

/** What `apt-get install --no-install-recommends` adds to the template in each CT. */
export const OS_CT_DEBS: Record<number, string[]> = {
  [DNF_VMID]: ['dnf', 'rpm'],
  [PACMAN_VMID]: ['pacman-package-manager'],
};

export function osCtHostname(vmid: number): string {
  return vmid === DNF_VMID ? 'dnf103' : 'pac104';
}

export async function waitForSystemd(s: SandboxSettings, vmid: number): Promise<void> {
  const booted = await waitFor(async () => {
    const r = await ctExec(s.paths, vmid, ['systemctl', 'is-system-running'], { okExitCodes: [0, 1] });
    return ['running', 'degraded'].includes(r.stdout.trim());
  }, 90_000);
  if (!booted) throw new UnrotError('E_EXEC_TIMEOUT', `CT ${vmid}: systemd did not finish booting within 90 s`);
}

/** The package manager itself, from Debian's mirror (as the template's other packages). */
export async function installDebs(
  s: SandboxSettings,
  vmid: number,
  log: (line: string) => void,
  debs: readonly string[] = OS_CT_DEBS[vmid] ?? [],
): Promise<void> {
  log(`  CT ${vmid}: apt-get install ${debs.join(' ')}`);
  await ctExec(s.paths, vmid, ['apt-get', 'update', '-q']);
  await ctExec(s.paths, vmid, ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...debs]);
  await ctExec(s.paths, vmid, ['apt-get', 'clean']);
}

/**
 * CT 103 after createContainer: dnf + rpm, /etc/yum.repos.d/unrot-sandbox.repo, and the demo and
 * keep packages 1.0 installed by dnf itself (plus unrot-sandbox-base, which gives the empty RPM
 * database the /bin/sh a Fedora system's bash package would provide).
 */
export async function provisionDnfCt(s: SandboxSettings, log: (line: string) => void): Promise<void> {
  const vmid = DNF_VMID;
  await writeFile(join(await ctRootfs(s.paths, vmid), 'etc', 'hostname'), `${osCtHostname(vmid)}\n`);
  await ensureRunning(s.paths, vmid);
  await waitForSystemd(s, vmid);
  await installDebs(s, vmid, log);
  await ctWriteFile(s.paths, vmid, '/etc/yum.repos.d/unrot-sandbox.repo', yumRepoFile(s.rpmPort));
  // No *-release package provides system-release(releasever) on Debian, and dnf warns "Unable to
  // detect release version" on every command; /etc/dnf/vars/releasever is dnf's own way to set it.
  await ctWriteFile(s.paths, vmid, '/etc/dnf/vars/releasever', '12\n');
  log(`  CT ${vmid}: dnf install ${RPM_BASE} ${OS_DEMO}-1.0 ${OS_KEEP}-1.0`);
  await ctExec(s.paths, vmid, ['dnf', '-y', '-q', 'install', RPM_BASE, `${OS_DEMO}-1.0`, `${OS_KEEP}-1.0`]);
}

/**
 * CT 104 after createContainer: pacman, the `[unrot-sandbox]` section in /etc/pacman.conf, the
 * demo and keep packages 1.0 installed by `pacman -U <url>` and the sync database fetched once
 * (`pacman -Sy`), as after an admin's last update.
 */
export async function provisionPacmanCt(s: SandboxSettings, log: (line: string) => void): Promise<void> {
  const vmid = PACMAN_VMID;
  await writeFile(join(await ctRootfs(s.paths, vmid), 'etc', 'hostname'), `${osCtHostname(vmid)}\n`);
  await ensureRunning(s.paths, vmid);
  await waitForSystemd(s, vmid);
  await installDebs(s, vmid, log);
  const conf = (await ctExec(s.paths, vmid, ['cat', '/etc/pacman.conf'])).stdout;
  if (!conf.includes(`[${PACMAN_REPO}]`)) {
    await ctWriteFile(s.paths, vmid, '/etc/pacman.conf', `${conf.replace(/\n*$/, '\n')}${pacmanConfSection(s.pacmanPort)}`);
  }
  log(`  CT ${vmid}: pacman -U ${OS_DEMO} 1.0, ${OS_KEEP} 1.0`);
  const urls = [OS_DEMO, OS_KEEP].map((name) => `http://127.0.0.1:${s.pacmanPort}/${pacmanFileName(name, '1.0')}`);
  await ctExec(s.paths, vmid, ['pacman', '-U', '--noconfirm', '--noprogressbar', ...urls]);
  await ctExec(s.paths, vmid, ['pacman', '-Sy', '--noprogressbar']);
}
