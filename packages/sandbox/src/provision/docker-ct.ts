import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { ctExec, ctRootfs, ctWriteFile, ensureRunning, httpJson, waitFor } from './ct.js';
import type { SandboxSettings } from './settings.js';

/** CT 105: Debian 12 running Debian's docker.io (Docker-in-LXC), a registry and the demo containers. */
export const DOCKER_VMID = 105;
export const DOCKER_HOSTNAME = 'dock105';
/** The plain container and the compose project runner-docker keeps current. */
export const DEMO_CONTAINER = 'demo-web';
export const STACK_DIR = '/opt/stack';
export const DEMO_VERSIONS = ['1.0', '1.1', '1.2'] as const;
export type DemoVersion = (typeof DEMO_VERSIONS)[number];
/** 1.2 exits at start (the rollback drill); 1.0 and 1.1 serve /health. */
export const BROKEN_VERSION: DemoVersion = '1.2';
/** In the demo container's environment: the drills check it never reaches a report or log. */
export const DEMO_SECRET = 'sandbox-docker-s3cret';

/** From Debian's mirror: the engine, the registry (distribution 2.8), compose v1, and a static busybox for FROM-scratch images. */
export const DOCKER_CT_DEBS = ['docker.io', 'docker-registry', 'docker-compose', 'busybox-static'];

/**
 * LXC keys for Docker inside a privileged CT beyond `features: nesting=1`: no AppArmor confinement,
 * proc/sys/cgroup writable (dockerd creates cgroups for its containers), every device allowed
 * (cgroup v1 devices controller; runc sets up /dev for its containers), no capability dropped,
 * and the host's network namespace like the other sandbox CTs.
 */
export function dockerRawLxc(cgroupV2: boolean): Array<[string, string]> {
  return [
    ['lxc.net.0.type', 'none'],
    ['lxc.apparmor.profile', 'unconfined'],
    ['lxc.mount.auto', 'proc:rw sys:rw cgroup:rw'],
    [cgroupV2 ? 'lxc.cgroup2.devices.allow' : 'lxc.cgroup.devices.allow', 'a'],
    ['lxc.cap.drop', ''],
  ];
}

/**
 * dockerd shares the host's network namespace here: it must not add iptables rules or a docker0
 * bridge. overlay2 instead of the btrfs driver dockerd would pick on this rootfs: btrfs layers
 * are nested subvolumes, which a snapshot of the CT's subvolume leaves out (empty directories),
 * so a snapshot rollback would lose every image.
 */
export const DAEMON_JSON = `${JSON.stringify({ iptables: false, ip6tables: false, bridge: 'none', 'storage-driver': 'overlay2' }, null, 2)}\n`;

export function registryRepo(s: SandboxSettings): string {
  return `127.0.0.1:${s.registryPort}/demo`;
}

function registryConfig(s: SandboxSettings): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    '    rootdirectory: /var/lib/docker-registry',
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${s.registryPort}`,
    '',
  ].join('\n');
}

/** A FROM-scratch image: Debian's static busybox, httpd serving /www/health on the demo port. */
export function demoDockerfile(s: SandboxSettings, version: DemoVersion): string {
  const port = s.dockerAppPort;
  return [
    'FROM scratch',
    'COPY rootfs/ /',
    `LABEL org.opencontainers.image.version=${version} org.opencontainers.image.title=unrot-sandbox-demo`,
    `ENV DEMO_VERSION=${version}`,
    'ENTRYPOINT ["/bin/busybox"]',
    version === BROKEN_VERSION
      ? 'CMD ["sh", "-c", "echo demo 1.2: missing /etc/demo.conf, exiting >&2; exit 3"]'
      : `CMD ["httpd", "-f", "-p", "127.0.0.1:${port}", "-h", "/www"]`,
    `HEALTHCHECK --interval=2s --timeout=2s --retries=3 CMD busybox wget -q -O /dev/null http://127.0.0.1:${port}/health`,
    '',
  ].join('\n');
}

