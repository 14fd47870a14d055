import { describe, expect, it } from 'vitest';
import { classifyBundler } from '../src/check-bundler.js';
import { classifySystem, installedInGemDir, newestWithinMajor } from '../src/check-system.js';
import { bundleUpdateArgv, gemInstallExactArgv, projectDir } from '../src/commands.js';
import { compareGemVersion, isGemVersion } from '../src/gem-version.js';
import { isValidGemName } from '../src/names.js';
import { parseBundleMirrors, parseBundleOutdated, parseLockfile } from '../src/parse-bundler.js';
import { fetchErrors, parseGemEnvProxy, parseGemList, parseGemOutdated, parseGemSources } from '../src/parse-gem.js';
import { planGem } from '../src/plan.js';
import { outputTail, redactCredentials } from '../src/tool-output.js';
import { contextFor } from './support/context.js';

const noExec = { dryRun: true, read: () => Promise.reject(new Error('no exec')), change: () => Promise.reject(new Error('no exec')) };

describe('gem names and versions', () => {
  it('accepts RubyGems names and refuses what could be an option or carry shell syntax', () => {
    for (const ok of ['rails', 'unrot-demo', 'net_http_persistent', 'Ascii85', 'rack.dev', '_hidden'])
      expect(isValidGemName(ok)).toBe(true);
    for (const bad of [
      '',
      '-rf',
      '--source=http://evil',
      '.hidden',
      'a b',
      'a;rm -rf /',
      '$(id)',
      'a`id`',
      'a/b',
      'a:1.0',
      'x'.repeat(201),
      'näme',
    ])
      expect(isValidGemName(bad), bad).toBe(false);
  });

  it('knows Gem::Version order: numeric segments, prereleases first, trailing zeros equal', () => {
    expect(isGemVersion('1.0.0')).toBe(true);
    expect(isGemVersion('1.0.0.rc1')).toBe(true);
    for (const bad of ['', 'v1', '1.0;id', '1.0 x86_64-linux', '-1', '1..0']) expect(isGemVersion(bad), bad).toBe(false);
    expect(compareGemVersion('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareGemVersion('1.0', '1.0.0')).toBe(0);
    expect(compareGemVersion('2.0.0.rc1', '2.0.0')).toBeLessThan(0);
    expect(compareGemVersion('2.0.0.rc1', '1.9.9')).toBeGreaterThan(0);
    expect(compareGemVersion('1.0.a', '1.0.b')).toBeLessThan(0);
  });

  it('names a project by its directory, with or without Gemfile', () => {
    expect(projectDir('/srv/app/')).toBe('/srv/app');
    expect(projectDir('/srv/app/Gemfile')).toBe('/srv/app');
    expect(projectDir('/srv/./app')).toBe('/srv/app');
  });
});

describe('bundle outdated --parseable (bundler 2.3.15 print_gem)', () => {
  it('reads entries with and without a requirement, multi-part requirements and git revisions', () => {
    const out = [
      '',
      'unrot-demo (newest 2.0.0, installed 1.0.0, requested ~> 1.0)',
      'rack (newest 3.0.8, installed 2.2.8, requested >= 2.0, < 4)',
      'nokogiri (newest 1.15.4, installed 1.15.3)',
      'mygem (newest 0.2.0 a1b2c3d, installed 0.1.0 9f8e7d6, requested = 0.1.0)',
      'Fetching source index from http://127.0.0.1:8808/',
    ].join('\n');
    expect(parseBundleOutdated(out, 'test')).toEqual([
      { name: 'unrot-demo', newest: '2.0.0', installed: '1.0.0', requested: '~> 1.0', git: false },
      { name: 'rack', newest: '3.0.8', installed: '2.2.8', requested: '>= 2.0, < 4', git: false },
      { name: 'nokogiri', newest: '1.15.4', installed: '1.15.3', git: false },
      { name: 'mygem', newest: '0.2.0 a1b2c3d', installed: '0.1.0 9f8e7d6', requested: '= 0.1.0', git: true },
    ]);
  });

  it('refuses a listing line it cannot read instead of guessing', () => {
    expect(() => parseBundleOutdated('rack (newest 3.0.8)', 'test')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
  });

  it('classifies: update within the requirement, withhold what lies beyond, exclusions, git gems, hostile names', () => {
    const dir = '/srv/app';
    const result = classifyBundler({
      dir,
      within: [
        { name: 'unrot-demo', newest: '1.1.0', installed: '1.0.0', requested: '~> 1.0', git: false },
        { name: 'rack', newest: '2.2.9', installed: '2.2.8', git: false },
      ],
      newest: [
        { name: 'unrot-demo', newest: '2.0.0', installed: '1.0.0', requested: '~> 1.0', git: false },
        { name: 'rack', newest: '2.2.9', installed: '2.2.8', git: false },
        { name: 'pinned', newest: '3.0.0', installed: '1.0.0', requested: '= 1.0.0', git: false },
        { name: 'mygem', newest: '0.2.0 a1b2c3d', installed: '0.1.0 9f8e7d6', git: true },
      ],
      exclusions: ['rac*'],
    });
    expect(result.updates).toEqual([{ name: 'unrot-demo', from: '1.0.0', to: '1.1.0', scope: 'bundler:/srv/app' }]);
    expect(result.withheld).toEqual([
      { name: 'mygem', reason: 'comes from a git source; update its ref in the Gemfile (bundler:/srv/app)' },
      { name: 'pinned', reason: "3.0.0 does not satisfy the Gemfile's requirement (= 1.0.0) (bundler:/srv/app)" },
      { name: 'rack', reason: 'excluded by policy (bundler:/srv/app)' },
      {
        name: 'unrot-demo',
        reason: "2.0.0 does not satisfy the Gemfile's requirement (~> 1.0); updating within them to 1.1.0 (bundler:/srv/app)",
      },
    ]);
    for (const name of ['--source=http://evil', 'a;id', '$(reboot)']) {
      expect(() =>
        classifyBundler({ dir, within: [{ name, newest: '2.0.0', installed: '1.0.0', git: false }], newest: [], exclusions: [] }),
      ).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
    }
    expect(() =>
      classifyBundler({ dir, within: [{ name: 'ok', newest: '2.0;id', installed: '1.0.0', git: false }], newest: [], exclusions: [] }),
    ).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
  });
});

describe('Gemfile.lock and bundle config', () => {
  const lock = [
    'GIT',
    '  remote: https://github.com/acme/mygem.git',
    '  revision: 9f8e7d6',
    '  specs:',
    '    mygem (0.1.0)',
    '',
    'PATH',
    '  remote: vendor/local',
    '  specs:',
    '    local (0.0.1)',
    '',
    'GEM',
    '  remote: https://user:s3cret@gems.example.com/',
    '  specs:',
    '    nokogiri (1.15.4-x86_64-linux)',
    '      racc (~> 1.4)',
    '    racc (1.7.1)',
    '    unrot-demo (1.1.0)',
    '',
    'PLATFORMS',
    '  x86_64-linux',
    '',
    'DEPENDENCIES',
    '  unrot-demo (~> 1.0)',
    '',
    'BUNDLED WITH',
    '   2.3.15',
  ].join('\n');

  it('reads locked versions (platform suffix dropped, dependency lines ignored) and each section remote', () => {
    const parsed = parseLockfile(lock);
    expect(Object.fromEntries(parsed.specs)).toEqual({
      mygem: '0.1.0',
      local: '0.0.1',
      nokogiri: '1.15.4',
      racc: '1.7.1',
      'unrot-demo': '1.1.0',
    });
    expect(parsed.sources).toEqual([
      { kind: 'GIT', remote: 'https://github.com/acme/mygem.git' },
      { kind: 'PATH', remote: 'vendor/local' },
      { kind: 'GEM', remote: 'https://user:s3cret@gems.example.com/' },
    ]);
  });

  it('reads mirrors from bundle config list --parseable', () => {
    const out = 'gemfile=/srv/app/Gemfile\nmirror.https://rubygems.org/=http://gems.lan:9292/\npath=vendor/bundle\n';
    expect(Object.fromEntries(parseBundleMirrors(out))).toEqual({ 'https://rubygems.org/': 'http://gems.lan:9292/' });
  });
});

describe('gem outdated, gem list, gem sources, gem env (rubygems 3.3.15)', () => {
  it('reads gem outdated and refuses odd lines', () => {
    expect(parseGemOutdated('unrot-demo (1.0.0 < 2.0.0)\nrack (2.2.8 < 3.0.8)\n', 'gem outdated')).toEqual([
      { name: 'unrot-demo', installed: '1.0.0', latest: '2.0.0' },
      { name: 'rack', installed: '2.2.8', latest: '3.0.8' },
    ]);
    expect(() => parseGemOutdated('Updating installed gems\n', 'gem outdated')).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_PARSE' }),
    );
  });

  it('finds the fetch errors gem outdated --debug prints but otherwise swallows, redacting credentials', () => {
    const stderr = [
      'NOTE:  Debugging mode prints all exceptions even when rescued',
      "Exception `Errno::ENOENT' at /usr/lib/ruby/vendor_ruby/rubygems/source.rb:187 - No such file or directory @ rb_sysopen",
      "Exception `Gem::RemoteFetcher::FetchError' at /usr/lib/ruby/vendor_ruby/rubygems/remote_fetcher.rb:261 - bad response Unauthorized 401 (https://user:pw@gems.example.com/specs.4.8.gz)",
      "Exception `Gem::RemoteFetcher::FetchError' at /usr/lib/ruby/vendor_ruby/rubygems/spec_fetcher.rb:258 - bad response Unauthorized 401 (https://user:pw@gems.example.com/specs.4.8.gz)",
    ].join('\n');
    expect(fetchErrors(stderr)).toEqual(['bad response Unauthorized 401 (https://***@gems.example.com/specs.4.8.gz)']);
    expect(fetchErrors('NOTE:  Debugging mode prints all exceptions even when rescued\n')).toEqual([]);
  });

  it('reads gem list with default gems and platforms', () => {
    const list = parseGemList(
      'json (2.7.1, default: 2.6.1)\nnokogiri (1.15.4 x86_64-linux, 1.15.3)\nunrot-demo (1.1.0, 1.0.0)\n',
      'gem list',
    );
    expect(list.get('json')).toEqual({ versions: ['2.7.1', '2.6.1'], defaultVersion: '2.6.1' });
    expect(list.get('nokogiri')).toEqual({ versions: ['1.15.4', '1.15.3'] });
    expect(() => parseGemList('garbage', 'gem list')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
  });

  it('reads gem sources and the http_proxy of gem env', () => {
    expect(parseGemSources('*** CURRENT SOURCES ***\n\nhttps://rubygems.org/\nhttp://u:p@gems.lan/\n')).toEqual([
      'https://rubygems.org/',
      'http://u:p@gems.lan/',
    ]);
    expect(parseGemEnvProxy('  - GEM CONFIGURATION:\n     - "http_proxy" => "http://proxy.lan:3128"\n')).toBe('http://proxy.lan:3128');
    expect(parseGemEnvProxy('     - :http_proxy => "http://proxy.lan:3128"\n')).toBe('http://proxy.lan:3128');
    expect(parseGemEnvProxy('     - :sources => ["https://rubygems.org/"]\n')).toBeUndefined();
  });

  it('updates only gems installed in the gem directory, within the major unless allow_major', () => {
    const specFiles = new Set(['unrot-demo-1.0.0.gemspec', 'nokogiri-1.15.3-x86_64-linux.gemspec', 'rack-2.2.8.gemspec']);
    const decisions = classifySystem({
      entries: [
        { name: 'unrot-demo', installed: '1.0.0', latest: '2.0.0' },
        { name: 'nokogiri', installed: '1.15.3', latest: '1.15.4' },
        { name: 'json', installed: '2.6.1', latest: '2.7.1' },
        { name: 'rack', installed: '2.2.8', latest: '2.2.9' },
      ],
      gemDir: '/var/lib/gems/3.1.0',
      specFiles,
      allowMajor: false,
      exclusions: ['rack'],
    });
    expect(decisions).toEqual([
      { kind: 'needs-versions', name: 'unrot-demo', installed: '1.0.0', latest: '2.0.0' },
      { kind: 'update', update: { name: 'nokogiri', from: '1.15.3', to: '1.15.4', scope: 'gem:system' } },
      {
        kind: 'withheld',
        withheld: {
          name: 'json',
          reason: '2.6.1 is installed outside the gem directory /var/lib/gems/3.1.0 (by Ruby itself or an OS package) (gem:system)',
        },
      },
      { kind: 'withheld', withheld: { name: 'rack', reason: 'excluded by policy (gem:system)' } },
    ]);
    // `unrot-demo-1.0.0.1.gemspec` is another version, not a platform build of 1.0.0.
    expect(installedInGemDir('unrot-demo', '1.0.0', new Set(['unrot-demo-1.0.0.1.gemspec']))).toBe(false);
    expect(installedInGemDir('unrot', '1.0.0', new Set(['unrot-demo-1.0.0.gemspec']))).toBe(false);
    expect(newestWithinMajor('1.0.0', ['2.0.0', '1.1.0', '1.2.0.rc1', '1.0.0', '0.9'])).toBe('1.1.0');
    expect(newestWithinMajor('1.1.0', ['2.0.0', '1.1.0'])).toBeUndefined();
  });
});

describe('plan', () => {
  it('builds one exact argv per scope, refuses unknown scopes and hostile names from a stored check', () => {
    const ctx = contextFor(noExec, { projects: ['/srv/app/Gemfile'], system: true });
    const plan = planGem(ctx, {
      updates: [
        { name: 'unrot-demo', from: '1.0.0', to: '1.1.0', scope: 'bundler:/srv/app' },
        { name: 'rack', from: '2.2.8', to: '2.2.9', scope: 'bundler:/srv/app' },
        { name: 'unrot-demo', from: '1.0.0', to: '1.1.0', scope: 'gem:system' },
      ],
      withheld: [],
    });
    expect(plan.map((s) => s.argv)).toEqual([
      bundleUpdateArgv('/srv/app', ['unrot-demo', 'rack']),
      gemInstallExactArgv([{ name: 'unrot-demo', version: '1.1.0' }]),
    ]);
    expect(plan[0]?.argv).toEqual([
      'env',
      'BUNDLE_GEMFILE=/srv/app/Gemfile',
      'BUNDLE_SILENCE_ROOT_WARNING=1',
      'bundle',
      'update',
      '--conservative',
      'unrot-demo',
      'rack',
    ]);
    expect(plan[1]?.argv).toEqual(['gem', 'install', '--no-document', 'unrot-demo:1.1.0']);
    expect(planGem(ctx, { updates: [], withheld: [] })).toEqual([]);
    const bad = (update: { name: string; from: string; to: string; scope: string }) => () =>
      planGem(ctx, { updates: [update], withheld: [] });
    expect(bad({ name: 'x', from: '1', to: '2', scope: 'bundler:/etc' })).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_INVALID_OUTPUT' }),
    );
    expect(bad({ name: '--source=http://evil', from: '1', to: '2', scope: 'gem:system' })).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }),
    );
    expect(bad({ name: 'x', from: '1', to: '2 --force', scope: 'gem:system' })).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }),
    );
    const withoutSystem = contextFor(noExec, { projects: ['/srv/app'] });
    expect(() => planGem(withoutSystem, { updates: [{ name: 'x', from: '1', to: '2', scope: 'gem:system' }], withheld: [] })).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_INVALID_OUTPUT' }),
    );
  });
});

