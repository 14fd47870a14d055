import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { configExists } from '../pve/config-store.js';
import { createContainer, destroyContainer } from '../pve/create-container.js';
import { buildAptRepo } from './apt-repo.js';
import { ensureRunning, httpJson, waitFor } from './ct.js';
import { PY_RAW_LXC, PY_VMID, provisionPyCt } from './py-ct.js';
import { demoWheels, writeSimpleIndex } from './py-index.js';
import { ensureServer } from './servers.js';
import type { SandboxSettings } from './settings.js';
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

function containerSpecs(s: SandboxSettings): SandboxState['containers'] {
  return [
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
}

/** The ports are baked into the CTs (apt source, pip.conf, app units), so they cannot change under an existing sandbox. */
function assertSamePorts(previous: SandboxState | undefined, s: SandboxSettings): void {
  if (!previous) return;
  const was = [previous.servers.apt.port, previous.servers.pypi.port, ...previous.containers.map((c) => c.health)];
  const now = [s.aptPort, s.pypiPort, ...containerSpecs(s).map((c) => c.health)];
  if (JSON.stringify(was) !== JSON.stringify(now)) {
    throw new UnrotError(
      'E_CONFIG',
      `the sandbox at ${s.paths.root} was made with other ports (apt ${was[0]}, pypi ${was[1]}, ${was.slice(2).join(', ')}); use the same UNROT_SANDBOX_*_PORT values or run down first`,
    );
  }
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
  assertSamePorts(previous, s);
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

  const state: SandboxState = {
    version: 1,
    root: paths.root,
    node: paths.node,
    templateDir: template.dir,
    cacheDir: s.cacheDir,
    servers: { apt: { port: s.aptPort, dir: s.aptDir }, pypi: { port: s.pypiPort, dir: s.pypiDir } },
    containers: containerSpecs(s).map((c) => ({
      ...c,
      provisioned: previous?.containers.find((p) => p.vmid === c.vmid)?.provisioned ?? false,
    })),
    configDir: s.configDir,
    updatedAt: new Date().toISOString(),
  };
  const created: number[] = [];
  const startedCts: number[] = [];
  for (const ct of state.containers) {
    await step(`CT ${ct.vmid}`, async () => {
      if (ct.provisioned && configExists(paths, ct.vmid)) {
        if (await ensureRunning(paths, ct.vmid)) startedCts.push(ct.vmid);
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
        description: `unrot sandbox demo CT (${ct.init === 'systemd' ? 'npm app under systemd' : 'Python app, launcher as init'})`,
        rawLxc: ct.vmid === PY_VMID ? PY_RAW_LXC : [['lxc.net.0.type', 'none']],
      });
      await writeState(s.stateFile, state);
      if (ct.vmid === WEB_VMID) await provisionWebCt(s, log);
      else await provisionPyCt(s, log);
      ct.provisioned = true;
      created.push(ct.vmid);
      await writeState(s.stateFile, state);
    });
  }
  await step('health', async () => {
    for (const ct of state.containers) {
      const ok = await waitFor(async () => (await httpJson(ct.health)).status === 200, 30_000);
      if (!ok) throw new UnrotError('E_EXEC_FAILED', `CT ${ct.vmid}: ${ct.health} does not answer 200`);
    }
  });
  await writeUnrotConfig(s);
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
