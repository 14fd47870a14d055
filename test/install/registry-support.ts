import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A real npm registry (Verdaccio, a root devDependency) on 127.0.0.1, started and stopped by the test. */
export interface Registry {
  url: string;
  process: ChildProcess;
  /** Publish token of the test user; kept in the temp .npmrc only, never logged. */
  token: string;
}

/**
 * `@unrot/*` and `@acme/*` live only here (publish needs the test user); every other package is
 * proxied from registry.npmjs.org, so `npm install -g @unrot/cli` pulls oclif and friends as usual.
 */
export function verdaccioConfig(dir: string, port: number): string {
  return [
    `storage: ${join(dir, 'storage')}`,
    'auth:',
    '  htpasswd:',
    `    file: ${join(dir, 'htpasswd')}`,
    '    max_users: 1',
    'uplinks:',
    '  npmjs:',
    '    url: https://registry.npmjs.org/',
    '    timeout: 60s',
    'packages:',
    "  '@unrot/*':",
    '    access: $all',
    '    publish: $authenticated',
    "  '@acme/*':",
    '    access: $all',
    '    publish: $authenticated',
    "  '**':",
    '    access: $all',
    '    proxy: npmjs',
    `listen: 127.0.0.1:${port}`,
    'log: { type: stdout, format: pretty, level: warn }',
    '',
  ].join('\n');
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`verdaccio did not answer ${url}-/ping within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Starts Verdaccio in its own process group (stopRegistry kills the group) and adds the test user. */
export async function startRegistry(dir: string, port: number, verdaccioBin: string): Promise<Registry> {
  const config = join(dir, 'config.yaml');
  await writeFile(config, verdaccioConfig(dir, port));
  const log = openSync(join(dir, 'verdaccio.log'), 'a');
  const child = spawn(process.execPath, [verdaccioBin, '--config', config], { detached: true, stdio: ['ignore', log, log] });
  const url = `http://127.0.0.1:${port}/`;
  try {
    await waitForPing(url, 60_000);
    // npm adduser's own request (CouchDB user document); answers with a bearer token.
    const user = 'unrot-install-test';
    const res = await fetch(`${url}-/user/org.couchdb.user:${user}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: user, password: createHash('sha256').update(String(Math.random())).digest('hex'), type: 'user' }),
    });
    const body = (await res.json()) as { token?: string };
    if (!res.ok || !body.token) throw new Error(`verdaccio refused the test user: HTTP ${res.status}`);
    return { url, process: child, token: body.token };
  } catch (err) {
    stopRegistry(child);
    throw err;
  }
}

export function stopRegistry(child: ChildProcess | undefined): void {
  if (child?.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** The .npmrc lines the README tells a user to add for a private registry, plus the publish token. */
export function npmrc(registry: Registry): string {
  const hostPath = registry.url.replace(/^https?:/, '');
  return [`@unrot:registry=${registry.url}`, `@acme:registry=${registry.url}`, `${hostPath}:_authToken=${registry.token}`, ''].join('\n');
}

/** The host's env for npm without anything a parent `npm test` exported (npm_config_*, npm_package_*). */
export function cleanNpmEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** The fenced blocks of README.md preceded by the install-test marker, as commands (one per line, comments dropped). */
export function readmeInstallBlocks(readme: string): string[][][] {
  const blocks: string[][][] = [];
  const re = /<!-- install-test[^>]*-->\s*```sh\n([\s\S]*?)```/g;
  for (const m of readme.matchAll(re)) {
    const lines = (m[1] ?? '')
      .split('\n')
      .map((l) =>
        l
          .replace(/\s+#.*$/, '')
          .replace(/^#.*$/, '')
          .trim(),
      )
      .filter((l) => l !== '');
    blocks.push(lines.map((l) => l.split(/\s+/)));
  }
  return blocks;
}

/** One hash over files given as path + content (order-independent), to compare a tree before and after. */
export function treeHash(entries: Array<{ path: string; content: string }>): string {
  const h = createHash('sha256');
  for (const e of [...entries].sort((a, b) => a.path.localeCompare(b.path))) h.update(`${e.path}\0${e.content}\0`);
  return h.digest('hex');
}

export async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}