describe('tool output', () => {
  it('keeps the tail of stderr (stdout when stderr is empty) and redacts credentials', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    expect(outputTail({ stdout: 'ignored', stderr: lines }, 3)).toBe('line 27\nline 28\nline 29');
    expect(outputTail({ stdout: 'only stdout\n', stderr: '  \n' })).toBe('only stdout');
    const build = [
      'Gem::Ext::BuildError: ERROR: Failed to build gem native extension.',
      '',
      'unrot-native 1.1.0 fails to build on purpose',
      "  /usr/lib/ruby/vendor_ruby/rubygems/ext/builder.rb:95:in `run'",
      '/usr/lib/ruby/vendor_ruby/rubygems/ext/ext_conf_builder.rb:47:in `block in',
      "build'",
      'An error occurred while installing unrot-native (1.1.0), and Bundler cannot',
      'continue.',
    ].join('\n');
    expect(outputTail({ stdout: '', stderr: build })).toBe(
      'Gem::Ext::BuildError: ERROR: Failed to build gem native extension.\nunrot-native 1.1.0 fails to build on purpose\nAn error occurred while installing unrot-native (1.1.0), and Bundler cannot\ncontinue.',
    );
    expect(redactCredentials('Could not fetch specs from https://user:s3cret@gems.lan/ and http://tok@x.y/')).toBe(
      'Could not fetch specs from https://***@gems.lan/ and http://***@x.y/',
    );
  });
});
