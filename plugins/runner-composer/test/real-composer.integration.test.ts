// Runs the runner against the real Composer of this machine (Debian 12's composer 2.5.5 on
// php8.2-cli) in temp projects whose only repository is a static Composer repository this test
// builds and serves on 127.0.0.1 (support/demo-source.mjs). Nothing outside the temp root is
// touched: HOME, COMPOSER_HOME and COMPOSER_CACHE_DIR point into it; packagist.org is disabled.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { contextFor } from './support/context.js';
import { buildDemoSource, serveDemoSource } from './support/demo-source.mjs';
import { composerEnv, constraintOf, installedVersion, lockedVersion, makeProject, run } from './support/projects.mjs';

const root = mkdtempSync(join(tmpdir(), 'unrot-runner-composer-'));
const env = composerEnv(root);
const exec = (extra: Record<string, string> = {}) => createLocalExec({ env: { ...env, ...extra }, cwd: '/' });
const base = (dir: string) => [
  'env',
  'COMPOSER_ALLOW_SUPERUSER=1',
  'COLUMNS=500',
  'composer',
  `--working-dir=${dir}`,
  '--no-ansi',
  '--no-interaction',
];

let source: Awaited<ReturnType<typeof serveDemoSource>>;
let gone: Awaited<ReturnType<typeof serveDemoSource>> | undefined;
const inRange = join(root, 'web-app');
const major = join(root, 'api');
const conflict = join(root, 'legacy');
const scripted = join(root, 'scripted');
const offline = join(root, 'offline');
const notInstalled = join(root, 'not-installed');
const plugged = join(root, 'plugged');
const production = join(root, 'production');

