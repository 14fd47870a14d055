import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { ensureApiServer } from '../pve/api/daemon.js';
import { nodeOf, nodePaths, readCluster } from '../pve/cluster.js';
import { configExists } from '../pve/config-store.js';
import { createContainer, destroyContainer } from '../pve/create-container.js';
import { isUnifiedCgroup } from '../pve/lxc.js';
import { buildAptRepo } from './apt-repo.js';
import { ensureRunning, httpJson, waitFor } from './ct.js';
import { DOCKER_HOSTNAME, DOCKER_VMID, dockerRawLxc, provisionDockerCt } from './docker-ct.js';
import { LANG_HOSTNAME, LANG_VMID, provisionLangCt } from './lang-ct.js';
import { buildLangSource, LANG_SOURCES, langServerName, langSourceDir, langSourcePort, langSourceReady } from './lang-sources.js';
import { DNF_VMID, OS_VMIDS, osCtHostname, provisionDnfCt, provisionPacmanCt } from './os-ct.js';
import { ensureOsPackages } from './os-packages.js';
import { buildPacmanRepo, buildRpmRepo, repoReady } from './os-repos.js';
import { PY_RAW_LXC, PY_VMID, provisionPyCt } from './py-ct.js';
import { demoWheels, writeSimpleIndex } from './py-index.js';
import { ensureServer } from './servers.js';
import { CT_GROUPS, type CtGroup, type SandboxSettings } from './settings.js';
import { readState, type SandboxState, writeState } from './state.js';
import { ensureStorage } from './storage.js';
import { ensureTemplate } from './template.js';
import { writeUnrotConfig } from './unrot-config.js';
import { provisionWebCt, WEB_VMID } from './web-ct.js';

export interface UpResult {
  seconds: number;
  templateBuilt: boolean;
  templateSeconds: number;
  created: number[];
  started: number[];
  steps: Array<{ step: string; seconds: number }>;
}

/** Proxmox keeps unprivileged CTs' ids in root's subordinate range; LXC needs it to map them. */
async function ensureSubIds(): Promise<void> {
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const text = existsSync(file) ? await readFile(file, 'utf8') : '';
    if (!text.split('\n').some((l) => l.trim() === 'root:100000:65536')) {
      await appendFile(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}root:100000:65536\n`);
    }
  }
}

function containerSpecs(s: SandboxSettings, groups: readonly CtGroup[]): SandboxState['containers'] {
  const apps: SandboxState['containers'] = [
    {
      vmid: WEB_VMID,
      hostname: 'web101',
      tags: ['prod', 'web'],
      unprivileged: false,
      storage: 'local-btrfs',
      init: 'systemd',
      health: `http://127.0.0.1:${s.webPort}/health`,
      provisioned: false,
    },
    {
      vmid: PY_VMID,
      hostname: 'py102',
      tags: ['py'],
      unprivileged: true,
      storage: 'local-btrfs',
      init: 'launcher',
      health: `http://127.0.0.1:${s.pyPort}/health`,
      provisioned: false,
    },
  ];
  const os: SandboxState['containers'] = OS_VMIDS.map((vmid) => ({
    vmid,
    hostname: osCtHostname(vmid),
    tags: ['os', vmid === DNF_VMID ? 'dnf' : 'pacman'],
    unprivileged: false,
    storage: 'local-btrfs',
    init: 'systemd' as const,
    health: null,
    provisioned: false,
  }));
  const docker: SandboxState['containers'] = [
    {
      vmid: DOCKER_VMID,
      hostname: DOCKER_HOSTNAME,
      tags: ['docker'],
      unprivileged: false,
      storage: 'local-btrfs',
      init: 'systemd',
      health: `http://127.0.0.1:${s.dockerAppPort}/health`,
      provisioned: false,
    },
  ];
  return [
    ...(groups.includes('apps') ? apps : []),
    ...(groups.includes('os') ? os : []),
    ...(groups.includes('docker') ? docker : []),
    ...(groups.includes('lang') ? [langCtSpec()] : []),
  ];
}

/** CT 106: no HTTP app; its health checks are command probes that run each app (unrot-config.ts). */
function langCtSpec(): SandboxState['containers'][number] {
  return {
    vmid: LANG_VMID,
    hostname: LANG_HOSTNAME,
    tags: ['lang'],
    unprivileged: false,
    storage: 'local-btrfs',
    init: 'systemd',
    health: null,
    provisioned: false,
  };
}

/** The groups asked for plus those the sandbox already has: `up` never drops containers (`down` does). */
export function effectiveGroups(requested: readonly CtGroup[], previous: SandboxState | undefined): CtGroup[] {
  const had = previous ? (previous.groups ?? ['apps']) : [];
  return CT_GROUPS.filter((g) => requested.includes(g) || had.includes(g));
}

