import type { ExecResult } from '@unrot/sdk';
import { createReplayExec } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { decide, selectCandidates } from '../src/check.js';
import { caretSpec, formatScope, parseScope } from '../src/commands.js';
import { composerErrorTail, composerFailed, redactCredentials } from '../src/failure.js';
import { isComposerName, isReleaseVersion } from '../src/names.js';
import { parseDryRunUpgrades, parseManifest, parsePackageList } from '../src/parse.js';
import { planComposer } from '../src/plan.js';
import { projectDir } from '../src/project.js';
import { parseRepositories, repositoryEndpoint } from '../src/sources.js';
import { contextFor } from './support/context.js';

const result = (stdout: string, exitCode = 0, stderr = ''): ExecResult => ({
  argv: ['composer'],
  exitCode,
  stdout,
  stderr,
  durationMs: 1,
  dryRun: false,
});
const manifest = parseManifest('{"require":{"acme/demo-lib":"^1.0"},"require-dev":{"Acme/Tool":"^1.0"}}', 'composer.json');
const scopeOf = (dev: boolean) => formatScope('/opt/app', dev);
const ctx = (options: object) => contextFor(createReplayExec([]), { projects: ['/opt/app'], ...options });

describe('names and versions', () => {
  it('accepts Composer names and refuses hostile or foreign ones', () => {
    for (const ok of ['acme/demo-lib', 'symfony/polyfill-php80', 'a.b/c_d', 'laminas/laminas--x']) expect(isComposerName(ok)).toBe(true);
    for (const bad of [
      'acme/demo; rm -rf /',
      '-x/y',
      'Acme/Demo',
      'acme/$(id)',
      '../etc/passwd',
      'acme',
      'acme/demo lib',
      'acme/demo\n',
      '',
    ])
      expect(isComposerName(bad)).toBe(false);
  });
  it('accepts tagged releases only', () => {
    for (const ok of ['1.1.0', 'v2.0.0', '2.0.0-RC1', '1.0.0.0', '5.4.0-beta.2']) expect(isReleaseVersion(ok)).toBe(true);
    for (const bad of ['dev-main 1a2b3c4', 'dev-main', '1.0.x-dev', '1.0;id', '$(id)', '^1.0', '1.0 || 2.0', ''])
      expect(isReleaseVersion(bad)).toBe(false);
  });
  it('builds caret constraints without the v of a tag', () => {
    expect(caretSpec('acme/demo-lib', 'v2.0.0')).toBe('acme/demo-lib:^2.0.0');
  });
  it('round-trips scopes and normalises project paths', () => {
    expect(parseScope(formatScope('/opt/app', true))).toEqual({ dir: '/opt/app', dev: true });
    expect(parseScope(formatScope('/opt/app', false))).toEqual({ dir: '/opt/app', dev: false });
    expect(parseScope('npm:/opt/app')).toBeUndefined();
    expect(projectDir('/opt/app/composer.json')).toBe('/opt/app');
    expect(projectDir('/opt/app//')).toBe('/opt/app');
  });
});

