import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { APPS_DRILL_ROOT, APPS_DRILL_RUN_FILE, APPS_DRILL_RUN_KEY, APPS_DRILL_VARS } from './apps-drill-env.js';
import { keepDrillReport } from './keep-drill-report.js';

/** Drives the real sandbox (packages/sandbox) and the real CLI as separate processes, as a user would. */
const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const sandboxBin = join(repo, 'packages/sandbox/bin');
export const unrotBin = join(repo, 'packages/cli/bin/run.js');

/** A sandbox of its own (root and ports), so the drills never touch a developer's default sandbox. */
export const DRILL_ROOT = '/var/lib/unrot-sandbox-drills';
export const drillEnv: NodeJS.ProcessEnv = {
  ...process.env,
  UNROT_SANDBOX_ROOT: DRILL_ROOT,
  UNROT_SANDBOX_APT_PORT: '8531',
  UNROT_SANDBOX_PYPI_PORT: '8532',
  UNROT_SANDBOX_WEB_PORT: '3201',
  UNROT_SANDBOX_PY_PORT: '3202',
  // The Proxmox API front of this sandbox (a developer's default sandbox keeps 8006).
  UNROT_SANDBOX_API_PORT: '8533',
  // unrot passes none of its environment to pct/pvesh unless told: the stand-ins need the drill root.
  UNROT_HOST_TOOL_ENV: 'UNROT_SANDBOX_*',
  PATH: `${sandboxBin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
};
export const drillConfig = join(DRILL_ROOT, 'unrot-config');

export interface Proc {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `env`: another drill file's own sandbox (root and ports); drillEnv by default. `as`: another user. */
export function run(
  file: string,
  args: readonly string[],
  timeoutMs = 600_000,
  env: NodeJS.ProcessEnv = drillEnv,
  as?: { uid: number; gid: number; cwd: string },
): Promise<Proc> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, ...as });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const proc = { code: code ?? -1, stdout, stderr, ms: Date.now() - started };
      // With UNROT_DRILL_REPORTS set (npm run evidence), keep the report of every `unrot … --json`.
      if (args[0] === unrotBin) keepDrillReport(args.slice(1), proc);
      resolve(proc);
    });
  });
}

export const sandbox = (...args: string[]) => run(join(sandboxBin, 'unrot-sandbox'), args, 1_500_000);
export const pct = (...args: string[]) => run(join(sandboxBin, 'pct'), args);
export const unrot = (...args: string[]) => run(process.execPath, [unrotBin, ...args, '--config', drillConfig]);
export const unrotWith = (configDir: string, ...args: string[]) => run(process.execPath, [unrotBin, ...args, '--config', configDir]);

/** Starts `unrot` without waiting, for drills that kill it or race it. */
export function spawnUnrot(configDir: string, ...args: string[]) {
  return spawn(process.execPath, [unrotBin, ...args, '--config', configDir], { env: drillEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The JSON report `unrot … --json` printed, whatever its exit code; its output when there is none. */
export function reportOf<T>(p: Proc): T {
  try {
    return JSON.parse(p.stdout) as T;
  } catch {
    throw new Error(`unrot exited ${p.code} without a JSON report:\n${p.stderr}\n${p.stdout.slice(0, 3000)}`);
  }
}

/** A drill file's own sandbox, so drill files never share containers, ports or run locks. */
export interface OwnSandbox {
  env: NodeJS.ProcessEnv;
  sandbox: (...args: string[]) => Promise<Proc>;
  pct: (...args: string[]) => Promise<Proc>;
  /** The real CLI against this drill's config directory. */
  unrot: (...args: string[]) => Promise<Proc>;
  /** `pct exec VMID -- argv`; throws with the command's output unless it exits 0. */
  inCt: (vmid: number, ...argv: string[]) => Promise<string>;
  /** `down` then `up` (a sandbox a killed run left is not trusted); throws with `up`'s output on failure. */
  upFresh: () => Promise<Proc>;
}

export function ownSandbox(o: {
  root: string;
  config: string;
  /** UNROT_SANDBOX_* ports and any other variables the drill needs. */
  vars: Record<string, string>;
  /** Directories put before the sandbox's bin on PATH (e.g. a logging pct). */
  pathFirst?: readonly string[];
}): OwnSandbox {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    UNROT_SANDBOX_ROOT: o.root,
    ...o.vars,
    // unrot passes none of its environment to pct/pvesh unless told: the stand-ins need the drill root.
    UNROT_HOST_TOOL_ENV: 'UNROT_SANDBOX_*',
    // This sandbox is a host of its own: its run lock must not wait on another sandbox's run.
    UNROT_LOCK_DIR: join(o.root, 'run', 'unrot-locks'),
    PATH: [...(o.pathFirst ?? []), sandboxBin, process.env['PATH'] ?? '/usr/bin:/bin'].join(':'),
  };
  const sandbox = (...args: string[]) => run(join(sandboxBin, 'unrot-sandbox'), args, 1_500_000, env);
  const pct = (...args: string[]) => run(join(sandboxBin, 'pct'), args, 600_000, env);
  return {
    env,
    sandbox,
    pct,
    unrot: (...args) => run(process.execPath, [unrotBin, ...args, '--config', o.config], 900_000, env),
    inCt: async (vmid, ...argv) => {
      const r = await pct('exec', String(vmid), '--', ...argv);
      if (r.code !== 0) throw new Error(`pct exec ${vmid} -- ${argv.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    upFresh: async () => {
      await sandbox('down');
      const up = await sandbox('up');
      if (up.code !== 0) throw new Error(`unrot-sandbox up failed (${up.code}):\n${up.stderr}\n${up.stdout}`);
      return up;
    },
  };
}