function portsOf(state: SandboxState): Record<string, number | string> {
  const out: Record<string, number | string> = { apt: state.servers.apt.port, pypi: state.servers.pypi.port };
  if (state.servers.rpm) out['rpm'] = state.servers.rpm.port;
  if (state.servers.pacman) out['pacman'] = state.servers.pacman.port;
  for (const name of ['composer', 'gem', 'goproxy', 'flatpak'] as const) {
    const server = state.servers[name];
    if (server) out[name] = server.port;
  }
  for (const c of state.containers) if (c.health) out[`CT ${c.vmid} health`] = c.health;
  if (state.servers.registry) out['registry'] = state.servers.registry.port;
  return out;
}

/** The ports are baked into the CTs (apt/dnf/pacman sources, pip.conf, app units), so they cannot change under an existing sandbox. */
function assertSamePorts(previous: SandboxState | undefined, planned: SandboxState): void {
  if (!previous) return;
  const was = portsOf(previous);
  const now = portsOf(planned);
  const changed = Object.keys(was).filter((k) => k in now && was[k] !== now[k]);
  if (changed.length > 0) {
    throw new UnrotError(
      'E_CONFIG',
      `the sandbox at ${planned.root} was made with other ports (${changed.map((k) => `${k} ${was[k]}, now ${now[k]}`).join('; ')}); use the same UNROT_SANDBOX_*_PORT values or run down first`,
    );
  }
}

function describeCt(vmid: number): string {
  if (vmid === WEB_VMID) return 'unrot sandbox demo CT (npm app under systemd)';
  if (vmid === PY_VMID) return 'unrot sandbox demo CT (Python app, launcher as init)';
  if (vmid === LANG_VMID) return 'unrot sandbox lang CT (Debian 12 with Composer, Bundler, Go and flatpak apps over local sources)';
  if (vmid === DOCKER_VMID) return 'unrot sandbox Docker-in-LXC CT (dockerd, a registry, demo-web and a compose project)';
  return `unrot sandbox OS CT (Debian 12 with ${vmid === DNF_VMID ? 'dnf and rpm' : 'pacman'}, over a local repository)`;
}

/**
 * Brings the sandbox to its defined state; every step checks first, so a second `up` only
 * (re)starts what is not running. A CT whose provisioning never finished is rebuilt.
 */
