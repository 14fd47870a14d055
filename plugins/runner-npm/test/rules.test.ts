// The rules that guard argv and the plan: package names, versions, scopes, project paths.
import { createLocalExec } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { classify } from '../src/classify.js';
import { installExactArgv } from '../src/commands.js';
import { assertSafeVersion, isValidNpmName } from '../src/names.js';
import { planNpm } from '../src/plan.js';
import { managerFromListing, projectDir } from '../src/project.js';
import { compareSemver, withinCaret } from '../src/semver.js';
import { contextFor } from './support/context.js';

const ctxFor = (options: Parameters<typeof contextFor>[1]) => contextFor(createLocalExec(), options);

describe('npm package names', () => {
  it.each(['ms', '@types/node', 'JSONStream', 'lodash.merge', 'is-number', '@scope/a_b~c'])('accepts %s', (name) => {
    expect(isValidNpmName(name)).toBe(true);
  });
  it.each(['', '-g', '--prefix=/', 'a b', 'x;rm', '.hidden', '_private', '@scope/', '../x', 'a/b', 'ms@1', 'x'.repeat(215)])(
    'rejects %j',
    (name) => {
      expect(isValidNpmName(name)).toBe(false);
    },
  );

  it('an unsafe name in an outdated listing fails check with E_RUNNER_UNSAFE_NAME', () => {
    const run = () =>
      classify({
        entries: [{ name: '--global', current: '1.0.0', wanted: '1.0.1', latest: '1.0.1' }],
        scope: 'npm:/opt/app',
        global: false,
        allowMajor: false,
        production: false,
        exclusions: [],
        source: 'npm outdated',
      });
    expect(run).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
  });

  it('a version that is not semver never reaches argv', () => {
    expect(() => assertSafeVersion('ms', '2.1.3 --global', 'check')).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
  });
});

describe('classification', () => {
  const base = { scope: 'npm:/opt/app', global: false, allowMajor: false, production: false, exclusions: [], source: 'test' };

  it('withholds packages that are not installed and non-registry versions', () => {
    const { updates, withheld } = classify({
      ...base,
      entries: [
        { name: 'missing', wanted: '1.0.0', latest: '1.0.0' },
        { name: 'gitdep', current: 'git', wanted: 'git', latest: 'git' },
      ],
    });
    expect(updates).toEqual([]);
    expect(withheld.map((w) => w.reason)).toEqual([
      'not installed, so not updated (npm:/opt/app)',
      'installed as git, not a registry version (npm:/opt/app)',
    ]);
  });

  it('updates in range and withholds the major beyond it; allow_major takes latest', () => {
    const entries = [{ name: 'ms', current: '1.0.0', wanted: '1.1.0', latest: '2.1.3' }];
    const held = classify({ ...base, entries });
    expect(held.updates).toEqual([{ name: 'ms', from: '1.0.0', to: '1.1.0', scope: 'npm:/opt/app' }]);
    expect(held.withheld[0]?.reason).toBe(
      '2.1.3 is outside the declared range and allow_major is false; updating within it to 1.1.0 (npm:/opt/app)',
    );
    expect(classify({ ...base, entries, allowMajor: true }).updates[0]?.to).toBe('2.1.3');
  });

  it('with production, withholds devDependencies (yarn lists them with the lockfile version as current)', () => {
    const entries = [{ name: 'is-number', current: '6.0.0', wanted: '6.0.1', latest: '7.0.0', type: 'devDependencies' }];
    expect(classify({ ...base, entries }).updates).toHaveLength(1);
    const prod = classify({ ...base, entries, production: true });
    expect(prod.updates).toEqual([]);
    expect(prod.withheld).toEqual([{ name: 'is-number', reason: 'devDependency, and production is true (npm:/opt/app)' }]);
  });

  it('never "updates" to an older version (current ahead of latest)', () => {
    expect(classify({ ...base, entries: [{ name: 'x', current: '3.0.0-beta.2', wanted: '3.0.0-beta.2', latest: '2.1.3' }] })).toEqual({
      updates: [],
      withheld: [],
    });
  });
});

