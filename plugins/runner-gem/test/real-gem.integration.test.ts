// Runs the runner against the real gem (RubyGems 3.3.15) and bundle (Bundler 2.3.15) of Debian 12
// (apt: ruby, ruby-bundler), with a gem source the test builds (`gem build`, `gem generate_index`)
// and serves on 127.0.0.1. HOME, GEM_HOME, GEMRC and BUNDLE_USER_HOME live in a temp root (see
// support/ruby-env.mjs), so nothing outside it changes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { contextFor } from './support/context.js';
import { buildDemoSource, NATIVE_BUILD_ERROR, serveDemoSource } from './support/demo-source.mjs';
import { makeProject, rubyEnv, run } from './support/ruby-env.mjs';
import { treeHash } from './support/tree-hash.mjs';

const root = mkdtempSync(join(tmpdir(), 'unrot-runner-gem-'));
let server: Awaited<ReturnType<typeof serveDemoSource>>;
let env: Record<string, string>;
const app = join(root, 'srv/app');
const nativeApp = join(root, 'srv/native-app');
const exec = (extra: Record<string, string> = {}) => createLocalExec({ env: { ...env, ...extra }, cwd: '/' });
const lockedVersion = (dir: string, name: string) =>
  new RegExp(`^ {4}${name} \\(([^)]+)\\)$`, 'm').exec(readFileSync(join(dir, 'Gemfile.lock'), 'utf8'))?.[1];
const systemVersions = async (name: string) => (await run(['gem', 'list', '--local', '--exact', name], env)).trim();

