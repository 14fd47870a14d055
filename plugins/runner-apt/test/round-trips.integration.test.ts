// Issue 16, goal 2: a no-op apt container costs at most 3 execs into it. The real engine
// (runContainerPipeline, pre-flight network check on, snapshot backups) drives the real runner
// over the in-memory host, whose `pct exec` runs each argv with `chroot ROOT` in a debootstrapped
// Debian 12 root: real apt, real sh/base64/bash/timeout inside, and a real apt repository served
// by this test on 127.0.0.1 (the root's only source), so no network is needed once the root is cached.
// Needs root, debootstrap (first run), dpkg-deb and dpkg-scanpackages.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { type ContainerTask, MemoryHost, runContainerPipeline } from '@unrot/engine';
import { silentLogger } from '@unrot/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAndSimulateArgv } from '../src/argv.js';
import { discoveryArgv } from '../src/discovery.js';
import { runner } from '../src/index.js';
import { aptTask } from './apt-task.js';
import { freshRoot, removeRoot } from './debian-root.mjs';

const VMID = 101;
let root = '';
let repoDir = '';
let server: Server;
let port = 0;

/** A flat repository (Packages only, `[trusted=yes]`) holding unrot-noop-demo 1.0, which the root has installed. */
function buildRepo(dir: string): void {
  const pkg = join(dir, 'build');
  mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
  writeFileSync(
    join(pkg, 'DEBIAN/control'),
    'Package: unrot-noop-demo\nVersion: 1.0\nArchitecture: all\nMaintainer: unrot tests <unrot@localhost>\nDescription: unrot test package\n',
  );
  execFileSync('dpkg-deb', ['-Zxz', '--build', pkg, join(dir, 'unrot-noop-demo_1.0_all.deb')], { stdio: 'ignore' });
  rmSync(pkg, { recursive: true });
  writeFileSync(
    join(dir, 'Packages'),
    execFileSync('dpkg-scanpackages', ['.', '/dev/null'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }),
  );
}

/** Serves `dir` read-only, as a mirror would (404 for anything else, e.g. the Release file this flat repo lacks). */
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

/** The in-memory host; `pct exec VMID -- argv` runs `chroot ROOT argv` for real. */
function chrootHost(): MemoryHost {
  return new MemoryHost({
    containers: [{ vmid: VMID, files: {} }],
    // Asynchronous: the repository server runs in this process and must answer apt meanwhile.
    exec: ({ argv }) =>
      new Promise((resolve) => {
        execFile(
          'chroot',
          [root, ...argv],
          { encoding: 'utf8', maxBuffer: 64 << 20, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
          (error, stdout, stderr) => {
            const code = error && typeof error.code === 'number' ? error.code : error ? 255 : 0;
            resolve({ exitCode: code, stdout, stderr });
          },
        );
      }),
  });
}

const task = (stateDir: string, preflight = true): ContainerTask =>
  aptTask(
    stateDir,
    { vmid: VMID, name: 'apt-noop', runId: '20261203T100000Z-c1noop' },
    preflight ? { preflight: { maxStorageUsedPercent: 95, network: true, networkTimeoutS: 5 } } : {},
  );

async function runOnce(host: MemoryHost, preflight = true) {
  const stateDir = mkdtempSync(join(tmpdir(), 'unrot-apt-noop-'));
  try {
    return await runContainerPipeline(task(stateDir, preflight), {
      host,
      loadRunner: async () => runner,
      emit: () => undefined,
      log: silentLogger,
      signal: new AbortController().signal,
    });
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  repoDir = mkdtempSync(join(tmpdir(), 'unrot-apt-noop-repo-'));
  buildRepo(repoDir);
  server = await serve(repoDir);
  port = (server.address() as AddressInfo).port;
  root = freshRoot('round-trips', [`deb [trusted=yes] http://127.0.0.1:${port}/ ./`]);
  execFileSync('cp', [join(repoDir, 'unrot-noop-demo_1.0_all.deb'), join(root, 'tmp/')]);
  execFileSync('chroot', [root, 'dpkg', '-i', '/tmp/unrot-noop-demo_1.0_all.deb'], { stdio: 'ignore' });
  // The lists of debootstrap's own source are dropped: the local repository is the only source.
  execFileSync('chroot', [root, 'sh', '-c', 'rm -rf /var/lib/apt/lists/* && mkdir -p /var/lib/apt/lists/partial']);
});
afterAll(async () => {
  if (root) removeRoot(root);
  if (repoDir) rmSync(repoDir, { recursive: true, force: true });
  await new Promise((resolve) => server?.close(resolve));
});

describe('round trips into a no-op apt container through the engine', () => {
  it('nothing pending: 3 execs (discovery, one connect-probe batch, update + simulate), no snapshot, nothing changed', async () => {
    const host = chrootHost();
    const report = await runOnce(host);
    expect(report.outcome).toBe('nothing-to-do');
    expect(report.changingCommands).toBe(0);
    expect(report.preflight?.sources).toEqual([expect.objectContaining({ runner: 'apt', host: '127.0.0.1', port, result: 'ok' })]);
    const execs = host.calls.filter((c) => c.op === 'exec').map((c) => c.argv ?? []);
    expect(execs).toHaveLength(3);
    expect(execs[0]).toEqual(discoveryArgv());
    expect(execs[1]?.slice(0, 2)).toEqual(['sh', '-c']);
    expect(execs[1]?.slice(4)).toEqual(['5', 'bash', '4', '127.0.0.1', String(port)]);
    expect(execs[2]).toEqual(refreshAndSimulateArgv({ mode: 'upgrade', lock_timeout_s: 30 }));
    expect(host.calls.filter((c) => c.op === 'snapshot')).toEqual([]);
  });

  it('with the network pre-flight off: 2 execs', async () => {
    const host = chrootHost();
    const report = await runOnce(host, false);
    expect(report.outcome).toBe('nothing-to-do');
    expect(host.calls.filter((c) => c.op === 'exec').map((c) => c.argv?.[0])).toEqual(['env', 'sh']);
  });
});