describe('parsers', () => {
  it('reads outdated/show JSON: installed, locked and the bare [] of a project without vendor/', () => {
    const row = { name: 'acme/demo-lib', version: '1.0.0', latest: '2.0.0', 'latest-status': 'update-possible' };
    expect(parsePackageList(result(JSON.stringify({ installed: [row] })), 's')).toEqual([
      { name: 'acme/demo-lib', version: '1.0.0', latest: '2.0.0', latestStatus: 'update-possible' },
    ]);
    expect(parsePackageList(result(JSON.stringify({ locked: [row] })), 's')).toHaveLength(1);
    expect(parsePackageList(result('[]\n'), 's')).toEqual([]);
    expect(parsePackageList(result('{\n    "installed": []\n}\n'), 's')).toEqual([]);
  });
  it('refuses odd outputs with coded errors', () => {
    expect(() => parsePackageList(result('Deprecated: …'), 's')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(() => parsePackageList(result('{"installed":[{"name":1}]}'), 's')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(() => parsePackageList(result('{"other":[]}'), 's')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(() => parsePackageList(result('', 1, 'In Foo.php line 1:\n  boom  \n'), 's')).toThrow(
      expect.objectContaining({ code: 'E_EXEC_FAILED', message: 's failed (exit 1): boom' }),
    );
    expect(() => parseManifest('{not json', 'composer.json')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(() => parseManifest('[]', 'composer.json')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(parseManifest('{"require":{"acme/a":1}}', 'composer.json').require.size).toBe(0);
  });
  it('reads the dry run: upgrades only, first section wins, branch versions kept whole', () => {
    const text = [
      'Lock file operations: 0 installs, 3 updates, 0 removals',
      '  - Upgrading acme/demo-lib (1.0.0 => 1.1.0)',
      '  - Downgrading acme/old (2.0.0 => 1.9.0)',
      '  - Upgrading acme/branchy (dev-main 1a2b3c4 => dev-main 5d6e7f8)',
      'Package operations: 0 installs, 1 update, 0 removals',
      '  - Upgrading acme/demo-lib (1.0.0 => 1.1.0)',
    ].join('\n');
    expect([...parseDryRunUpgrades(text)]).toEqual([
      ['acme/demo-lib', '1.1.0'],
      ['acme/branchy', 'dev-main 5d6e7f8'],
    ]);
  });
  it('lower-cases manifest names, as Composer prints them', () => {
    expect(manifest.requireDev.has('acme/tool')).toBe(true);
  });
});

describe('error tails', () => {
  it('keeps the boxed exception, drops the usage synopsis and hides credentials', () => {
    const out = [
      'Warning: Accessing 127.0.0.1 over http which is an insecure protocol.',
      '',
      'In RemoteFilesystem.php line 476:',
      '                                                                ',
      '  The "https://deploy:s3cret@repo.example/packages.json" file could not be downloaded: Failed  ',
      '   to open stream: Connection refused                            ',
      '',
      'show [--all] [--locked] [-i|--installed] [--] [<package> [<version>]]',
    ].join('\n');
    const tail = composerErrorTail(out);
    expect(tail).toBe(
      'The "https://***@repo.example/packages.json" file could not be downloaded: Failed to open stream: Connection refused',
    );
    const error = composerFailed({ ...result('', 1, out), argv: ['composer', 'https://u:p@h'] }, 'check');
    expect(JSON.stringify(error.details)).not.toContain('s3cret');
    expect(JSON.stringify(error.details)).not.toContain('u:p@');
  });
  it('keeps a failing script’s own words', () => {
    const out = [
      'Generating autoload files',
      '> @php artisan package:discover',
      'cache warm-up failed: disk full',
      'Script @php artisan package:discover handling the post-update-cmd event returned with error code 3',
    ].join('\n');
    expect(composerErrorTail(out)).toContain('cache warm-up failed: disk full');
  });
  it('redacts user:password@ in any URL', () => {
    expect(redactCredentials('git clone https://tok:x-oauth@github.com/a/b and http://u:p@h:1/')).toBe(
      'git clone https://***@github.com/a/b and http://***@h:1/',
    );
  });
});

describe('check rules', () => {
  const row = (name: string, version: string, latest: string, latestStatus = 'semver-safe-update') => ({
    name,
    version,
    latest,
    latestStatus,
  });
  it('refuses a hostile name from outdated before anything else', () => {
    expect(() => selectCandidates([row('acme/x;id', '1.0.0', '1.1.0')], manifest, [], scopeOf, 'outdated')).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }),
    );
  });
  it('withholds exclusions and branch installs, skips up-to-date rows, marks require-dev', () => {
    const { candidates, withheld } = selectCandidates(
      [
        row('acme/demo-lib', '1.0.0', '1.1.0'),
        row('acme/other-lib', '1.0.0', '1.1.0'),
        row('acme/branchy', 'dev-main 1a2b3c4', 'dev-main 5d6e7f8'),
        row('acme/done', '1.0.0', '1.0.0', 'up-to-date'),
        row('acme/tool', '1.0.0', '2.0.0', 'update-possible'),
      ],
      manifest,
      ['acme/other-*'],
      scopeOf,
      'outdated',
    );
    expect(candidates.map((c) => [c.row.name, c.dev])).toEqual([
      ['acme/demo-lib', false],
      ['acme/tool', true],
    ]);
    expect(withheld.map((w) => w.name)).toEqual(['acme/other-lib', 'acme/branchy']);
  });
  it('within constraints takes the dry run’s version and withholds the rest; allow_major takes latest', () => {
    const candidates = [{ row: { name: 'acme/demo-lib', version: '1.0.0', latest: '2.0.0' }, dev: false }];
    const within = decide(candidates, new Map([['acme/demo-lib', '1.1.0']]), manifest, false, scopeOf, 's');
    expect(within.updates).toEqual([{ name: 'acme/demo-lib', from: '1.0.0', to: '1.1.0', scope: 'composer:/opt/app' }]);
    expect(within.withheld[0]?.reason).toContain('2.0.0 is outside the constraint ^1.0');
    const none = decide(candidates, new Map(), manifest, false, scopeOf, 's');
    expect(none.updates).toEqual([]);
    expect(decide(candidates, new Map(), manifest, true, scopeOf, 's').updates[0]?.to).toBe('2.0.0');
    const hostile = [{ row: { name: 'acme/demo-lib', version: '1.0.0', latest: '2.0.0;id' }, dev: false }];
    expect(() => decide(hostile, new Map(), manifest, true, scopeOf, 's')).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }),
    );
  });
});