/** The snapshot of CT 101 and 102 as `up` left them, taken by the first file of the run (apps-drill-env.ts). */
const APPS_DRILL_BASE = 'drillbase';
const APPS_DRILL_CTS = [101, 102] as const;

export interface AppsDrillSandbox extends OwnSandbox {
  /** A fresh sandbox as `up` leaves it: brought up (first file of the run) or reset to the snapshot taken then. */
  upOrReset: () => Promise<{ how: 'up' | 'reset'; ms: number }>;
}

export function appsDrillSandbox(o: { config: string; vars?: Record<string, string>; pathFirst?: readonly string[] }): AppsDrillSandbox {
  const own = ownSandbox({
    root: APPS_DRILL_ROOT,
    config: o.config,
    vars: { ...APPS_DRILL_VARS, ...o.vars },
    ...(o.pathFirst ? { pathFirst: o.pathFirst } : {}),
  });
  const must = async (what: string, p: Promise<Proc>): Promise<Proc> => {
    const r = await p;
    if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stderr}\n${r.stdout}`);
    return r;
  };
  const reset = async (): Promise<void> => {
    for (const vmid of APPS_DRILL_CTS) {
      const names = (await must(`pct listsnapshot ${vmid}`, own.pct('listsnapshot', String(vmid)))).stdout
        .split('\n')
        .map((l) => /`-> (\S+)/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined && n !== 'current');
      if (!names.includes(APPS_DRILL_BASE)) throw new Error(`CT ${vmid} has no snapshot ${APPS_DRILL_BASE}`);
      await must(`pct rollback ${vmid}`, own.pct('rollback', String(vmid), APPS_DRILL_BASE));
      for (const name of names)
        if (name !== APPS_DRILL_BASE) await must(`pct delsnapshot ${vmid} ${name}`, own.pct('delsnapshot', String(vmid), name));
    }
    await must('unrot-sandbox up', own.sandbox('up'));
  };
  return {
    ...own,
    upOrReset: async () => {
      const started = Date.now();
      const runId = inject(APPS_DRILL_RUN_KEY);
      if (!runId) throw new Error('the apps drill sandbox needs the globalSetup of the lxc project (test/drills/apps-drill-teardown.ts)');
      const broughtUpBy = await readFile(APPS_DRILL_RUN_FILE, 'utf8').catch(() => '');
      if (broughtUpBy === runId) {
        try {
          await reset();
          return { how: 'reset', ms: Date.now() - started };
        } catch (err) {
          // A file that failed half-way may leave a CT locked or stopped: start over rather than fail the next file.
          console.error(`apps drill sandbox: reset failed, bringing it up fresh: ${String(err)}`);
        }
      }
      await rm(APPS_DRILL_RUN_FILE, { force: true });
      await own.upFresh();
      for (const vmid of APPS_DRILL_CTS) await must(`pct snapshot ${vmid}`, own.pct('snapshot', String(vmid), APPS_DRILL_BASE));
      await writeFile(APPS_DRILL_RUN_FILE, runId);
      return { how: 'up', ms: Date.now() - started };
    },
  };
}

/** unrot's own snapshots of a container, from `pct listsnapshot` (of another drill file's sandbox: its `pct`). */
export async function ownSnapshots(vmid: number, pctOf: (...args: string[]) => Promise<Proc> = pct): Promise<string[]> {
  return (await pctOf('listsnapshot', String(vmid))).stdout
    .split('\n')
    .map((l) => /`-> (unrot-\S+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}

export async function inCt(vmid: number, ...argv: string[]): Promise<string> {
  const r = await pct('exec', String(vmid), '--', ...argv);
  if (r.code !== 0) throw new Error(`pct exec ${vmid} -- ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** What a drill compares before and after: package versions, app files, snapshots. */
export interface CtState {
  demo: string;
  app: string;
  files: string;
  snapshots: string;
}

/** `of`: another drill file's sandbox (its pct and inCt); the drills' own by default. */
export async function ctState(vmid: number, of: Pick<OwnSandbox, 'pct' | 'inCt'> = { pct, inCt }): Promise<CtState> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
  const demo = await of.inCt(vmid, 'dpkg-query', '-W', '-f=${Version}', 'unrot-sandbox-demo');
  const app =
    vmid === 101
      ? (JSON.parse(await of.inCt(101, 'cat', '/opt/web-app/node_modules/ms/package.json')) as { version: string }).version
      : ((
          JSON.parse(
            await of.inCt(102, '/opt/py-app/venv/bin/python', '-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'),
          ) as Array<{
            name: string;
            version: string;
          }>
        ).find((p) => p.name === 'unrot-demo-lib')?.version ?? 'missing');
  const files =
    vmid === 101
      ? await of.inCt(101, 'md5sum', '/var/lib/dpkg/status', '/opt/web-app/package.json', '/opt/web-app/package-lock.json')
      : await of.inCt(102, 'md5sum', '/var/lib/dpkg/status', '/opt/py-app/server.py');
  const snapshots = (await of.pct('listsnapshot', String(vmid))).stdout;
  return { demo, app, files, snapshots };
}

export async function health(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}
