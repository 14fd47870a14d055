// Runs the runner against the real npm of this machine (Node 20, npm 11) in temp projects that
// depend on `ms` from the public registry. Nothing outside the temp root is touched: caches and
// npm's global prefix are redirected there (see support/projects.mjs).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { contextFor } from './support/context.js';
import { declaredRange, installedVersion, isInstalled, makeProject, reinstallProduction, run, toolEnv } from './support/projects.mjs';

const root = mkdtempSync(join(tmpdir(), 'unrot-runner-npm-'));
const { bareEnv, globalPrefix } = toolEnv(root);
const inRange = join(root, 'web-app');
const major = join(root, 'api');
const exec = () => createLocalExec({ env: bareEnv, cwd: '/' });

beforeAll(() => {
  makeProject(inRange, 'npm', bareEnv, { ms: '^2.0.0' }, { ms: '2.0.0' });
  makeProject(major, 'npm', bareEnv, { ms: '^1.0.0' }, { ms: '1.0.0' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runner-npm against real npm', () => {
  it('detects projects with package.json and refuses a directory without one', async () => {
    expect(await runner.detect(contextFor(exec(), { projects: [inRange] }))).toEqual({ applicable: true });
    expect(await runner.detect(contextFor(exec(), { projects: [`${inRange}/package.json`] }))).toEqual({ applicable: true });
    const missing = await runner.detect(contextFor(exec(), { projects: [join(root, 'nope')] }));
    expect(missing.applicable).toBe(false);
    expect(missing.reason).toContain('does not exist');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect((await runner.detect(contextFor(exec(), { projects: [empty] }))).reason).toContain('has no package.json');
    expect((await runner.detect(contextFor(exec(), {}))).applicable).toBe(false);
  });

  it('an exclusion withholds the update and plans nothing', async () => {
    const ctx = contextFor(exec(), { projects: [inRange] }, ['m*']);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([]);
    expect(checked.withheld.map((w) => w.name)).toEqual(['ms']);
    expect(await runner.plan(ctx, checked)).toEqual([]);
  });

  it('updates within the range only, keeps package.json ranges, withholds the major, then finds nothing', async () => {
    const local = exec();
    const ctx = contextFor(local, { projects: [inRange, major] });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: `npm:${inRange}` }]);
    expect(checked.withheld).toHaveLength(1);
    expect(checked.withheld[0]?.reason).toContain('outside the declared range');
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['npm', '--prefix', inRange, 'update', '--no-audit', '--no-fund', 'ms']]);
    const packageJson = readFileSync(join(inRange, 'package.json'), 'utf8');

    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: `npm:${inRange}` }]);
    expect(applied.steps.map((s) => s.exitCode)).toEqual([0]);
    expect(installedVersion(inRange, 'ms')).toBe('2.1.3');
    expect(declaredRange(inRange, 'ms')).toBe('^2.0.0');
    expect(readFileSync(join(inRange, 'package.json'), 'utf8')).toBe(packageJson);
    const lock = JSON.parse(readFileSync(join(inRange, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/ms'].version).toBe('2.1.3');
    expect(installedVersion(major, 'ms')).toBe('1.0.0');
    // The only changing command was the planned one.
    expect(local.records.filter((r) => r.kind === 'change').map((r) => r.argv)).toEqual(plan.map((s) => s.argv));

    const again = await runner.check(ctx);
    expect(again.updates).toEqual([]);
    expect(await runner.plan(ctx, again)).toEqual([]);
  });

  it('with allow_major installs the latest version and rewrites the range to ^latest', async () => {
    const ctx = contextFor(exec(), { projects: [major], allow_major: true });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'ms', from: '1.0.0', to: '2.1.3', scope: `npm:${major}` }]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['npm', '--prefix', major, 'install', '--no-audit', '--no-fund', 'ms@2.1.3']]);
    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'ms', from: '1.0.0', to: '2.1.3', scope: `npm:${major}` }]);
    expect(installedVersion(major, 'ms')).toBe('2.1.3');
    expect(declaredRange(major, 'ms')).toBe('^2.1.3');
    expect((await runner.check(ctx)).updates).toEqual([]);
  });

  it('with production, updates a production install without adding its devDependencies', async () => {
    const project = join(root, 'prod');
    makeProject(project, 'npm', bareEnv, { ms: '^2.0.0' }, { ms: '2.0.0', 'is-number': '6.0.0' }, { 'is-number': '^6.0.0' });
    reinstallProduction(project, 'npm', bareEnv);
    expect(isInstalled(project, 'is-number')).toBe(false);
    const ctx = contextFor(exec(), { projects: [project], production: true });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: `npm:${project}` }]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['npm', '--prefix', project, 'update', '--no-audit', '--no-fund', '--omit=dev', 'ms']]);
    expect((await runner.apply(ctx, plan)).changed).toHaveLength(1);
    expect(installedVersion(project, 'ms')).toBe('2.1.3');
    expect(isInstalled(project, 'is-number')).toBe(false);
  });

  it('dry-run records the plan without running it', async () => {
    const project = join(root, 'dry');
    makeProject(project, 'npm', bareEnv, { ms: '^2.0.0' }, { ms: '2.0.0' });
    const local = createLocalExec({ env: bareEnv, cwd: '/', dryRun: true });
    const ctx = contextFor(local, { projects: [project] });
    const applied = await runner.apply(ctx, await runner.plan(ctx, await runner.check(ctx)));
    expect(applied.changed).toEqual([]);
    expect(local.records.filter((r) => r.kind === 'change').map((r) => r.executed)).toEqual([false]);
    expect(installedVersion(project, 'ms')).toBe('2.0.0');
  });

  it('updates global packages (npm -g) within the major, withholding a new major', async () => {
    run(['npm', '-g', 'install', '--no-audit', '--no-fund', '--loglevel=error', 'ms@2.0.0', 'is-number@6.0.0'], bareEnv);
    const ctx = contextFor(exec(), { global: true });
    expect(await runner.detect(ctx)).toEqual({ applicable: true });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: 'npm:global' }]);
    expect(checked.withheld.map((w) => w.name)).toEqual(['is-number']);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['npm', '-g', 'install', '--no-audit', '--no-fund', 'ms@2.1.3']]);
    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: 'npm:global' }]);
    expect(installedVersion(join(globalPrefix, 'lib'), 'ms')).toBe('2.1.3');
    expect((await runner.check(ctx)).updates).toEqual([]);
  });

  it('fails check with a coded error when the registry is unreachable', async () => {
    const offline = createLocalExec({ env: { ...bareEnv, npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' } });
    const project = join(root, 'offline');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'offline', version: '1.0.0', dependencies: { ms: '^2.0.0' } }));
    const error = await runner.check(contextFor(offline, { projects: [project] })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED' });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});