describe('semver', () => {
  it('orders prereleases before releases and numerically', () => {
    const sorted = ['2.0.0', '2.0.0-beta.10', '1.10.0', '2.0.0-beta.2', '1.9.9'].sort(compareSemver);
    expect(sorted).toEqual(['1.9.9', '1.10.0', '2.0.0-beta.2', '2.0.0-beta.10', '2.0.0']);
  });
  it('treats 0.x minors as majors for global packages, like ^ does', () => {
    expect(withinCaret('1.2.3', '1.9.0')).toBe(true);
    expect(withinCaret('1.2.3', '2.0.0')).toBe(false);
    expect(withinCaret('0.2.3', '0.2.9')).toBe(true);
    expect(withinCaret('0.2.3', '0.3.0')).toBe(false);
    expect(withinCaret('0.0.3', '0.0.4')).toBe(false);
  });
});

describe('projects', () => {
  it('normalizes a configured path to the project directory', () => {
    expect(projectDir('/opt/web-app')).toBe('/opt/web-app');
    expect(projectDir('/opt/web-app/')).toBe('/opt/web-app');
    expect(projectDir('/opt/web-app/package.json')).toBe('/opt/web-app');
    expect(projectDir('/opt/x/../web-app')).toBe('/opt/web-app');
  });
  it('chooses the manager by lockfile and refuses ambiguity', () => {
    expect(managerFromListing(['package.json', 'npm-shrinkwrap.json'])).toEqual({ manager: 'npm' });
    expect(managerFromListing(['package.json'])).toEqual({ manager: 'npm' });
    expect(managerFromListing(['package.json', 'yarn.lock'])).toEqual({ manager: 'yarn' });
    expect(managerFromListing(['package.json', 'pnpm-lock.yaml'])).toEqual({ manager: 'pnpm' });
    expect(managerFromListing(['package.json', 'yarn.lock', 'package-lock.json']).problem).toContain('several package managers');
    expect(managerFromListing(['package.json', 'yarn.lock', '.yarnrc.yml']).problem).toContain('Yarn Berry');
  });
});

describe('plan', () => {
  it('refuses a scope the options do not name (a stale or foreign check result)', async () => {
    const check = { updates: [{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: 'npm:/etc' }], withheld: [] };
    expect(() => planNpm(ctxFor({ projects: ['/opt/app'] }), check)).toThrow(expect.objectContaining({ code: 'E_RUNNER_INVALID_OUTPUT' }));
    const global = { updates: [{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: 'npm:global' }], withheld: [] };
    expect(() => planNpm(ctxFor({ projects: ['/opt/app'] }), global)).toThrow(expect.objectContaining({ code: 'E_RUNNER_INVALID_OUTPUT' }));
  });

  it('re-validates names from a check result before they become argv', () => {
    const check = { updates: [{ name: '--prefix=/', from: '1.0.0', to: '1.0.1', scope: 'npm:/opt/app' }], withheld: [] };
    expect(() => planNpm(ctxFor({ projects: ['/opt/app'] }), check)).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
  });

  it('groups one step per project and keeps scoped names intact', () => {
    const check = {
      updates: [
        { name: '@types/node', from: '20.1.0', to: '22.0.0', scope: 'yarn:/srv/a' },
        { name: 'ms', from: '1.0.0', to: '2.1.3', scope: 'npm:/opt/b' },
        { name: 'debug', from: '4.3.0', to: '4.4.0', scope: 'yarn:/srv/a' },
      ],
      withheld: [],
    };
    const steps = planNpm(ctxFor({ projects: ['/srv/a', '/opt/b/package.json'], allow_major: true }), check);
    expect(steps.map((s) => s.argv)).toEqual([
      ['yarn', '--cwd', '/srv/a', 'upgrade', '--non-interactive', '@types/node@^22.0.0', 'debug@^4.4.0'],
      ['npm', '--prefix', '/opt/b', 'install', '--no-audit', '--no-fund', 'ms@2.1.3'],
    ]);
    expect(installExactArgv('pnpm', '/srv/c', ['@types/node@22.0.0'])).toEqual(['pnpm', '--dir', '/srv/c', 'update', '@types/node@22.0.0']);
  });
});
