// Canary pins in apply (SDK 1.2 `pinsVersions`): a wave held to the canary's version installs
// `name=version`, so a version published between check and apply cannot slip in. The real engine
// (runContainerPipeline with the canary's pins) drives the real runner over the in-memory host,
// whose `pct exec` runs each argv with `chroot ROOT` in a debootstrapped Debian 12 root (real
// apt 2.6), against a flat repository served by this test on 127.0.0.1. Right after check's
// update + simulate, the test publishes unrot-pin-demo 1.2 and runs `apt-get update` in the root,
// as apt-daily.service would in a container: apt's candidate at apply time is then 1.2.
// Needs root, debootstrap (first run), dpkg-deb and dpkg-scanpackages.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { type ContainerTask, MemoryHost, runContainerPipeline } from '@unrot/engine';
import { type Runner, silentLogger } from '@unrot/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { aptTask } from './apt-task.js';
import { freshRoot, removeRoot } from './debian-root.mjs';

const VMID = 102;
const PKG = 'unrot-pin-demo';
let repoDir = '';
let server: Server;
let port = 0;
const roots: string[] = [];

function buildDeb(dir: string, version: string): void {
  const pkg = join(dir, `build-${version}`);
  mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
  writeFileSync(
    join(pkg, 'DEBIAN/control'),
    `Package: ${PKG}\nVersion: ${version}\nArchitecture: all\nMaintainer: unrot tests <unrot@localhost>\nDescription: unrot test package\n`,
  );
  execFileSync('dpkg-deb', ['-Zxz', '--build', pkg, join(dir, `${PKG}_${version}_all.deb`)], { stdio: 'ignore' });
  rmSync(pkg, { recursive: true });
}

/** (Re)indexes the flat repository: every .deb in it, all versions (--multiversion). */
function index(dir: string): void {
  writeFileSync(
    join(dir, 'Packages'),
    execFileSync('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }),
  );
}

function serve(dir: string): Promise<Server> {
  const s = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    try {
      const body = readFileSync(join(dir, path));
      res.writeHead(200, { 'content-length': body.length }).end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

const chroot = (root: string, argv: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      'chroot',
      [root, ...argv],
      { encoding: 'utf8', maxBuffer: 64 << 20, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
      (e, stdout, stderr) => resolve({ exitCode: e && typeof e.code === 'number' ? e.code : e ? 255 : 0, stdout, stderr }),
    );
  });

/** A root with unrot-pin-demo 1.0 installed, the repository offering 1.0 and 1.1 as its only source. */
function pinRoot(name: string): string {
  const root = freshRoot(name, [`deb [trusted=yes] http://127.0.0.1:${port}/ ./`]);
  roots.push(root);
  execFileSync('cp', [join(repoDir, `${PKG}_1.0_all.deb`), join(root, 'tmp/')]);
  execFileSync('chroot', [root, 'dpkg', '-i', `/tmp/${PKG}_1.0_all.deb`], { stdio: 'ignore' });
  // As if a dependency had pulled it in: what naming it in `apt-get install` does to the mark is measured below.
  execFileSync('chroot', [root, 'apt-mark', 'auto', PKG], { stdio: 'ignore' });
  execFileSync('chroot', [root, 'sh', '-c', 'rm -rf /var/lib/apt/lists/* && mkdir -p /var/lib/apt/lists/partial']);
  return root;
}

/** `pct exec` is `chroot ROOT`; after check's first update + simulate, 1.2 is published and the root's lists refreshed. */
function racingHost(root: string): MemoryHost {
  let published = false;
  return new MemoryHost({
    containers: [{ vmid: VMID, files: {} }],
    exec: async ({ argv }) => {
      const r = await chroot(root, argv);
      if (!published && argv[0] === 'sh' && argv[3] === 'unrot-apt-check') {
        published = true;
        buildDeb(repoDir, '1.2');
        index(repoDir);
        const update = await chroot(root, ['apt-get', 'update', '-q']);
        if (update.exitCode !== 0) throw new Error(`apt-get update in the root failed: ${update.stderr}`);
      }
      return r;
    },
  });
}

// What the canary (wave 1) installed: the engine holds this wave to it.
const task = (stateDir: string): ContainerTask =>
  aptTask(stateDir, { vmid: VMID, name: 'wave2', runId: '20261203T140000Z-c1a2b3' }, { canaryPins: { apt: { [PKG]: ['1.1'] } } });

async function runWave2(root: string, module: Runner) {
  const stateDir = mkdtempSync(join(tmpdir(), 'unrot-apt-pins-'));
  const host = racingHost(root);
  try {
    const report = await runContainerPipeline(task(stateDir), {
      host,
      loadRunner: async () => module,
      emit: () => undefined,
      log: silentLogger,
      signal: new AbortController().signal,
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    const installed = (await chroot(root, ['dpkg-query', '-W', '-f=${Version}', PKG])).stdout;
    const candidate = /Candidate: (\S+)/.exec((await chroot(root, ['apt-cache', 'policy', PKG])).stdout)?.[1];
    const auto = (await chroot(root, ['apt-mark', 'showauto', PKG])).stdout.trim() === PKG;
    return { report, installed, candidate, auto, execs: host.calls.filter((c) => c.op === 'exec').map((c) => c.argv ?? []) };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  repoDir = mkdtempSync(join(tmpdir(), 'unrot-apt-pins-repo-'));
  buildDeb(repoDir, '1.0');
  buildDeb(repoDir, '1.1');
  index(repoDir);
  server = await serve(repoDir);
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const root of roots) removeRoot(root);
  if (repoDir) rmSync(repoDir, { recursive: true, force: true });
  await new Promise((resolve) => server?.close(resolve));
});

/** Each test starts with the repository offering 1.0 and 1.1 only. */
function unpublish12(): void {
  rmSync(join(repoDir, `${PKG}_1.2_all.deb`), { force: true });
  index(repoDir);
}

describe('apt: canary pins reach apply', () => {
  it('held to the canary, apply installs unrot-pin-demo=1.1 although apt offers 1.2 by then; verify withholds 1.2', async () => {
    unpublish12();
    const { report, installed, candidate, auto, execs } = await runWave2(pinRoot('pins-exact'), runner);
    expect(report.error, JSON.stringify(report)).toBeUndefined();
    expect(report.runners[0]?.updates).toEqual([{ name: PKG, from: '1.0', to: '1.1' }]);
    const planned = report.runners[0]?.plan[0]?.argv ?? [];
    expect(planned.slice(-3)).toEqual(['install', '--only-upgrade', `${PKG}=1.1`]);
    expect(execs).toContainEqual(planned);
    expect(candidate).toBe('1.2');
    expect(installed).toBe('1.1');
    expect(report.runners[0]?.changed).toEqual([{ name: PKG, from: '1.0', to: '1.1' }]);
    expect(report.outcome).toBe('updated');
    // The cost of naming it (readme): apt marks the automatically installed package manual.
    expect(auto).toBe(false);
  });

  it('the same race without pin support: `apt-get upgrade` takes the candidate, 1.2 (what pinsVersions prevents)', async () => {
    unpublish12();
    const unpinned = { ...runner, pinsVersions: false } as Runner;
    const { report, installed, auto } = await runWave2(pinRoot('pins-none'), unpinned);
    expect(auto).toBe(true);
    expect(report.runners[0]?.plan[0]?.argv.at(-1)).toBe('upgrade');
    expect(installed).toBe('1.2');
    expect(report.runners[0]?.changed).toEqual([{ name: PKG, from: '1.0', to: '1.2' }]);
  });
});