beforeAll(async () => {
  buildDemoSource(join(root, 'source'));
  server = await serveDemoSource(join(root, 'source'));
  env = rubyEnv(root, [server.url]);
  await makeProject(
    app,
    server.url,
    [
      { name: 'unrot-demo', requirement: '~> 1.0', locked: '1.0.0' },
      { name: 'unrot-pinned', requirement: '>= 1.0', locked: '1.0.0' },
    ],
    env,
  );
  await makeProject(nativeApp, server.url, [{ name: 'unrot-native', requirement: '~> 1.0', locked: '1.0.0' }], env);
  await run(['gem', 'install', '--no-document', 'unrot-demo:1.0.0', 'unrot-pinned:1.0.0'], env);
});
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('runner-gem against real Bundler projects', () => {
  it('detects a project with Gemfile and Gemfile.lock, and says why others cannot be handled', async () => {
    expect(await runner.detect(contextFor(exec(), { projects: [app] }))).toEqual({ applicable: true });
    expect(await runner.detect(contextFor(exec(), { projects: [`${app}/Gemfile`] }))).toEqual({ applicable: true });
    expect((await runner.detect(contextFor(exec(), { projects: [join(root, 'nope')] }))).reason).toContain('does not exist');
    const unlocked = join(root, 'srv/unlocked');
    mkdirSync(unlocked, { recursive: true });
    writeFileSync(join(unlocked, 'Gemfile'), `source ${JSON.stringify(server.url)}\ngem "unrot-demo"\n`);
    expect((await runner.detect(contextFor(exec(), { projects: [unlocked] }))).reason).toContain('has no Gemfile.lock');
    expect((await runner.detect(contextFor(exec(), {}))).applicable).toBe(false);
  });

  it('check changes nothing: the project tree (lock, .bundle, vendor/bundle) and the gem directory hash the same', async () => {
    const before = [treeHash(app), treeHash(env.GEM_HOME as string)];
    const checked = await runner.check(contextFor(exec(), { projects: [app], system: true }));
    expect(checked.updates.length).toBeGreaterThan(0);
    expect([treeHash(app), treeHash(env.GEM_HOME as string)]).toEqual(before);
  });

  it('an exclusion withholds the gem and the plan leaves it alone', async () => {
    const ctx = contextFor(exec(), { projects: [app] }, ['unrot-pin*']);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'unrot-demo', from: '1.0.0', to: '1.1.0', scope: `bundler:${app}` }]);
    expect(checked.withheld).toContainEqual({ name: 'unrot-pinned', reason: `excluded by policy (bundler:${app})` });
    expect((await runner.plan(ctx, checked)).flatMap((s) => s.argv)).not.toContain('unrot-pinned');
  });

  it('updates within the Gemfile requirement (1.0.0 → 1.1.0), withholds 2.0.0, keeps the excluded gem, then finds nothing', async () => {
    const local = exec();
    const ctx = contextFor(local, { projects: [app] }, ['unrot-pinned']);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'unrot-demo', from: '1.0.0', to: '1.1.0', scope: `bundler:${app}` }]);
    expect(checked.withheld).toContainEqual({
      name: 'unrot-demo',
      reason: `2.0.0 does not satisfy the Gemfile's requirement (~> 1.0); updating within them to 1.1.0 (bundler:${app})`,
    });
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([
      ['env', `BUNDLE_GEMFILE=${app}/Gemfile`, 'BUNDLE_SILENCE_ROOT_WARNING=1', 'bundle', 'update', '--conservative', 'unrot-demo'],
    ]);
    const gemfile = readFileSync(join(app, 'Gemfile'), 'utf8');

    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'unrot-demo', from: '1.0.0', to: '1.1.0', scope: `bundler:${app}` }]);
    expect(applied.steps.map((s) => s.exitCode)).toEqual([0]);
    expect(lockedVersion(app, 'unrot-demo')).toBe('1.1.0');
    expect(lockedVersion(app, 'unrot-pinned')).toBe('1.0.0');
    expect(readFileSync(join(app, 'Gemfile'), 'utf8')).toBe(gemfile);
    // Installed where the project's .bundle/config says, not only locked.
    expect(readFileSync(join(app, 'vendor/bundle/ruby/3.1.0/gems/unrot-demo-1.1.0/lib/unrot-demo.rb'), 'utf8')).toContain('1.1.0');
    expect(local.records.filter((r) => r.kind === 'change').map((r) => r.argv)).toEqual(plan.map((s) => s.argv));

    const again = await runner.check(ctx);
    expect(again.updates).toEqual([]);
    expect(await runner.plan(ctx, again)).toEqual([]);
  });

  it('dry-run records the plan without running it', async () => {
    const local = createLocalExec({ env, cwd: '/', dryRun: true });
    const ctx = contextFor(local, { projects: [nativeApp] });
    const before = treeHash(nativeApp);
    const applied = await runner.apply(ctx, await runner.plan(ctx, await runner.check(ctx)));
    expect(applied.changed).toEqual([]);
    expect(local.records.filter((r) => r.kind === 'change').map((r) => r.executed)).toEqual([false]);
    expect(treeHash(nativeApp)).toBe(before);
  });

  it('a failing build fails apply with E_EXEC_FAILED and Bundler’s own words; the lock is left as it was', async () => {
    const ctx = contextFor(exec(), { projects: [nativeApp] });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'unrot-native', from: '1.0.0', to: '1.1.0', scope: `bundler:${nativeApp}` }]);
    const lock = readFileSync(join(nativeApp, 'Gemfile.lock'), 'utf8');
    const error = await runner.apply(ctx, await runner.plan(ctx, checked)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED', details: { exitCode: 5 } });
    expect((error as Error).message).toContain('An error occurred while installing unrot-native (1.1.0), and Bundler cannot');
    // The build's own words survive the tail (Ruby's backtrace frames are dropped from it).
    expect((error as Error).message).toContain(NATIVE_BUILD_ERROR);
    expect((error as Error).message).not.toMatch(/\.rb:\d+:in /);
    expect(readFileSync(join(nativeApp, 'Gemfile.lock'), 'utf8')).toBe(lock);
  });

  it('a Gemfile requirement no source satisfies fails check with E_EXEC_FAILED and Bundler’s words', async () => {
    const conflict = await makeProject(
      join(root, 'srv/conflict'),
      server.url,
      [{ name: 'unrot-demo', requirement: '~> 1.0', locked: '1.0.0' }],
      env,
    );
    writeFileSync(join(conflict, 'Gemfile'), `source ${JSON.stringify(server.url)}\ngem "unrot-demo", "~> 3.0"\n`);
    const before = treeHash(conflict);
    const error = await runner.check(contextFor(exec(), { projects: [conflict] })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED' });
    expect((error as Error).message).toMatch(/unrot-demo \(~> 3\.0\)/);
    expect(treeHash(conflict)).toBe(before);
  });

  it('a project in deployment mode fails check with E_EXEC_FAILED and Bundler’s words (exit 16)', async () => {
    const deployed = await makeProject(
      join(root, 'srv/deployed'),
      server.url,
      [{ name: 'unrot-demo', requirement: '~> 1.0', locked: '1.0.0' }],
      env,
    );
    await run(['env', `BUNDLE_GEMFILE=${deployed}/Gemfile`, 'bundle', 'config', 'set', '--local', 'deployment', 'true'], env);
    const error = await runner.check(contextFor(exec(), { projects: [deployed] })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED', details: { exitCode: 16 } });
    expect((error as Error).message).toContain('You are trying to check outdated gems in deployment mode');
  });

  it('an unreachable source fails check with E_EXEC_FAILED (Bundler exit 17)', async () => {
    const offline = await makeProject(
      join(root, 'srv/offline'),
      server.url,
      [{ name: 'unrot-demo', requirement: '~> 1.0', locked: '1.0.0' }],
      env,
    );
    // The same project, its source moved to a closed port: Gemfile and lock name it.
    for (const file of ['Gemfile', 'Gemfile.lock']) {
      writeFileSync(join(offline, file), readFileSync(join(offline, file), 'utf8').replaceAll(server.url, 'http://127.0.0.1:9/'));
    }
    const ctx = contextFor(exec(), { projects: [offline] });
    expect(await runner.sources?.(ctx)).toEqual([
      { host: '127.0.0.1', port: 9, origin: `http://127.0.0.1:9/ (GEM remote in ${offline}/Gemfile.lock)` },
    ]);
    const error = await runner.check(ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED', details: { exitCode: 17 } });
    expect((error as Error).message).toContain('Could not fetch specs from http://127.0.0.1:9/');
  });
});

describe('runner-gem sources() on real configuration', () => {
  it('a Bundler mirror (bundle config mirror.URL) replaces the lock remote; a git remote over ssh counts too', async () => {
    const mirrored = await makeProject(
      join(root, 'srv/mirrored'),
      server.url,
      [{ name: 'unrot-demo', requirement: '~> 1.0', locked: '1.0.0' }],
      env,
    );
    await run(
      [
        'env',
        `BUNDLE_GEMFILE=${mirrored}/Gemfile`,
        'bundle',
        'config',
        'set',
        '--local',
        `mirror.${server.url}`,
        'http://mirror.invalid:9292/',
      ],
      env,
    );
    const lock = readFileSync(join(mirrored, 'Gemfile.lock'), 'utf8');
    writeFileSync(
      join(mirrored, 'Gemfile.lock'),
      `GIT\n  remote: git@git.example.com:acme/tool.git\n  revision: 0123abc\n  specs:\n    tool (0.1.0)\n\n${lock}`,
    );
    expect(await runner.sources?.(contextFor(exec(), { projects: [mirrored] }))).toEqual([
      { host: 'git.example.com', port: 22, origin: `git@git.example.com:acme/tool.git (GIT remote in ${mirrored}/Gemfile.lock)` },
      {
        host: 'mirror.invalid',
        port: 9292,
        origin: `Bundler mirror http://mirror.invalid:9292/ of ${server.url} (GEM remote in ${mirrored}/Gemfile.lock, bundle config)`,
      },
    ]);
  });

  it("gem's http_proxy replaces every source; a source's password never reaches the origin", async () => {
    const gemrc = join(root, 'gemrc-proxy');
    writeFileSync(gemrc, '---\n:sources:\n- http://deploy:s3cret@gems.example.com/\nhttp_proxy: http://proxy.example:3128\n');
    const endpoints = await runner.sources?.(contextFor(exec({ GEMRC: gemrc }), { system: true }));
    expect(endpoints).toEqual([
      {
        host: 'proxy.example',
        port: 3128,
        origin: 'proxy http://proxy.example:3128 (http_proxy in gem env), for gem source http://***@gems.example.com/ (gem sources --list)',
      },
    ]);
    expect(JSON.stringify(endpoints)).not.toContain('s3cret');
  });
});

describe('runner-gem against real system gems (gem install into GEM_HOME)', () => {
  it('sources() names the gem source of gem sources --list', async () => {
    expect(await runner.sources?.(contextFor(exec(), { system: true }))).toEqual([
      { host: '127.0.0.1', port: server.port, origin: `gem source ${server.url} (gem sources --list)` },
    ]);
  });

  it('stays within the major (1.0.0 → 1.1.0), withholds 2.0.0 and the excluded gem, then finds nothing', async () => {
    const local = exec();
    const ctx = contextFor(local, { system: true }, ['unrot-pinned']);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'unrot-demo', from: '1.0.0', to: '1.1.0', scope: 'gem:system' }]);
    expect(checked.withheld).toEqual([
      {
        name: 'unrot-demo',
        reason: '2.0.0 is a new major over 1.0.0 and allow_major is false; updating within the major to 1.1.0 (gem:system)',
      },
      { name: 'unrot-pinned', reason: 'excluded by policy (gem:system)' },
    ]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['gem', 'install', '--no-document', 'unrot-demo:1.1.0']]);
    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'unrot-demo', from: '1.0.0', to: '1.1.0', scope: 'gem:system' }]);
    expect(await systemVersions('unrot-demo')).toBe('unrot-demo (1.1.0, 1.0.0)');
    expect(await systemVersions('unrot-pinned')).toBe('unrot-pinned (1.0.0)');
    expect(local.records.filter((r) => r.kind === 'change').map((r) => r.argv)).toEqual(plan.map((s) => s.argv));
    const again = await runner.check(ctx);
    expect(again.updates).toEqual([]);
    expect(again.withheld.map((w) => w.name)).toEqual(['unrot-demo', 'unrot-pinned']);
  });

  it('with allow_major installs the newest version', async () => {
    const ctx = contextFor(exec(), { system: true, allow_major: true }, ['unrot-pinned']);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'unrot-demo', from: '1.1.0', to: '2.0.0', scope: 'gem:system' }]);
    const applied = await runner.apply(ctx, await runner.plan(ctx, checked));
    expect(applied.changed).toEqual([{ name: 'unrot-demo', from: '1.1.0', to: '2.0.0', scope: 'gem:system' }]);
    expect((await runner.check(ctx)).updates).toEqual([]);
  });

  it('an unreachable source fails check with E_EXEC_FAILED, where gem outdated alone exits 0 with nothing', async () => {
    const gemrc = join(root, 'gemrc-offline');
    writeFileSync(gemrc, '---\n:sources:\n- http://127.0.0.1:9/\n');
    const offline = { ...env, GEMRC: gemrc };
    expect(await run(['gem', 'outdated'], offline)).toBe('');
    const error = await runner.check(contextFor(exec({ GEMRC: gemrc }), { system: true })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED' });
    expect((error as Error).message).toContain('Connection refused');
    expect((error as Error).message).toContain('http://127.0.0.1:9/specs.4.8.gz');
  });
});
