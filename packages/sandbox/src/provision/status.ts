import { existsSync } from 'node:fs';
import { apiServerRunning } from '../pve/api/daemon.js';
import { nodeOf, nodePaths, readCluster } from '../pve/cluster.js';
import { configExists, loadConfig } from '../pve/config-store.js';
import { ctState } from '../pve/lxc.js';
import { DEMO_DEB } from './apt-repo.js';
import { ctExec, httpJson } from './ct.js';
import { DEMO_CONTAINER, DOCKER_VMID } from './docker-ct.js';
import { LANG_VMID, langVersions } from './lang-ct.js';
import { DNF_VMID, PACMAN_VMID } from './os-ct.js';
import { OS_DEMO, OS_KEEP } from './os-packages.js';
import { PY_VENV, PY_VMID } from './py-ct.js';
import { DEMO_LIB } from './py-index.js';
import { SERVER_NAMES, type ServerStatus, serverStatus } from './servers.js';
import type { SandboxSettings } from './settings.js';
import { readState } from './state.js';
import { isMountPoint } from './storage.js';
import { WEB_APP_DIR, WEB_VMID } from './web-ct.js';

export interface ContainerStatus {
  vmid: number;
  hostname: string;
  tags: string;
  unprivileged: boolean;
  exists: boolean;
  state: 'running' | 'stopped' | 'missing';
  /** url null: the CT runs no app (CT 103/104). */
  health: { url: string | null; status: number | null; body: unknown };
  /** Versions of the demo packages inside the CT (null when it is not running or not installed). */
  versions: Record<string, string | null>;
}

export interface SandboxStatus {
  up: boolean;
  root: string;
  node: string;
  btrfsMounted: boolean;
  servers: Array<ServerStatus | { name: string; running: false }>;
  /** The Proxmox API front (HTTPS), when `up` started it or `api start` did. */
  api: { running: boolean; port?: number; pid?: number };
  containers: ContainerStatus[];
  configDir: string | null;
}

async function read(s: SandboxSettings, vmid: number, argv: string[]): Promise<string | null> {
  const r = await ctExec(s.paths, vmid, argv, { okExitCodes: [0, 1, 2, 127], timeoutMs: 30_000 }).catch(() => undefined);
  return r && r.exitCode === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
}

async function versions(s: SandboxSettings, vmid: number): Promise<Record<string, string | null>> {
  if (vmid === DNF_VMID || vmid === PACMAN_VMID) return osVersions(s, vmid);
  if (vmid === LANG_VMID) return langVersions(s);
  if (vmid === DOCKER_VMID) return dockerVersions(s);
  // dpkg-query's own ${Field} syntax, not a JS template.
  const format = '$' + '{Version}';
  const out: Record<string, string | null> = { [DEMO_DEB]: await read(s, vmid, ['dpkg-query', '-W', '-f', format, DEMO_DEB]) };
  if (vmid === WEB_VMID) {
    const pkg = await read(s, vmid, ['cat', `${WEB_APP_DIR}/node_modules/ms/package.json`]);
    out['ms'] = pkg ? ((JSON.parse(pkg) as { version?: string }).version ?? null) : null;
  }
  if (vmid === PY_VMID) {
    out[DEMO_LIB] = await read(s, vmid, [`${PY_VENV}/bin/python`, '-c', `import importlib.metadata as m; print(m.version("${DEMO_LIB}"))`]);
  }
  return out;
}

/** The image version label of what demo-web and the compose service run, as the CT's docker sees them. */
async function dockerVersions(s: SandboxSettings): Promise<Record<string, string | null>> {
  const label = '{{index .Config.Labels "org.opencontainers.image.version"}}';
  const image = async (container: string) => {
    const id = await read(s, DOCKER_VMID, ['docker', 'container', 'inspect', '--format', '{{.Image}}', container]);
    return id ? read(s, DOCKER_VMID, ['docker', 'image', 'inspect', '--format', label, id]) : null;
  };
  return { [DEMO_CONTAINER]: await image(DEMO_CONTAINER), stack_app_1: await image('stack_app_1') };
}