describe('plan', () => {
  const update = (name: string, to: string, scope = 'composer:/opt/app') => ({ name, from: '1.0.0', to, scope });
  it('is empty when nothing is pending', () => {
    expect(planComposer(ctx({}), { updates: [], withheld: [] })).toEqual([]);
  });
  it('refuses a stored check result with a foreign scope or a hostile version', () => {
    expect(() => planComposer(ctx({}), { updates: [update('acme/a', '1.1.0', 'composer:/etc')], withheld: [] })).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_INVALID_OUTPUT' }),
    );
    expect(() => planComposer(ctx({ allow_major: true }), { updates: [update('acme/a', '2.0.0 --dev')], withheld: [] })).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }),
    );
    expect(() => planComposer(ctx({}), { updates: [update('--no-dev/x', '1.1.0')], withheld: [] })).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }),
    );
  });
  it('one update step per project, require steps split by require-dev under allow_major, flags from options', () => {
    const updates = [update('acme/a', '1.1.0'), update('acme/t', '2.0.0', 'composer:/opt/app (require-dev)')];
    const base = [
      'env',
      'COMPOSER_ALLOW_SUPERUSER=1',
      'COLUMNS=500',
      'composer',
      '--working-dir=/opt/app',
      '--no-ansi',
      '--no-interaction',
    ];
    expect(planComposer(ctx({ no_dev: true }), { updates, withheld: [] }).map((s) => s.argv)).toEqual([
      [
        ...base,
        'update',
        '--with-dependencies',
        '--no-progress',
        '--no-audit',
        '--no-scripts',
        '--no-plugins',
        '--no-dev',
        'acme/a',
        'acme/t',
      ],
    ]);
    expect(planComposer(ctx({ allow_major: true, scripts: true }), { updates, withheld: [] }).map((s) => s.argv)).toEqual([
      [...base, 'require', '--with-dependencies', '--no-progress', '--no-audit', '--no-plugins', 'acme/a:^1.1.0'],
      [...base, 'require', '--dev', '--with-dependencies', '--no-progress', '--no-audit', '--no-plugins', 'acme/t:^2.0.0'],
    ]);
  });
});

describe('repositories (sources)', () => {
  const warn: string[] = [];
  const endpoint = (type: string, url: string) => repositoryEndpoint({ key: 'r', type, url }, 'read', (m) => warn.push(m));
  it('reads the array and the object form, skipping a disabled packagist', () => {
    expect(parseRepositories('[{"type":"composer","url":"http://127.0.0.1:8765"}]', 's')).toEqual([
      { key: '0', type: 'composer', url: 'http://127.0.0.1:8765' },
    ]);
    expect(
      parseRepositories(
        '{"packagist.org":false,"corp":{"type":"vcs","url":"git@git.corp:a/b.git"},"local":{"type":"path","url":"../lib"}}',
        's',
      ),
    ).toEqual([
      { key: 'corp', type: 'vcs', url: 'git@git.corp:a/b.git' },
      { key: 'local', type: 'path', url: '../lib' },
    ]);
    expect(() => parseRepositories('nope', 's')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
  });
  it('maps URLs to host and port; local types are not sources; credentials never reach the origin', () => {
    expect(endpoint('composer', 'https://repo.packagist.org')).toEqual({
      host: 'repo.packagist.org',
      port: 443,
      origin: 'repository r (composer) https://repo.packagist.org (read)',
    });
    expect(endpoint('vcs', 'git@github.com:acme/x.git')).toMatchObject({ host: 'github.com', port: 22 });
    expect(endpoint('path', '/srv/lib')).toBeUndefined();
    expect(endpoint('artifact', 'dists/')).toBeUndefined();
    expect(endpoint('composer', 'https://u:tok@repo.corp:8443/')?.origin).toBe(
      'repository r (composer) https://***@repo.corp:8443/ (read)',
    );
    expect(endpoint('composer', 'https://$(id)/')).toBeUndefined();
    expect(warn).toHaveLength(1);
  });
});
