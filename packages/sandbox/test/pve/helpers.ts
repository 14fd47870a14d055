/**
 * Test helpers for the pct stand-in: a throw-away sandbox root with a real loop-mounted btrfs,
 * a cached minimal Debian rootfs, and a runner for the bins as a user would call them.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SandboxPaths, sandboxPaths } from '../../src/pve/sandbox-root.js';
import { defaultStorageCfg } from '../../src/pve/storage-cfg.js';

export const BIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin');
export const TEST_NODE = 'pve-test';
export const ROOTFS_CACHE = process.env['UNROT_TEST_ROOTFS'] || '/var/cache/unrot-sandbox/test-rootfs';

/** A minbase bookworm rootfs, built once per machine with debootstrap (about a minute) and reused. */
export function ensureTestRootfs(): string {
  if (existsSync(join(ROOTFS_CACHE, 'usr/bin/env'))) return ROOTFS_CACHE;
  mkdirSync(dirname(ROOTFS_CACHE), { recursive: true });
  // A flock on the cache serialises parallel test files: the second one finds the finished tree.
  const fd = openSync(`${ROOTFS_CACHE}.lock`, 'a');
  try {
    spawnSync('flock', ['3'], { stdio: ['ignore', 'ignore', 'inherit', fd] });
    if (!existsSync(join(ROOTFS_CACHE, 'usr/bin/env'))) {
      const tmp = `${ROOTFS_CACHE}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      const res = spawnSync('debootstrap', ['--variant=minbase', 'bookworm', tmp, 'http://deb.debian.org/debian'], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      if (res.status !== 0) throw new Error(`debootstrap of the test rootfs failed (exit ${res.status})`);
      renameSync(tmp, ROOTFS_CACHE);
    }
  } finally {
    closeSync(fd);
  }
  return ROOTFS_CACHE;
}

export interface TestSandbox {
  root: string;
  env: NodeJS.ProcessEnv;
  paths: SandboxPaths;
  cleanup(): void;
}

function must(argv: string[]): void {
  const res = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${argv.join(' ')} failed: ${res.stderr}`);
}

/** The bins run compiled code; a missing or stale dist would test old code, so fail loudly. */
export function assertBuilt(): void {
  const pkg = resolve(BIN_DIR, '..');
  const newest = (dir: string, ext: string): number =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith(ext))
      .reduce((m, e) => Math.max(m, statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs), 0);
  const dist = join(pkg, 'dist/pve');
  if (!existsSync(join(dist, 'cli/pct.js')) || newest(join(pkg, 'src/pve'), '.ts') > newest(dist, '.js')) {
    throw new Error('packages/sandbox/dist is missing or older than src/pve: run `npx tsc -p packages/sandbox` first');
  }
}

/** A sandbox root like `unrot-sandbox up` makes: storage.cfg, a loop-mounted btrfs and a dir storage. */
export function createTestSandbox(opts: { btrfs?: boolean; imageSize?: string } = {}): TestSandbox {
  assertBuilt();
  const root = mkdtempSync('/tmp/unrot-pct-test-');
  // Unprivileged CTs (uid 100000) must be able to traverse to their rootfs.
  chmodSync(root, 0o755);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    UNROT_SANDBOX_ROOT: root,
    UNROT_SANDBOX_NODE: TEST_NODE,
    PATH: `${BIN_DIR}:${process.env['PATH']}`,
  };
  const paths = sandboxPaths(env);
  mkdirSync(join(root, 'etc/pve'), { recursive: true });
  mkdirSync(paths.btrfsPath, { recursive: true });
  mkdirSync(paths.dumpDir, { recursive: true });
  writeFileSync(paths.storageCfg, defaultStorageCfg(paths));
  let mounted = false;
  if (opts.btrfs !== false) {
    const img = join(root, 'storage/btrfs.img');
    must(['truncate', '-s', opts.imageSize ?? '3G', img]);
    must(['mkfs.btrfs', '-q', img]);
    must(['mount', '-o', 'loop', img, paths.btrfsPath]);
    mounted = true;
  }
  const cleanup = () => {
    if (existsSync(paths.lxcPath)) {
      for (const name of readdirSync(paths.lxcPath)) {
        spawnSync('lxc-stop', ['-P', paths.lxcPath, '-n', name, '--kill'], { stdio: 'ignore' });
      }
    }
    if (mounted) spawnSync('umount', ['-d', paths.btrfsPath], { stdio: 'ignore' });
    rmSync(root, { recursive: true, force: true });
  };
  return { root, env, paths, cleanup };
}

export interface BinResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runBin(
  sb: { env: NodeJS.ProcessEnv },
  name: string,
  args: string[],
  input?: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<BinResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(join(BIN_DIR, name), args, {
      env: { ...sb.env, ...extraEnv },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}
