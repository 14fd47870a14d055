// sources() against the real npm 11 of this machine and real yarn 1.22 / pnpm 9 (installed from
// the registry into a temp dir), on temp projects with .npmrc/.yarnrc files as apps keep them.
// The last block checks the claims for real: each tool is made to fetch (runner.check) with the
// same configuration, and local servers on 127.0.0.1 record where its requests really went.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@unrot/sdk';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { inNoProxy } from '../src/no-proxy.js';
import { parseNpmConfigList, parseYarnConfigList } from '../src/registry-config.js';
import { contextFor } from './support/context.js';
import { installTools, makeProject, toolEnv } from './support/projects.mjs';

const root = mkdtempSync(join(tmpdir(), 'unrot-runner-npm-src-'));
const { env: installEnv, toolsBin, globalPrefix } = toolEnv(root);
const nodeBin = process.execPath.replace(/\/node$/, '');
// Like the engine's environment for `pct exec` (PATH, HOME, C locale), plus npm's global prefix
// in the temp root so the host's own global npmrc stays out of the test.
const env = {
  PATH: `${toolsBin}:${nodeBin}:/usr/bin:/bin`,
  HOME: join(root, 'home'),
  LANG: 'C',
  LC_ALL: 'C',
  npm_config_prefix: globalPrefix,
  npm_config_update_notifier: 'false',
  YARN_CACHE_FOLDER: join(root, 'yarn-cache'),
  npm_config_cache: join(root, 'npm-cache'),
};

function project(name: string, files: Record<string, string> = {}, lockfile = 'package-lock.json'): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', license: 'MIT', private: true }));
  writeFileSync(join(dir, lockfile), lockfile.endsWith('.json') ? '{}' : '');
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

function run(options: Parameters<typeof contextFor>[1]) {
  const exec = createLocalExec({ env, cwd: '/' });
  const warnings: string[] = [];
  const ctx = contextFor(exec, options);
  const log: Logger = { ...ctx.log, warn: (obj, msg) => warnings.push(typeof obj === 'string' ? obj : (msg ?? JSON.stringify(obj))) };
  return { exec, warnings, sources: () => runner.sources?.({ ...ctx, log }) ?? Promise.resolve([]) };
}

