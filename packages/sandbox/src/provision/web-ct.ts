import { existsSync, realpathSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { aptSourceLine } from './apt-repo.js';
import { ctExec, ctRootfs, ctWriteFile, ensureRunning, httpJson, trustHostCas, waitFor } from './ct.js';
import { fixturesDir } from './fixtures.js';
import { run } from './run.js';
import type { SandboxSettings } from './settings.js';

export const WEB_VMID = 101;
export const WEB_APP_DIR = '/opt/web-app';
/** Installed below the newest 2.x on purpose, so `npm outdated` has something to report (wanted 2.1.3). */
export const MS_INSTALLED = '2.0.0';
export const MS_RANGE = '^2.0.0';

/** Where the host's npm lives (e.g. /usr/lib/node_modules/npm), found from the `npm` on PATH. */
function hostNpmDir(): string {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    const candidate = join(dir, 'npm');
    if (!existsSync(candidate)) continue;
    const real = realpathSync(candidate); // .../node_modules/npm/bin/npm-cli.js
    return dirname(dirname(real));
  }
  throw new UnrotError('E_EXEC_SPAWN', 'npm not found on the host PATH (it is copied into CT 101)');
}

/**
 * Node.js without network: the host's node binary (Debian 12 like the CT, same glibc) and npm
 * are copied into the CT's /usr/local while it is stopped (CT 101 is privileged: no id shift).
 */
async function installNode(rootfs: string): Promise<void> {
  const local = join(rootfs, 'usr', 'local');
  await run(['install', '-D', '-m', '0755', realpathSync(process.execPath), join(local, 'bin', 'node')]);
  await run(['mkdir', '-p', join(local, 'lib', 'node_modules')]);
  await run(['cp', '-a', hostNpmDir(), join(local, 'lib', 'node_modules', 'npm')]);
  await run(['ln', '-sfn', '../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin', 'npm')]);
  await run(['ln', '-sfn', '../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin', 'npx')]);
  // `pct exec` runs with PATH=/sbin:/bin:/usr/sbin:/usr/bin (no /usr/local/bin), so make node,
  // npm and npx resolvable there too, as a distribution/NodeSource install would be.
  for (const tool of ['node', 'npm', 'npx']) await run(['ln', '-sfn', `/usr/local/bin/${tool}`, join(rootfs, 'usr', 'bin', tool)]);
}

/** CT 101 after createContainer: node+npm, the demo deb 1.0, /opt/web-app with ms 2.0.0 under ^2.0.0, web-app.service. */
export async function provisionWebCt(s: SandboxSettings, log: (line: string) => void): Promise<void> {
  const { paths } = s;
  const vmid = WEB_VMID;
  const rootfs = await ctRootfs(paths, vmid);
  await writeFile(join(rootfs, 'etc', 'hostname'), 'web101\n');
  await installNode(rootfs);
  await ensureRunning(paths, vmid);
  // systemd is init here: wait for boot to finish so apt and systemctl behave.
  await waitFor(async () => {
    const r = await ctExec(paths, vmid, ['systemctl', 'is-system-running'], { okExitCodes: [0, 1] });
    return ['running', 'degraded'].includes(r.stdout.trim());
  }, 60_000);
  await trustHostCas(paths, vmid);
  // Node ignores the system CA store by default; point the CT's npm at it (it includes the host's extra CAs).
  // Also in root's user config: `npm --prefix DIR` (as runner-npm runs it) reads DIR/etc/npmrc instead of
  // the global npmrc, and without the CA every registry fetch spends ~70 s in TLS retries.
  await ctWriteFile(paths, vmid, '/usr/local/etc/npmrc', 'cafile=/etc/ssl/certs/ca-certificates.crt\n');
  await ctWriteFile(paths, vmid, '/root/.npmrc', 'cafile=/etc/ssl/certs/ca-certificates.crt\n');
  log('  CT 101: apt repo + unrot-sandbox-demo 1.0');
  await ctWriteFile(paths, vmid, '/etc/apt/sources.list.d/unrot-sandbox.list', `${aptSourceLine(s.aptPort)}\n`);
  await ctExec(paths, vmid, ['apt-get', 'update', '-q']);
  await ctExec(paths, vmid, ['apt-get', 'install', '-y', '-q', 'unrot-sandbox-demo=1.0']);

  log(`  CT 101: ${WEB_APP_DIR} (npm install ms@${MS_INSTALLED})`);
  const fixtures = join(fixturesDir(), 'web-app');
  const pkg = JSON.parse(await readFile(join(fixtures, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  // Install exactly 2.0.0 first, then restore the caret range: the lockfile keeps 2.0.0 while
  // 2.1.3 is "wanted", which is what a real, slightly stale project looks like.
  pkg.dependencies['ms'] = MS_INSTALLED;
  await ctWriteFile(paths, vmid, `${WEB_APP_DIR}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
  await ctWriteFile(paths, vmid, `${WEB_APP_DIR}/server.js`, await readFile(join(fixtures, 'server.js'), 'utf8'));
  await ctExec(paths, vmid, ['npm', 'install', '--no-audit', '--no-fund', '--no-update-notifier'], { cwd: WEB_APP_DIR });
  pkg.dependencies['ms'] = MS_RANGE;
  await ctWriteFile(paths, vmid, `${WEB_APP_DIR}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
  const lockPath = join(rootfs, WEB_APP_DIR, 'package-lock.json');
  const lock = JSON.parse(await readFile(lockPath, 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string> }> };
  const rootEntry = lock.packages[''];
  if (rootEntry?.dependencies) rootEntry.dependencies['ms'] = MS_RANGE;
  await writeFile(lockPath, `${JSON.stringify(lock, null, 2)}\n`);

  log('  CT 101: web-app.service');
  const unit = (await readFile(join(fixtures, 'web-app.service'), 'utf8')).replace(
    'Environment=PORT=3101',
    `Environment=PORT=${s.webPort}`,
  );
  await ctWriteFile(paths, vmid, '/etc/systemd/system/web-app.service', unit);
  await ctExec(paths, vmid, ['systemctl', 'daemon-reload']);
  await ctExec(paths, vmid, ['systemctl', 'enable', '--now', 'web-app.service']);
  const healthy = await waitFor(async () => (await httpJson(`http://127.0.0.1:${s.webPort}/health`)).status === 200, 20_000);
  if (!healthy) throw new UnrotError('E_EXEC_FAILED', `CT 101: web-app did not answer on 127.0.0.1:${s.webPort}/health`);
}
