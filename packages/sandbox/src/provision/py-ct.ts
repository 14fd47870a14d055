import { chmod, chown, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { aptSourceLine } from './apt-repo.js';
import { ctExec, ctRootfs, ctWriteFile, ensureRunning, httpJson, trustHostCas, waitFor } from './ct.js';
import { fixturesDir } from './fixtures.js';
import { DEMO_LIB } from './py-index.js';
import type { SandboxSettings } from './settings.js';

export const PY_VMID = 102;
export const PY_APP_DIR = '/opt/py-app';
export const PY_VENV = '/opt/py-app/venv';
export const PY_INIT = '/usr/local/sbin/sandbox-init';
const UNPRIV_BASE = 100_000;

/**
 * Raw LXC keys of the unprivileged CT. systemd does not come up as init unprivileged on this
 * host's hybrid cgroup v1 layout, so a launcher is PID 1. The mount.auto reset drops common.conf's
 * `sys:mixed`: a fresh sysfs mount is refused while the CT shares the host's network namespace,
 * so /sys is rbind-mounted instead.
 */
export const PY_RAW_LXC: Array<[string, string]> = [
  ['lxc.net.0.type', 'none'],
  ['lxc.init.cmd', PY_INIT],
  ['lxc.mount.auto', ''],
  ['lxc.mount.auto', 'cgroup:mixed proc:mixed'],
  ['lxc.mount.entry', '/sys sys none rbind,create=dir 0 0'],
];

/** CT 102 after createContainer: the launcher, the demo deb 1.0, /opt/py-app with a venv holding unrot-demo-lib 1.0.0. */
export async function provisionPyCt(s: SandboxSettings, log: (line: string) => void): Promise<void> {
  const { paths } = s;
  const vmid = PY_VMID;
  const rootfs = await ctRootfs(paths, vmid);
  // Written from the host before the first start (the launcher must exist to boot); ids shifted like the rest of the rootfs.
  await writeFile(join(rootfs, 'etc', 'hostname'), 'py102\n');
  const init = (await readFile(join(fixturesDir(), 'py-app', 'sandbox-init'), 'utf8')).replaceAll('3102', String(s.pyPort));
  const initPath = join(rootfs, PY_INIT);
  await writeFile(initPath, init);
  await chmod(initPath, 0o755);
  await chown(initPath, UNPRIV_BASE, UNPRIV_BASE);
  await ensureRunning(paths, vmid);
  await trustHostCas(paths, vmid);

  log('  CT 102: apt repo + unrot-sandbox-demo 1.0');
  await ctWriteFile(paths, vmid, '/etc/apt/sources.list.d/unrot-sandbox.list', `${aptSourceLine(s.aptPort)}\n`);
  await ctExec(paths, vmid, ['apt-get', 'update', '-q']);
  await ctExec(paths, vmid, ['apt-get', 'install', '-y', '-q', 'unrot-sandbox-demo=1.0']);

  log(`  CT 102: ${PY_VENV} with ${DEMO_LIB} 1.0.0`);
  await ctWriteFile(paths, vmid, `${PY_APP_DIR}/server.py`, await readFile(join(fixturesDir(), 'py-app', 'server.py'), 'utf8'));
  await ctExec(paths, vmid, ['python3', '-m', 'venv', PY_VENV]);
  // pip.conf inside the venv: only this venv's pip uses the local index (PyPI is unreachable here).
  await ctWriteFile(
    paths,
    vmid,
    `${PY_VENV}/pip.conf`,
    `[global]\nindex-url = http://127.0.0.1:${s.pypiPort}/simple/\ndisable-pip-version-check = true\n`,
  );
  await ctExec(paths, vmid, [`${PY_VENV}/bin/pip`, 'install', '-q', `${DEMO_LIB}==1.0.0`]);
  // The launcher retries the app every 2 s, so it comes up once the venv is complete.
  const healthy = await waitFor(async () => (await httpJson(`http://127.0.0.1:${s.pyPort}/health`)).status === 200, 20_000);
  if (!healthy) throw new UnrotError('E_EXEC_FAILED', `CT 102: py-app did not answer on 127.0.0.1:${s.pyPort}/health`);
}