/** What the CT's own package manager says is installed: `rpm -q` in CT 103, `pacman -Q` in CT 104 (version-release). */
async function osVersions(s: SandboxSettings, vmid: number): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const name of [OS_DEMO, OS_KEEP]) {
    if (vmid === DNF_VMID) out[name] = await read(s, vmid, ['rpm', '-q', '--qf', '%{VERSION}-%{RELEASE}', name]);
    else out[name] = (await read(s, vmid, ['pacman', '-Q', name]))?.split(' ')[1] ?? null;
  }
  return out;
}

export async function status(s: SandboxSettings): Promise<SandboxStatus> {
  const state = await readState(s.stateFile);
  const { paths: local } = s;
  const names = SERVER_NAMES.filter((n) => n === 'apt' || n === 'pypi' || state?.servers[n] !== undefined);
  const servers = await Promise.all(
    names.map(async (name) => (await serverStatus(s.serverRunDir, name)) ?? { name, running: false as const }),
  );
  const containers: ContainerStatus[] = [];
  const cluster = readCluster(local.root);
  for (const ct of state?.containers ?? []) {
    // A CT migrated to another node of the sandbox's cluster: its config is in that node's directory.
    const node = cluster ? nodeOf(local, cluster, ct.vmid) : undefined;
    const paths = node ? nodePaths(local, node) : local;
    const exists = configExists(paths, ct.vmid);
    const conf = exists ? loadConfig(paths, ct.vmid) : undefined;
    const st = exists ? await ctState(paths, ct.vmid) : 'missing';
    let health: ContainerStatus['health'] = { url: ct.health, status: null, body: null };
    if (st === 'running' && ct.health !== null) {
      const h = await httpJson(ct.health).catch(() => undefined);
      if (h) health = { url: ct.health, status: h.status, body: h.body };
    }
    containers.push({
      vmid: ct.vmid,
      hostname: conf?.keys['hostname'] ?? ct.hostname,
      tags: conf?.keys['tags'] ?? '',
      unprivileged: conf?.keys['unprivileged'] === '1',
      exists,
      state: st,
      health,
      versions: st === 'running' ? await versions(s, ct.vmid) : {},
    });
  }
  return {
    up: state !== undefined,
    root: local.root,
    node: local.node,
    btrfsMounted: existsSync(local.btrfsPath) && (await isMountPoint(local.btrfsPath)),
    servers,
    api: apiServerRunning(local),
    containers,
    configDir: state ? state.configDir : null,
  };
}

export function formatStatus(st: SandboxStatus): string {
  if (!st.up) return `sandbox is down (root ${st.root})\n`;
  const lines = [`sandbox root ${st.root} (node ${st.node}), btrfs storage ${st.btrfsMounted ? 'mounted' : 'NOT mounted'}`];
  for (const srv of st.servers) {
    lines.push(`server ${srv.name.padEnd(6)} ${srv.running ? `running on 127.0.0.1:${'port' in srv ? srv.port : '?'}` : 'NOT running'}`);
  }
  lines.push(`server api    ${st.api.running ? `running on https://127.0.0.1:${st.api.port} (unrot-sandbox api info)` : 'NOT running'}`);
  for (const ct of st.containers) {
    const v = Object.entries(ct.versions)
      .map(([k, val]) => `${k} ${val ?? '-'}`)
      .join(', ');
    lines.push(
      `CT ${ct.vmid} ${ct.hostname.padEnd(7)} ${ct.state.padEnd(8)} ${ct.unprivileged ? 'unprivileged' : 'privileged  '} tags ${ct.tags || '-'}  health ${ct.health.url === null ? 'n/a' : (ct.health.status ?? '-')}  ${v}`,
    );
  }
  if (st.configDir) lines.push(`unrot config: ${st.configDir}`);
  return `${lines.join('\n')}\n`;
}