export async function up(s: SandboxSettings, log: (line: string) => void = () => {}): Promise<UpResult> {
  if (process.getuid?.() !== 0) throw new UnrotError('E_USAGE', 'unrot-sandbox up must run as root (LXC, loop mounts, btrfs)');
  const started = Date.now();
  const steps: UpResult['steps'] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const out = await fn();
    steps.push({ step: name, seconds: (Date.now() - t) / 1000 });
    return out;
  };
  const { paths } = s;
  const previous = await readState(s.stateFile);
  const groups = effectiveGroups(s.groups, previous);
  const withOs = groups.includes('os');
  const withDocker = groups.includes('docker');
  const withLang = groups.includes('lang');
  const planned: SandboxState = {
    version: 1,
    root: paths.root,
    node: paths.node,
    templateDir: '',
    cacheDir: s.cacheDir,
    groups,
    servers: {
      apt: { port: s.aptPort, dir: s.aptDir },
      pypi: { port: s.pypiPort, dir: s.pypiDir },
      ...(withOs ? { rpm: { port: s.rpmPort, dir: s.rpmDir }, pacman: { port: s.pacmanPort, dir: s.pacmanDir } } : {}),
      ...(withLang
        ? {
            composer: { port: s.composerPort, dir: s.composerDir },
            gem: { port: s.gemPort, dir: s.gemDir },
            goproxy: { port: s.goproxyPort, dir: s.goproxyDir },
            flatpak: { port: s.flatpakPort, dir: s.flatpakDir },
          }
        : {}),
      // Served by docker-registry inside CT 105 (its data is in the CT's rootfs), not by the host.
      ...(withDocker ? { registry: { port: s.registryPort, dir: '/var/lib/docker-registry' } } : {}),
    },
    containers: containerSpecs(s, groups).map((c) => ({
      ...c,
      provisioned: previous?.containers.find((p) => p.vmid === c.vmid)?.provisioned ?? false,
    })),
    configDir: s.configDir,
    updatedAt: new Date().toISOString(),
  };
  assertSamePorts(previous, planned);
  await ensureSubIds();
  const template = await step('template', () => ensureTemplate(s.cacheDir, log));
  await step('storage', () => ensureStorage(paths));

  await step('apt repo', async () => {
    if (!existsSync(join(s.aptDir, 'Release'))) await buildAptRepo(s.aptDir);
    await ensureServer(s.serverRunDir, s.logDir, 'apt', s.aptDir, s.aptPort);
  });
  await step('python index', async () => {
    if (!existsSync(join(s.pypiDir, 'simple', 'index.html'))) await writeSimpleIndex(s.pypiDir, await demoWheels());
    await ensureServer(s.serverRunDir, s.logDir, 'pypi', s.pypiDir, s.pypiPort);
  });
  // The Proxmox API front (docs/sandbox.md): a port taken by another sandbox's API is logged, not fatal.
  await step('api', () => ensureApiServer(paths, { port: s.apiPort, skipIfPortTaken: true, log }));
  if (withOs) {
    await step('rpm + pacman repos', async () => {
      if (!repoReady('rpm', s.rpmDir) || !repoReady('pacman', s.pacmanDir)) {
        const packages = await ensureOsPackages(s.cacheDir, log);
        if (!repoReady('rpm', s.rpmDir)) await buildRpmRepo(s.rpmDir, packages.dir);
        if (!repoReady('pacman', s.pacmanDir)) await buildPacmanRepo(s.pacmanDir, packages.dir);
      }
      await ensureServer(s.serverRunDir, s.logDir, 'rpm', s.rpmDir, s.rpmPort);
      await ensureServer(s.serverRunDir, s.logDir, 'pacman', s.pacmanDir, s.pacmanPort);
    });
  }

  if (withLang) {
    await step('lang sources', async () => {
      for (const source of LANG_SOURCES) {
        if (!langSourceReady(s, source)) await buildLangSource(s, source);
        await ensureServer(s.serverRunDir, s.logDir, langServerName(source), langSourceDir(s, source), langSourcePort(s, source));
      }
    });
  }

  const state: SandboxState = { ...planned, templateDir: template.dir };
  const created: number[] = [];
  const startedCts: number[] = [];
  // CT 103 and 104 are provisioned side by side: both mostly wait on Debian's mirror.
  let saving = Promise.resolve();
  const save = () => {
    saving = saving.then(() => writeState(s.stateFile, state));
    return saving;
  };
  const ensureCt = async (ct: SandboxState['containers'][number]): Promise<void> => {
    // A CT migrated to another node of the sandbox's cluster is still this sandbox's CT.
    const cluster = readCluster(paths.root);
    const node = cluster ? nodeOf(paths, cluster, ct.vmid) : undefined;
    const onNode = node ? nodePaths(paths, node) : paths;
    if (ct.provisioned && configExists(onNode, ct.vmid)) {
      if (await ensureRunning(onNode, ct.vmid)) startedCts.push(ct.vmid);
      return;
    }
    if (configExists(paths, ct.vmid)) {
      log(`CT ${ct.vmid}: left unprovisioned by an earlier run; recreating`);
      await destroyContainer(paths, ct.vmid);
    }
    log(`CT ${ct.vmid}: creating ${ct.hostname}`);
    await createContainer(paths, {
      vmid: ct.vmid,
      hostname: ct.hostname,
      tags: ct.tags,
      unprivileged: ct.unprivileged,
      storage: 'local-btrfs',
      templateDir: template.dir,
      memory: 1024,
      cores: 2,
      description: describeCt(ct.vmid),
      rawLxc: ct.vmid === PY_VMID ? PY_RAW_LXC : ct.vmid === DOCKER_VMID ? dockerRawLxc(isUnifiedCgroup()) : [['lxc.net.0.type', 'none']],
      ...(ct.vmid === DOCKER_VMID ? { features: 'nesting=1' } : {}),
    });
    await save();
    if (ct.vmid === WEB_VMID) await provisionWebCt(s, log);
    else if (ct.vmid === PY_VMID) await provisionPyCt(s, log);
    else if (ct.vmid === DOCKER_VMID) await provisionDockerCt(s, log);
    else if (ct.vmid === LANG_VMID) await provisionLangCt(s, log);
    else if (ct.vmid === DNF_VMID) await provisionDnfCt(s, log);
    else await provisionPacmanCt(s, log);
    ct.provisioned = true;
    created.push(ct.vmid);
    await save();
  };
  for (const ct of state.containers.filter((c) => c.health !== null)) await step(`CT ${ct.vmid}`, () => ensureCt(ct));
  const osCts = state.containers.filter((c) => c.health === null);
  if (osCts.length > 0) await step(`CT ${osCts.map((c) => c.vmid).join('+')}`, async () => void (await Promise.all(osCts.map(ensureCt))));
  await step('health', async () => {
    for (const ct of state.containers) {
      const url = ct.health;
      if (url === null) continue;
      const ok = await waitFor(async () => (await httpJson(url)).status === 200, 30_000);
      if (!ok) throw new UnrotError('E_EXEC_FAILED', `CT ${ct.vmid}: ${url} does not answer 200`);
    }
  });
  await writeUnrotConfig(
    s,
    state.containers.map((c) => c.vmid),
  );
  await saving;
  await writeState(s.stateFile, state);
  return {
    seconds: (Date.now() - started) / 1000,
    templateBuilt: template.built,
    templateSeconds: template.seconds,
    created,
    started: startedCts,
    steps,
  };
}