function composeFile(s: SandboxSettings): string {
  return [
    "version: '2.4'",
    'services:',
    '  app:',
    `    image: ${registryRepo(s)}:latest`,
    '    # its own network namespace with loopback only: the same port as demo-web does not collide',
    '    network_mode: none',
    '    restart: unless-stopped',
    '    environment:',
    '      DEMO_ROLE: stack',
    '',
  ].join('\n');
}

async function waitForSystemd(s: SandboxSettings): Promise<void> {
  const booted = await waitFor(async () => {
    const r = await ctExec(s.paths, DOCKER_VMID, ['systemctl', 'is-system-running'], { okExitCodes: [0, 1] });
    return ['running', 'degraded'].includes(r.stdout.trim());
  }, 90_000);
  if (!booted) throw new UnrotError('E_EXEC_TIMEOUT', `CT ${DOCKER_VMID}: systemd did not finish booting within 90 s`);
}

const docker = (s: SandboxSettings, args: string[], opts: { cwd?: string } = {}) => ctExec(s.paths, DOCKER_VMID, ['docker', ...args], opts);

/** Builds 1.0, 1.1 and 1.2 in the CT and pushes them; latest = 1.0; only 1.0 stays local. */
async function buildDemoImages(s: SandboxSettings, log: (line: string) => void): Promise<void> {
  const repo = registryRepo(s);
  for (const version of DEMO_VERSIONS) {
    const dir = `/opt/demo-image/${version}`;
    await ctExec(s.paths, DOCKER_VMID, ['mkdir', '-p', `${dir}/rootfs/bin`, `${dir}/rootfs/www`]);
    await ctExec(s.paths, DOCKER_VMID, ['cp', '/bin/busybox', `${dir}/rootfs/bin/busybox`]);
    await ctExec(s.paths, DOCKER_VMID, ['ln', '-sf', 'busybox', `${dir}/rootfs/bin/sh`]);
    await ctWriteFile(s.paths, DOCKER_VMID, `${dir}/rootfs/www/health`, `{"app":"demo","version":"${version}"}\n`);
    await ctWriteFile(s.paths, DOCKER_VMID, `${dir}/Dockerfile`, demoDockerfile(s, version));
    log(`  CT ${DOCKER_VMID}: docker build + push ${repo}:${version}`);
    await docker(s, ['build', '--quiet', '--tag', `${repo}:${version}`, dir]);
    await docker(s, ['push', '--quiet', `${repo}:${version}`]);
  }
  await docker(s, ['tag', `${repo}:1.0`, `${repo}:latest`]);
  await docker(s, ['push', '--quiet', `${repo}:latest`]);
  // The engine must not have the newer images: check has to find them in the registry, apply pull
  // them. 1.0 stays only as `latest` (as after `docker pull demo:latest`), so once the tag moves
  // on, the old image is untagged and `prune_old_images` may remove it.
  await docker(s, ['rmi', `${repo}:1.0`, `${repo}:1.1`, `${repo}:1.2`]);
}

/**
 * CT 105 after createContainer: docker.io with daemon.json written first, docker-registry on
 * 127.0.0.1:registryPort, the demo images, `demo-web` (restart policy, a named volume, env with a
 * secret, labels, an exposed port, host network) and the compose project /opt/stack, both on
 * demo:latest = 1.0.
 */