beforeAll(() => installTools(root, installEnv), 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('npm projects and npm -g (real npm)', () => {
  it('the default registry, read with the same --prefix the runner uses for every other command', async () => {
    const dir = project('plain');
    const { exec, sources } = run({ projects: [dir] });
    expect(await sources()).toEqual([
      { host: 'registry.npmjs.org', port: 443, origin: `registry https://registry.npmjs.org/ (npm --prefix ${dir} config get)` },
    ]);
    expect(exec.records.map((r) => r.argv)).toContainEqual([
      'npm',
      '--prefix',
      dir,
      'config',
      'get',
      'registry',
      'https-proxy',
      'proxy',
      'noproxy',
    ]);
    expect(exec.records.every((r) => r.kind === 'read')).toBe(true);
  });

  it("a project's .npmrc registry with an explicit port; two projects on one registry give one endpoint", async () => {
    const a = project('reg-a', { '.npmrc': 'registry=http://127.0.0.1:4873/\n' });
    const b = project('reg-b', { '.npmrc': 'registry=http://127.0.0.1:4873/\n' });
    expect(await run({ projects: [a, b] }).sources()).toEqual([
      { host: '127.0.0.1', port: 4873, origin: `registry http://127.0.0.1:4873/ (npm --prefix ${a} config get)` },
    ]);
  });

  it('an https-proxy with credentials (npm 11 refuses to print it) is read redacted from npm config list', async () => {
    const dir = project('proxy', { '.npmrc': 'https-proxy=http://unrot:s3cret@proxy.example:3128\n' });
    const { exec, sources } = run({ projects: [dir] });
    const endpoints = await sources();
    expect(endpoints).toEqual([
      {
        host: 'proxy.example',
        port: 3128,
        origin: `https-proxy http://***@proxy.example:3128 (npm --prefix ${dir} config list), for registry https://registry.npmjs.org/`,
      },
    ]);
    expect(exec.records.map((r) => r.argv.slice(-2))).toContainEqual(['config', 'list']);
    expect(JSON.stringify(endpoints)).not.toContain('s3cret');
  });

  it('noproxy naming the registry host sends it direct; IPv6 registry literal', async () => {
    const dir = project('noproxy', { '.npmrc': 'registry=http://[::1]:4873/\nproxy=http://proxy.example:3128\nnoproxy=localhost,::1\n' });
    const other = project('noproxy-miss', {
      '.npmrc': 'registry=https://npm.internal.example/\nproxy=http://proxy.example:3128\nnoproxy=.other.example\n',
    });
    expect((await run({ projects: [dir, other] }).sources()).map((e) => `${e.host} ${e.port}`)).toEqual(['::1 4873', 'proxy.example 3128']);
  });

  it('npm -g (global: true) reads npm without --prefix, as `npm outdated -g` runs', async () => {
    mkdirSync(join(globalPrefix, 'etc'), { recursive: true });
    writeFileSync(join(globalPrefix, 'etc', 'npmrc'), 'registry=https://npm.internal.example:8443/\n');
    try {
      const { exec, sources } = run({ global: true });
      expect(await sources()).toEqual([
        { host: 'npm.internal.example', port: 8443, origin: 'registry https://npm.internal.example:8443/ (npm config get)' },
      ]);
      expect(exec.records.map((r) => r.argv)).toContainEqual(['npm', 'config', 'get', 'registry', 'https-proxy', 'proxy', 'noproxy']);
    } finally {
      rmSync(join(globalPrefix, 'etc', 'npmrc'));
    }
  });

  it('a project detect would refuse is skipped with a warning; a registry that is no plain host is not returned', async () => {
    // (`;` would start an ini comment in .npmrc, so the hostile registry uses `$(…)`.)
    const odd = project('odd', { '.npmrc': 'registry=http://$(reboot)/\n' });
    const { warnings, sources } = run({ projects: [join(root, 'missing'), odd] });
    expect(await sources()).toEqual([]);
    expect(warnings).toEqual([
      'npm sources: project skipped',
      `not checked: registry http://$(reboot)/ (npm --prefix ${odd} config get) names no plain host name or address`,
    ]);
  });
});

describe('yarn classic and pnpm projects (real yarn 1.22, pnpm 9)', () => {
  it('yarn: the .npmrc registry wins over .yarnrc, which wins over yarn’s default registry.yarnpkg.com', async () => {
    const both = project(
      'y-both',
      { '.npmrc': 'registry=http://127.0.0.1:4873/\n', '.yarnrc': 'registry "http://127.0.0.1:4874/"\n' },
      'yarn.lock',
    );
    const yarnrc = project('y-rc', { '.yarnrc': 'registry "http://127.0.0.1:4874/"\n' }, 'yarn.lock');
    const plain = project('y-plain', {}, 'yarn.lock');
    const { exec, sources } = run({ projects: [both, yarnrc, plain] });
    expect(await sources()).toEqual([
      { host: '127.0.0.1', port: 4873, origin: `registry http://127.0.0.1:4873/ (yarn --cwd ${both} config list --json)` },
      { host: '127.0.0.1', port: 4874, origin: `registry http://127.0.0.1:4874/ (yarn --cwd ${yarnrc} config list --json)` },
      { host: 'registry.yarnpkg.com', port: 443, origin: `registry https://registry.yarnpkg.com (yarn --cwd ${plain} config list --json)` },
    ]);
    expect(exec.records.every((r) => r.kind === 'read')).toBe(true);
  });

  it('yarn: https-proxy for an https registry, only proxy for an http one', async () => {
    const https = project('y-https', { '.yarnrc': 'https-proxy "http://proxy.example:3128"\n' }, 'yarn.lock');
    const http = project('y-http', { '.npmrc': 'registry=http://reg.example/\nhttps-proxy=http://proxy.example:3128\n' }, 'yarn.lock');
    expect((await run({ projects: [https, http] }).sources()).map((e) => e.origin)).toEqual([
      `https-proxy http://proxy.example:3128 (yarn --cwd ${https} config list --json), for registry https://registry.yarnpkg.com`,
      `registry http://reg.example/ (yarn --cwd ${http} config list --json)`,
    ]);
  });

  it('pnpm: registry and proxy from the project .npmrc, one key per command', async () => {
    const dir = project('p', { '.npmrc': 'registry=https://npm.internal.example/\nproxy=http://[fd00::1]:3128\n' }, 'pnpm-lock.yaml');
    const { exec, sources } = run({ projects: [dir] });
    expect(await sources()).toEqual([
      {
        host: 'fd00::1',
        port: 3128,
        origin: `proxy http://[fd00::1]:3128 (pnpm --dir ${dir} config get), for registry https://npm.internal.example/`,
      },
    ]);
    expect(exec.records.filter((r) => r.argv[0] === 'pnpm' && r.argv.includes('config')).map((r) => r.argv.at(-1))).toEqual([
      'registry',
      'https-proxy',
      'proxy',
      'noproxy',
    ]);
  });
});

interface Recorder {
  server: Server;
  url: string;
  requests: string[];
}

/** Records each request line (absolute-form when used as a proxy) and answers 404, so the tool fails fast. */
async function recorder(): Promise<Recorder> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests };
}

