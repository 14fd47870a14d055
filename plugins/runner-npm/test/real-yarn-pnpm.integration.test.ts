// Runs the runner against real yarn classic (1.22) and pnpm (9), installed from the npm registry
// into a temp dir whose bin goes on PATH, in temp projects depending on `ms` and `is-number`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { contextFor } from './support/context.js';
import {
  declaredRange,
  installedVersion,
  installTools,
  isInstalled,
  makeProject,
  reinstallProduction,
  toolEnv,
} from './support/projects.mjs';

const root = mkdtempSync(join(tmpdir(), 'unrot-runner-npm-yp-'));
const { env, bareEnv } = toolEnv(root);
const yarnApp = join(root, 'yarn-app');
const pnpmApp = join(root, 'pnpm-app');
const deps = { ms: '^2.0.0' };
const devDeps = { 'is-number': '^6.0.0' };
const installed = { ms: '2.0.0', 'is-number': '6.0.0' };

beforeAll(() => {
  installTools(root, env);
  makeProject(yarnApp, 'yarn', env, deps, installed, devDeps);
  makeProject(pnpmApp, 'pnpm', env, deps, installed, devDeps);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each([
  {
    manager: 'yarn',
    dir: yarnApp,
    lockfile: 'yarn.lock',
    inRange: ['yarn', '--cwd', yarnApp, 'upgrade', '--non-interactive', 'ms'],
    prodFlag: '--production',
    major: ['yarn', '--cwd', yarnApp, 'upgrade', '--non-interactive', 'is-number@^7.0.0'],
  },
  {
    manager: 'pnpm',
    dir: pnpmApp,
    lockfile: 'pnpm-lock.yaml',
    inRange: ['pnpm', '--dir', pnpmApp, 'update', '--no-save', 'ms'],
    prodFlag: '--config.dev=false',
    major: ['pnpm', '--dir', pnpmApp, 'update', 'is-number@7.0.0'],
  },
])('runner-npm against real $manager', ({ manager, dir, lockfile, inRange, major, prodFlag }) => {
  it('with production, updates a production install without adding its devDependencies', async () => {
    const project = `${dir}-prod`;
    makeProject(project, manager as 'yarn' | 'pnpm', env, deps, installed, devDeps);
    reinstallProduction(project, manager as 'yarn' | 'pnpm', env);
    expect(isInstalled(project, 'is-number')).toBe(false);
    const ctx = contextFor(createLocalExec({ env, cwd: '/' }), { projects: [project], production: true });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: `${manager}:${project}` }]);
    const plan = await runner.plan(ctx, checked);
    expect(plan[0]?.argv).toContain(prodFlag);
    expect((await runner.apply(ctx, plan)).changed).toHaveLength(1);
    expect(installedVersion(project, 'ms')).toBe('2.1.3');
    expect(isInstalled(project, 'is-number')).toBe(false);
  });

  it('is not applicable when the tool is missing, with the reason', async () => {
    const detected = await runner.detect(contextFor(createLocalExec({ env: bareEnv, cwd: '/' }), { projects: [dir] }));
    expect(detected).toEqual({ applicable: false, reason: `${manager} is not installed (needed by ${dir})` });
  });

  it('updates within the range, withholds the major, leaves package.json alone, then finds nothing', async () => {
    const exec = createLocalExec({ env, cwd: '/' });
    const ctx = contextFor(exec, { projects: [dir] });
    expect(await runner.detect(ctx)).toEqual({ applicable: true });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: `${manager}:${dir}` }]);
    expect(checked.withheld.map((w) => w.name)).toEqual(['is-number']);
    const packageJson = readFileSync(join(dir, 'package.json'), 'utf8');
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([inRange]);
    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: `${manager}:${dir}` }]);
    expect(installedVersion(dir, 'ms')).toBe('2.1.3');
    expect(installedVersion(dir, 'is-number')).toBe('6.0.0');
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(packageJson);
    expect(readFileSync(join(dir, lockfile), 'utf8')).toContain('2.1.3');
    const again = await runner.check(ctx);
    expect(again.updates).toEqual([]);
    expect(await runner.plan(ctx, again)).toEqual([]);
  });

  it('with allow_major moves a devDependency to the new major and rewrites its range', async () => {
    const ctx = contextFor(createLocalExec({ env, cwd: '/' }), { projects: [dir], allow_major: true }, ['ms']);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'is-number', from: '6.0.0', to: '7.0.0', scope: `${manager}:${dir}` }]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([major]);
    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'is-number', from: '6.0.0', to: '7.0.0', scope: `${manager}:${dir}` }]);
    expect(installedVersion(dir, 'is-number')).toBe('7.0.0');
    expect(declaredRange(dir, 'is-number')).toBe('^7.0.0');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.devDependencies)).toEqual(['is-number']);
    expect((await runner.check(ctx)).updates).toEqual([]);
  });
});

describe('runner-npm and Yarn Berry', () => {
  it('refuses a Berry project (.yarnrc.yml) instead of running yarn classic commands on it', async () => {
    const berry = join(root, 'berry');
    makeProject(berry, 'yarn', env, { ms: '^2.0.0' }, { ms: '2.0.0' });
    writeFileSync(join(berry, '.yarnrc.yml'), 'nodeLinker: node-modules\n');
    const detected = await runner.detect(contextFor(createLocalExec({ env, cwd: '/' }), { projects: [berry] }));
    expect(detected.applicable).toBe(false);
    expect(detected.reason).toContain('Yarn Berry');
  });
});