export async function provisionDockerCt(s: SandboxSettings, log: (line: string) => void): Promise<void> {
  const vmid = DOCKER_VMID;
  await writeFile(join(await ctRootfs(s.paths, vmid), 'etc', 'hostname'), `${DOCKER_HOSTNAME}\n`);
  await ensureRunning(s.paths, vmid);
  await waitForSystemd(s);
  // Both before the packages: their services start at install and must come up on our settings
  // (no bridge/iptables; the registry on our port, not on the host-wide :5000).
  await ctWriteFile(s.paths, vmid, '/etc/docker/daemon.json', DAEMON_JSON);
  await ctWriteFile(s.paths, vmid, '/etc/docker/registry/config.yml', registryConfig(s));
  log(`  CT ${vmid}: apt-get install ${DOCKER_CT_DEBS.join(' ')}`);
  await ctExec(s.paths, vmid, ['apt-get', 'update', '-q']);
  await ctExec(s.paths, vmid, [
    'apt-get',
    'install',
    '-y',
    '-q',
    '--no-install-recommends',
    '-o',
    'Dpkg::Options::=--force-confdef',
    '-o',
    'Dpkg::Options::=--force-confold',
    ...DOCKER_CT_DEBS,
  ]);
  await ctExec(s.paths, vmid, ['apt-get', 'clean']);
  await ctExec(s.paths, vmid, ['systemctl', 'restart', 'docker-registry.service']);
  const engine = await waitFor(
    async () => (await ctExec(s.paths, vmid, ['docker', 'info'], { okExitCodes: [0, 1] })).exitCode === 0,
    60_000,
  );
  if (!engine) throw new UnrotError('E_EXEC_FAILED', `CT ${vmid}: dockerd did not come up`);
  const registry = await waitFor(async () => (await httpJson(`http://127.0.0.1:${s.registryPort}/v2/`)).status === 200, 30_000);
  if (!registry) throw new UnrotError('E_EXEC_FAILED', `CT ${vmid}: docker-registry does not answer on 127.0.0.1:${s.registryPort}`);
  await buildDemoImages(s, log);

  const image = `${registryRepo(s)}:latest`;
  log(`  CT ${vmid}: ${DEMO_CONTAINER} and the compose project ${STACK_DIR} on ${image}`);
  await docker(s, [
    'run',
    '--detach',
    `--name=${DEMO_CONTAINER}`,
    '--network=host',
    '--restart=unless-stopped',
    '--volume=demo-data:/data',
    '--env=DEMO_MODE=sandbox',
    `--env=DEMO_SECRET=${DEMO_SECRET}`,
    '--label=org.unrot.sandbox=demo',
    '--label=com.example.team=web',
    `--expose=${s.dockerAppPort}/tcp`,
    image,
  ]);
  await ctWriteFile(s.paths, vmid, `${STACK_DIR}/docker-compose.yml`, composeFile(s));
  await ctExec(s.paths, vmid, ['docker-compose', 'up', '--detach'], { cwd: STACK_DIR });
  const healthy = await waitFor(async () => (await httpJson(`http://127.0.0.1:${s.dockerAppPort}/health`)).status === 200, 30_000);
  if (!healthy)
    throw new UnrotError('E_EXEC_FAILED', `CT ${vmid}: ${DEMO_CONTAINER} does not answer on 127.0.0.1:${s.dockerAppPort}/health`);
}

const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

/**
 * Moves `demo:latest` in CT 105's registry to `version` (as a release pipeline would push it):
 * the version's manifest is put under the tag through the registry API, so nothing changes in
 * the engine. Returns `REPO:latest → version (digest)`.
 */
export async function publishDockerVersion(s: SandboxSettings, version: string): Promise<string> {
  if (!(DEMO_VERSIONS as readonly string[]).includes(version)) {
    throw new UnrotError('E_USAGE', `publish-docker takes one of ${DEMO_VERSIONS.join(', ')}, got '${version}'`);
  }
  const base = `http://127.0.0.1:${s.registryPort}/v2/demo/manifests`;
  const got = await fetch(`${base}/${version}`, { headers: { Accept: MANIFEST_V2 }, signal: AbortSignal.timeout(10_000) }).catch(
    (error: unknown) => {
      throw new UnrotError(
        'E_EXEC_FAILED',
        `the registry of CT ${DOCKER_VMID} (127.0.0.1:${s.registryPort}) is not reachable: ${String(error)}`,
      );
    },
  );
  if (got.status !== 200) throw new UnrotError('E_EXEC_FAILED', `GET ${base}/${version} answered ${got.status}`);
  const manifest = await got.text();
  const put = await fetch(`${base}/latest`, {
    method: 'PUT',
    headers: { 'Content-Type': MANIFEST_V2 },
    body: manifest,
    signal: AbortSignal.timeout(10_000),
  });
  if (put.status !== 201)
    throw new UnrotError('E_EXEC_FAILED', `PUT ${base}/latest answered ${put.status}: ${(await put.text()).slice(0, 300)}`);
  return `${registryRepo(s)}:latest → ${version} (${put.headers.get('docker-content-digest') ?? 'digest unknown'})`;
}