describe('the tools really connect where sources() says (runner.check against local servers)', () => {
  const deps = { ms: '^2.0.0' };
  const installed = { ms: '2.0.0' };

  it.each([
    ['npm', (p: Recorder) => `registry=http://registry.unrot.invalid/\nhttps-proxy=${p.url}\nfetch-retries=0\n`, {}],
    ['pnpm', (p: Recorder) => `registry=http://registry.unrot.invalid/\nproxy=${p.url}\nfetch-retries=0\n`, {}],
    ['yarn', () => '', { '.yarnrc': 'registry "http://registry.unrot.invalid/"\n' }],
  ] as const)(
    '%s: through the proxy it names',
    async (manager, npmrc, extra) => {
      const proxy = await recorder();
      try {
        const dir = join(root, `oracle-proxy-${manager}`);
        makeProject(dir, manager, { ...installEnv, PATH: env.PATH }, deps, installed);
        writeFileSync(join(dir, '.npmrc'), npmrc(proxy));
        for (const [file, content] of Object.entries(extra)) writeFileSync(join(dir, file), `${content}proxy "${proxy.url}"\n`);
        const { sources } = run({ projects: [dir] });
        const [endpoint] = await sources();
        expect(endpoint?.port).toBe(Number(new URL(proxy.url).port));
        await runner.check(contextFor(createLocalExec({ env, cwd: '/' }), { projects: [dir] })).catch(() => undefined);
        expect(proxy.requests.length).toBeGreaterThan(0);
        expect(proxy.requests.every((r) => r.startsWith('GET http://registry.unrot.invalid/'))).toBe(true);
      } finally {
        proxy.server.close();
      }
    },
    120_000,
  );

  it('yarn: the .npmrc registry, not the .yarnrc one, receives the requests', async () => {
    const [npmrcRegistry, yarnrcRegistry] = [await recorder(), await recorder()];
    try {
      const dir = join(root, 'oracle-yarn-registry');
      makeProject(dir, 'yarn', { ...installEnv, PATH: env.PATH }, deps, installed);
      writeFileSync(join(dir, '.npmrc'), `registry=${npmrcRegistry.url}\n`);
      writeFileSync(join(dir, '.yarnrc'), `registry "${yarnrcRegistry.url}"\n`);
      const [endpoint] = await run({ projects: [dir] }).sources();
      expect(endpoint?.port).toBe(Number(new URL(npmrcRegistry.url).port));
      await runner.check(contextFor(createLocalExec({ env, cwd: '/' }), { projects: [dir] })).catch(() => undefined);
      expect(npmrcRegistry.requests).toContain('GET /ms');
      expect(yarnrcRegistry.requests).toEqual([]);
    } finally {
      npmrcRegistry.server.close();
      yarnrcRegistry.server.close();
    }
  }, 120_000);
});

describe('parsers and rules', () => {
  it('npm config list: the effective line counts, overridden (";"-prefixed) ones do not; arrays are joined', () => {
    const listed = [
      '; "user" config from /root/.npmrc',
      '',
      '; registry = "https://old.example/" ; overridden by project',
      'https-proxy = "http://u:***@proxy.example:3128/"',
      'noproxy = ["a.example","b.example"]',
      '',
      '; "project" config from /opt/app/.npmrc',
      '',
      'registry = "https://npm.example/"',
    ].join('\n');
    expect(parseNpmConfigList(listed, 'x')).toEqual({
      registry: 'https://npm.example/',
      httpsProxy: 'http://u:***@proxy.example:3128/',
      proxy: undefined,
      noProxy: 'a.example,b.example',
      readWith: 'x',
    });
  });

  it('yarn config list --json without the two inspect lines is a parse error', () => {
    expect(() => parseYarnConfigList('{"type":"info","data":"yarn config"}\n', 'yarn config list')).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_PARSE' }),
    );
  });

  it("noproxy follows npm's rule: trailing labels, leading dot optional, no wildcards", () => {
    expect(inNoProxy('registry.internal.example', '.internal.example')).toBe(true);
    expect(inNoProxy('registry.internal.example', 'internal.example')).toBe(true);
    expect(inNoProxy('registry.internal.example', 'nal.example')).toBe(false);
    expect(inNoProxy('registry.npmjs.org', '*')).toBe(false);
    expect(inNoProxy('registry.npmjs.org', undefined)).toBe(false);
  });
});