/** sha1 over every file below dir (names and bytes): proves a command changed nothing. */
function treeHash(dir: string): string {
  const hash = createHash('sha1');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

const marker = "@php -r \"file_put_contents('scripts-ran', 'yes');\"";

beforeAll(async () => {
  source = await serveDemoSource(join(root, 'repo'));
  buildDemoSource(join(root, 'repo'), source.url);
  const pins = { 'acme/demo-lib': '1.0.0', 'acme/other-lib': '1.0.0' };
  await makeProject(inRange, source.url, env, { 'acme/demo-lib': '^1.0', 'acme/other-lib': '^1.0' }, pins, {
    scripts: { 'post-update-cmd': [marker] },
  });
  await makeProject(major, source.url, env, { 'acme/demo-lib': '^1.0' }, { 'acme/demo-lib': '1.0.0' });
  await makeProject(
    conflict,
    source.url,
    env,
    { 'acme/demo-lib': '^1.0', 'acme/legacy-user': '^1.0' },
    { 'acme/demo-lib': '1.0.0', 'acme/legacy-user': '1.0.0' },
  );
  await makeProject(
    scripted,
    source.url,
    env,
    { 'acme/demo-lib': '~1.0' },
    { 'acme/demo-lib': '1.0.0' },
    {
      scripts: { 'post-update-cmd': ['@php -r "fwrite(STDERR, \'cache warm-up failed: disk full\'.PHP_EOL); exit(3);"'] },
    },
  );
  await makeProject(
    plugged,
    source.url,
    env,
    { 'acme/demo-lib': '^1.0', 'acme/other-lib': '^1.0', 'acme/marker-plugin': '^1.0' },
    { ...pins, 'acme/marker-plugin': '1.0.0' },
    {
      config: { 'secure-http': false, 'allow-plugins': { 'acme/marker-plugin': true } },
    },
  );
  rmSync(join(plugged, 'plugin-ran')); // the install itself ran the plugin
  await makeProject(
    production,
    source.url,
    env,
    { 'acme/demo-lib': '^1.0' },
    { 'acme/demo-lib': '1.0.0' },
    {},
    {
      constraints: { 'acme/other-lib': '^1.0' },
      installed: { 'acme/other-lib': '1.0.0' },
    },
  );
  // Deployed without require-dev, as production installs are.
  await run(['composer', `--working-dir=${production}`, 'install', '--no-dev', '--no-interaction', '--no-scripts', '--no-progress'], env);
  await makeProject(notInstalled, source.url, env, { 'acme/demo-lib': '^1.0' }, { 'acme/demo-lib': '1.0.0' });
  rmSync(join(notInstalled, 'vendor'), { recursive: true });
  // A second repository that goes away after the install: Composer's cache of it stays warm.
  gone = await serveDemoSource(join(root, 'repo-gone'));
  buildDemoSource(join(root, 'repo-gone'), gone.url);
  await makeProject(offline, gone.url, env, { 'acme/demo-lib': '^1.0' }, { 'acme/demo-lib': '1.0.0' });
  await gone.close();
}, 300_000);
afterAll(async () => {
  await source?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('runner-composer against real Composer and a local repository', () => {
  it('detects projects and refuses a missing dir, a dir without composer.json or composer.lock, and a missing composer', async () => {
    expect((await runner.detect(contextFor(exec(), { projects: [inRange] }))).applicable).toBe(true);
    expect((await runner.detect(contextFor(exec(), { projects: [`${inRange}/composer.json`] }))).applicable).toBe(true);
    expect((await runner.detect(contextFor(exec(), { projects: [join(root, 'nope')] }))).reason).toContain('does not exist');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect((await runner.detect(contextFor(exec(), { projects: [empty] }))).reason).toContain('has no composer.json');
    const unlocked = join(root, 'unlocked');
    mkdirSync(unlocked);
    writeFileSync(join(unlocked, 'composer.json'), '{"require":{}}\n');
    expect((await runner.detect(contextFor(exec(), { projects: [unlocked] }))).reason).toContain('has no composer.lock');
    // A PATH with ls, cat and env but no composer: env exits 127, as in a container without it.
    const bin = join(root, 'no-composer-bin');
    mkdirSync(bin);
    for (const tool of ['/bin/ls', '/bin/cat', '/usr/bin/env']) symlinkSync(tool, join(bin, tool.split('/').pop() as string));
    const noComposer = await runner.detect(contextFor(exec({ PATH: bin }), { projects: [inRange] }));
    expect(noComposer).toEqual({ applicable: false, reason: `composer is not installed (needed by ${inRange})` });
    expect((await runner.detect(contextFor(exec(), {}))).applicable).toBe(false);
  });

  it('check is read-only: composer.json, composer.lock and vendor/ hash the same before and after', async () => {
    const before = treeHash(inRange);
    const local = exec();
    const checked = await runner.check(contextFor(local, { projects: [inRange] }));
    expect(checked.updates).toHaveLength(2);
    await runner.sources?.(contextFor(local, { projects: [inRange] }));
    expect(treeHash(inRange)).toBe(before);
    expect(local.records.every((r) => r.kind === 'read')).toBe(true);
  });

  it('updates within the constraint, keeps composer.json and the excluded package, withholds the major, then finds nothing', async () => {
    const local = exec();
    const ctx = contextFor(local, { projects: [inRange] }, ['acme/other-*']);
    const checked = await runner.check(ctx);
    const scope = `composer:${inRange}`;
    expect(checked.updates).toEqual([{ name: 'acme/demo-lib', from: '1.0.0', to: '1.1.0', scope }]);
    expect(checked.withheld).toEqual([
      { name: 'acme/other-lib', reason: `excluded by policy (${scope})` },
      {
        name: 'acme/demo-lib',
        reason: `2.0.0 is outside the constraint ^1.0 in composer.json and allow_major is false; updating within it to 1.1.0 (${scope})`,
      },
    ]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([
      [...base(inRange), 'update', '--with-dependencies', '--no-progress', '--no-audit', '--no-scripts', '--no-plugins', 'acme/demo-lib'],
    ]);
    const manifest = readFileSync(join(inRange, 'composer.json'), 'utf8');

    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'acme/demo-lib', from: '1.0.0', to: '1.1.0', scope }]);
    expect(applied.steps.map((s) => s.exitCode)).toEqual([0]);
    expect(lockedVersion(inRange, 'acme/demo-lib')).toBe('1.1.0');
    expect(installedVersion(inRange, 'acme/demo-lib')).toBe('1.1.0');
    expect(readFileSync(join(inRange, 'vendor/acme/demo-lib/src/DemoLib.php'), 'utf8')).toContain("VERSION = '1.1.0'");
    expect(installedVersion(inRange, 'acme/other-lib')).toBe('1.0.0');
    expect(readFileSync(join(inRange, 'composer.json'), 'utf8')).toBe(manifest);
    // scripts is false by default: the project's post-update-cmd did not run.
    expect(existsSync(join(inRange, 'scripts-ran'))).toBe(false);
    expect(local.records.filter((r) => r.kind === 'change').map((r) => r.argv)).toEqual(plan.map((s) => s.argv));

    // No-op re-run: nothing pending within the constraint, nothing planned.
    const again = await runner.check(ctx);
    expect(again.updates).toEqual([]);
    expect(again.withheld.map((w) => w.name)).toEqual(['acme/other-lib', 'acme/demo-lib']);
    expect(await runner.plan(ctx, again)).toEqual([]);
  });

  it('with allow_major requires the latest version and rewrites the constraint to ^latest', async () => {
    const ctx = contextFor(exec(), { projects: [major], allow_major: true });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'acme/demo-lib', from: '1.0.0', to: '2.0.0', scope: `composer:${major}` }]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([
      [
        ...base(major),
        'require',
        '--with-dependencies',
        '--no-progress',
        '--no-audit',
        '--no-scripts',
        '--no-plugins',
        'acme/demo-lib:^2.0.0',
      ],
    ]);
    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'acme/demo-lib', from: '1.0.0', to: '2.0.0', scope: `composer:${major}` }]);
    expect(constraintOf(major, 'acme/demo-lib')).toBe('^2.0.0');
    expect(installedVersion(major, 'acme/demo-lib')).toBe('2.0.0');
    expect((await runner.check(ctx)).updates).toEqual([]);
  });

  it("a resolver conflict fails apply with Composer's words, and Composer reverts composer.json and composer.lock", async () => {
    const ctx = contextFor(exec(), { projects: [conflict], allow_major: true });
    const checked = await runner.check(ctx);
    expect(checked.updates.map((u) => `${u.name} ${u.from}→${u.to}`)).toEqual([
      'acme/demo-lib 1.0.0→2.0.0',
      'acme/legacy-user 1.0.0→1.1.0',
    ]);
    const plan = await runner.plan(ctx, checked);
    const before = treeHash(conflict);
    const error = await runner.apply(ctx, plan).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED' });
    const message = (error as Error).message;
    expect(message).toContain('exit 2');
    expect(message).toContain('Your requirements could not be resolved to an installable set of packages.');
    expect(message).toContain(
      'requires acme/demo-lib ^1.0 -> found acme/demo-lib[1.0.0, 1.1.0] but it conflicts with your root composer.json require (^2.0.0)',
    );
    expect(treeHash(conflict)).toBe(before);
  });

  it("with scripts true a failing post-update-cmd fails apply with the script's words (vendor/ already changed)", async () => {
    const ctx = contextFor(exec(), { projects: [scripted], scripts: true });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'acme/demo-lib', from: '1.0.0', to: '1.1.0', scope: `composer:${scripted}` }]);
    const plan = await runner.plan(ctx, checked);
    expect(plan[0]?.argv).not.toContain('--no-scripts');
    const error = await runner.apply(ctx, plan).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED' });
    expect((error as Error).message).toContain('exit 3');
    expect((error as Error).message).toContain('cache warm-up failed: disk full');
    // Half-applied, as measured: this is what the engine's snapshot rollback is for.
    expect(installedVersion(scripted, 'acme/demo-lib')).toBe('1.1.0');
  });

  it('with no_dev a production install is updated without installing its require-dev packages', async () => {
    expect(installedVersion(production, 'acme/other-lib')).toBeUndefined();
    const ctx = contextFor(exec(), { projects: [production], no_dev: true });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'acme/demo-lib', from: '1.0.0', to: '1.1.0', scope: `composer:${production}` }]);
    const plan = await runner.plan(ctx, checked);
    expect(plan[0]?.argv).toContain('--no-dev');
    await runner.apply(ctx, plan);
    expect(installedVersion(production, 'acme/demo-lib')).toBe('1.1.0');
    expect(installedVersion(production, 'acme/other-lib')).toBeUndefined();
    // Composer always locks require-dev; not named, other-lib stays at its locked version.
    expect(lockedVersion(production, 'acme/other-lib')).toBe('1.0.0');
  });

  it('loads an allowed Composer plugin only with plugins true; check never loads it', async () => {
    const ran = join(plugged, 'plugin-ran');
    const off = contextFor(exec(), { projects: [plugged] }, ['acme/other-lib']);
    const checked = await runner.check(off);
    expect(checked.updates.map((u) => u.name)).toEqual(['acme/demo-lib']);
    expect(existsSync(ran)).toBe(false);
    await runner.apply(off, await runner.plan(off, checked));
    expect(installedVersion(plugged, 'acme/demo-lib')).toBe('1.1.0');
    expect(existsSync(ran)).toBe(false);

    const on = contextFor(exec(), { projects: [plugged], plugins: true });
    const plan = await runner.plan(on, await runner.check(on));
    expect(plan[0]?.argv).not.toContain('--no-plugins');
    expect(existsSync(ran)).toBe(false);
    const applied = await runner.apply(on, plan);
    expect(applied.changed).toEqual([{ name: 'acme/other-lib', from: '1.0.0', to: '1.1.0', scope: `composer:${plugged}` }]);
    expect(readFileSync(ran, 'utf8')).toBe('yes');
  });

  it('fails check with E_EXEC_FAILED when the repository is unreachable, even with a warm cache', async () => {
    const error = await runner.check(contextFor(exec(), { projects: [offline] })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED' });
    expect((error as Error).message).toContain(`${gone?.url} could not be fully loaded`);
    const cold = await runner
      .check(contextFor(exec({ COMPOSER_CACHE_DIR: join(root, 'cold-cache') }), { projects: [offline] }))
      .catch((e: unknown) => e);
    expect(cold).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED' });
    expect((cold as Error).message).toContain(
      `The "${gone?.url}/packages.json" file could not be downloaded: Failed to open stream: Connection refused`,
    );
  });

  it("fails check with E_EXEC_FAILED and Composer's words when the repository requires authentication", async () => {
    const locked = await serveDemoSource(join(root, 'repo'), 0, { auth: 'deploy:s3cret' });
    const project = join(root, 'private');
    try {
      // Installed while the repository was open; it now asks for credentials Composer does not have.
      await makeProject(project, source.url, env, { 'acme/demo-lib': '^1.0' }, { 'acme/demo-lib': '1.0.0' });
      const manifest = readFileSync(join(project, 'composer.json'), 'utf8');
      writeFileSync(join(project, 'composer.json'), manifest.replace(source.url, locked.url));
      const error = await runner
        .check(contextFor(exec({ COMPOSER_CACHE_DIR: join(root, 'private-cache') }), { projects: [project] }))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED' });
      expect((error as Error).message).toContain(
        `The '${locked.url}/packages.json' URL required authentication (HTTP 401). You must be using the interactive console to authenticate`,
      );
    } finally {
      await locked.close();
    }
  });

  it('refuses a project whose vendor/ is missing instead of reporting nothing pending', async () => {
    const error = await runner.check(contextFor(exec(), { projects: [notInstalled] })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_RUNNER_NOT_APPLICABLE' });
    expect((error as Error).message).toContain('No dependencies installed');
  });

  it('sources names the local repository, and a global repository with its password hidden', async () => {
    const port = Number(new URL(source.url).port);
    const readWith = `composer --working-dir=${major} config repositories`;
    expect(await runner.sources?.(contextFor(exec(), { projects: [major] }))).toEqual([
      { host: '127.0.0.1', port, origin: `repository 0 (composer) ${source.url} (${readWith})` },
    ]);
    const home = join(root, 'composer-home-corp');
    mkdirSync(home);
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ repositories: { corp: { type: 'composer', url: 'https://deploy:s3cret@packages.corp.example:8443' } } }),
    );
    const found = await runner.sources?.(contextFor(exec({ COMPOSER_HOME: home }), { projects: [major] }));
    expect(found).toContainEqual({
      host: 'packages.corp.example',
      port: 8443,
      origin: `repository corp (composer) https://***@packages.corp.example:8443 (${readWith})`,
    });
    expect(JSON.stringify(found)).not.toContain('s3cret');
  });
});
