// The environment every go command of the tests and the fixture recorder runs in: caches, GOPATH,
// HOME and go's own config file (GOENV) under one temp root, so the machine's ~/go, ~/.cache and
// ~/.config/go/env are never read or written.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * GONOSUMDB=example.test: the demo modules exist only on the local proxy, so go must not ask
 * sum.golang.org for their checksums (it would fail: "verifying module: … 404/410"). Only those
 * modules are exempt; GOSUMDB stays at its default for everything else. (There is no
 * GONOSUMCHECK variable: `go env -json GONOSUMCHECK` prints "" for any unknown name.)
 * GOFLAGS=-mod=mod is a GOFLAGS a container may well carry; the runner must work under it.
 */
export function goEnv(root, proxyUrl, extra = {}) {
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: join(root, 'home'),
    GOPATH: join(root, 'gopath'),
    GOCACHE: join(root, 'gocache'),
    GOMODCACHE: join(root, 'gomodcache'),
    GOENV: join(root, 'goenv'),
    GOTMPDIR: '',
    GOPROXY: proxyUrl,
    GONOSUMDB: 'example.test',
    GOFLAGS: '-mod=mod',
    GOTOOLCHAIN: 'local',
    ...extra,
  };
  mkdirSync(env.HOME, { recursive: true });
  return env;
}

/**
 * Installs a package version into bindir with the real go, as a user would. Asynchronous: the
 * proxy may be served by this same process, which a synchronous child would block.
 */
export async function goInstall(env, bindir, spec) {
  await run('go', ['install', spec], { env: { ...env, GOBIN: bindir } });
}

/** go version -m FILE's main module line: [module, version]. */
export function moduleOf(env, file) {
  const out = execFileSync('go', ['version', '-m', file], { env, encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.startsWith('\tmod\t'));
  const path = out.split('\n').find((l) => l.startsWith('\tpath\t'));
  return { path: path?.split('\t')[2], module: line?.split('\t')[2], version: line?.split('\t')[3] };
}

/** sha256 of every file under dir (path → hash): proves a step changed nothing there. */
export function hashTree(dir) {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}
