// Parsers and rules, offline. The go version -m outputs under fixtures/go-version-m/ are real
// (see fixtures/README.md); hostile names are exactly what must never reach argv.
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { defaultBinDir } from '../src/binaries.js';
import { goArgv } from '../src/go-argv.js';
import { saysModuleAbsent } from '../src/go-errors.js';
import { matchPrefixPatterns } from '../src/go-patterns.js';
import { installName, nextMajorPath, packageInModule, splitMajorSuffix } from '../src/module-path.js';
import { assertGoVersion, assertModulePath, assertSafePath, isModulePath } from '../src/names.js';
import { type GoOptions, GoOptionsSchema } from '../src/options.js';
import { parseBuildInfo } from '../src/parse-buildinfo.js';
import { parseGoEnv, parseModuleQuery } from '../src/parse-go-json.js';
import { planSteps } from '../src/plan.js';
import { redactCredentials } from '../src/redact.js';
import { compareGoVersions } from '../src/semver.js';
import { firstProxyEntry, goEndpoints, sumdbUrl } from '../src/sources.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/go-version-m/${name}`, import.meta.url), 'utf8');
const options = (o: Partial<GoOptions> = {}) => Value.Default(GoOptionsSchema, structuredClone(o)) as GoOptions;
const env = (o: Record<string, string> = {}) =>
  parseGoEnv(JSON.stringify({ GOPROXY: 'https://proxy.golang.org,direct', GOSUMDB: 'sum.golang.org', GOPATH: '/root/go', ...o }));

describe('parseBuildInfo (real go version -m outputs)', () => {
  it('walks a directory: module binaries, (devel) and a renamed copy; non-Go files are skipped silently', () => {
    const infos = parseBuildInfo(fixture('directory-walk.txt'));
    expect(infos.map((i) => [i.file, i.path, i.mod?.path, i.mod?.version])).toEqual([
      ['/tmp/gom/bin3/devel', 'example.test/devel', 'example.test/devel', '(devel)'],
      ['/tmp/gom/bin3/sub/stay', 'example.test/stay/cmd/stay', 'example.test/stay', 'v1.0.0'],
    ]);
    expect(fixture('directory-walk.stderr.txt')).toBe('');
  });

  it('a binary built from files (command-line-arguments) and one built in GOPATH mode have no main module', () => {
    const [cla] = parseBuildInfo(fixture('command-line-arguments.txt'));
    expect(cla).toMatchObject({ file: '/usr/bin/anthoscli', goVersion: 'go1.24.2', path: 'command-line-arguments' });
    expect(cla?.mod).toBeUndefined();
    const [docker] = parseBuildInfo(fixture('gopath-mode-docker.txt'));
    expect(docker).toMatchObject({ path: 'github.com/docker/cli/cmd/docker', goVersion: 'go1.24.3' });
    expect(docker?.mod).toBeUndefined();
  });

  it('a replaced dependency (=> after dep) is not taken for a replaced main module', () => {
    const [app] = parseBuildInfo(fixture('replaced-dep.txt'));
    expect(app).toMatchObject({ mod: { path: 'example.test/app', version: '(devel)' } });
    expect(app?.replacedBy).toBeUndefined();
    const replacedMain = parseBuildInfo('/x/tool: go1.19.8\n\tpath\tex.test/tool\n\tmod\tex.test/tool\tv1.0.0\n\t=>\t../tool\t(devel)\t\n');
    expect(replacedMain[0]?.replacedBy).toBe('../tool (devel)');
  });

  it('with unreadable paths, the readable binaries are still parsed (go exits 1, problems on stderr)', () => {
    expect(parseBuildInfo(fixture('mixed.txt')).map((i) => i.file)).toEqual(['/tmp/gom/bin/hello']);
    expect(fixture('mixed.stderr.txt')).toContain('stat /tmp/gom/nope: no such file or directory');
  });

  it('refuses output that is not go version -m', () => {
    expect(() => parseBuildInfo('<html>proxy error</html>')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(() => parseBuildInfo('\tmod\tx\tv1.0.0')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
  });
});

describe('names and versions that reach argv', () => {
  it('accepts real module paths and versions', () => {
    for (const p of [
      'example.test/hello/v2',
      'golang.org/x/tools/gopls',
      'github.com/go-delve/delve/cmd/dlv',
      'gopkg.in/yaml.v3',
      'mvdan.cc/gofumpt',
    ])
      expect(assertModulePath(p)).toBe(p);
    for (const v of ['v1.2.3', 'v0.0.0-20240101120000-abcdef123456', 'v2.0.0+incompatible', 'v1.0.0-rc.1'])
      expect(assertGoVersion('m', v)).toBe(v);
  });

  it('refuses hostile or malformed ones with E_RUNNER_UNSAFE_NAME', () => {
    for (const p of [
      'example.test/x;rm -rf /',
      '-x/y',
      '$(id)/x',
      'a b/c',
      'EXAMPLE.test/x',
      'ex/../etc',
      'ex/.hidden',
      'x/y\n',
      '',
      `a/${'b'.repeat(600)}`,
    ])
      expect(() => assertModulePath(p), p).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
    for (const v of ['1.2.3', 'v1.2', 'v1.2.3;id', 'latest', '(devel)', 'v1.2.3 --x'])
      expect(() => assertGoVersion('m', v), v).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
    for (const p of ['relative/bin', '/bin/x;id', '/opt/../etc/passwd', '/opt/bin/$(id)', '/a b'])
      expect(() => assertSafePath(p, 'binary path'), p).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
    expect(isModulePath('example.test/hello')).toBe(true);
  });

  it('the plan refuses a hostile update instead of building argv from it', () => {
    const bad = [
      { name: 'example.test/x;id', from: 'v1.0.0', to: 'v1.1.0', scope: '/root/go/bin/x' },
      { name: 'example.test/x', from: 'v1.0.0', to: 'v1.1.0;id', scope: '/root/go/bin/x' },
      { name: 'example.test/x', from: 'v1.0.0', to: 'v1.1.0', scope: '/root/go/bin/x $(id)' },
      { name: 'example.test/x', from: 'v1.0.0', to: 'v1.1.0' },
    ];
    for (const u of bad)
      expect(() => planSteps(options(), { updates: [u], withheld: [] })).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
  });
});

describe('plan', () => {
  it('one go install per binary, GOBIN at its directory, the install timeout, nothing when nothing is pending', () => {
    const u = { name: 'golang.org/x/tools/gopls', from: 'v0.15.0', to: 'v0.16.1', scope: '/usr/local/bin/gopls' };
    expect(planSteps(options({ go: '/usr/local/go/bin/go', install_timeout_s: 60 }), { updates: [u], withheld: [] })).toEqual([
      {
        id: 'go:/usr/local/bin/gopls',
        title: 'go install golang.org/x/tools/gopls@v0.16.1 into /usr/local/bin',
        argv: ['env', 'GOBIN=/usr/local/bin', '/usr/local/go/bin/go', 'install', '-mod=mod', 'golang.org/x/tools/gopls@v0.16.1'],
        timeoutMs: 60_000,
        updates: [u],
      },
    ]);
    expect(planSteps(options(), { updates: [], withheld: [{ name: 'x', reason: 'y' }] })).toEqual([]);
  });

  it('reads only the variables it needs from go env', () => {
    expect(goArgv.env('go')).toEqual([
      'go',
      'env',
      '-json',
      'GOBIN',
      'GOPATH',
      'GOMODCACHE',
      'GOCACHE',
      'GOPROXY',
      'GONOPROXY',
      'GOPRIVATE',
      'GONOSUMDB',
      'GOSUMDB',
      'GOINSECURE',
      'GOFLAGS',
    ]);
  });
});

describe('Go module rules', () => {
  it('orders versions as Go does (prerelease and pseudo-versions before the release)', () => {
    const sorted = [
      'v1.10.0',
      'v1.2.0',
      'v1.2.0-rc.1',
      'v0.0.0-20240101120000-abcdef123456',
      'v1.2.0-alpha',
      'v2.0.0+incompatible',
      'v1.2.1',
    ].sort(compareGoVersions);
    expect(sorted).toEqual([
      'v0.0.0-20240101120000-abcdef123456',
      'v1.2.0-alpha',
      'v1.2.0-rc.1',
      'v1.2.0',
      'v1.2.1',
      'v1.10.0',
      'v2.0.0+incompatible',
    ]);
    expect(compareGoVersions('v1.0.0+meta', 'v1.0.0')).toBe(0);
  });

  it('names the next major module path and the file go install writes', () => {
    expect(nextMajorPath('example.test/hello')).toBe('example.test/hello/v2');
    expect(nextMajorPath('example.test/hello/v2')).toBe('example.test/hello/v3');
    expect(nextMajorPath('example.test/hello/v10')).toBe('example.test/hello/v11');
    expect(nextMajorPath('gopkg.in/yaml.v3')).toBeUndefined();
    expect(splitMajorSuffix('example.test/v1')).toEqual({ prefix: 'example.test/v1', major: 1 });
    expect(packageInModule('example.test/stay/cmd/stay', 'example.test/stay', 'example.test/stay/v2')).toBe(
      'example.test/stay/v2/cmd/stay',
    );
    expect(packageInModule('example.test/stayer', 'example.test/stay', 'example.test/stay/v2')).toBeUndefined();
    expect(installName('example.test/hello/v2')).toBe('hello');
    expect(installName('github.com/go-delve/delve/cmd/dlv')).toBe('dlv');
    expect(installName('example.test/v1')).toBe('v1');
  });

  it('matches GOPRIVATE/GONOPROXY patterns by leading path elements', () => {
    expect(matchPrefixPatterns('example.test', 'example.test/hello/v2')).toBe(true);
    expect(matchPrefixPatterns('*.corp.example,git.x/y', 'git.corp.example/team/tool')).toBe(true);
    expect(matchPrefixPatterns('*.corp.example,git.x/y', 'git.x/y/z')).toBe(true);
    expect(matchPrefixPatterns('git.x/y', 'git.x/yz')).toBe(false);
    expect(matchPrefixPatterns('*', 'github.com/a/b')).toBe(true);
    expect(matchPrefixPatterns('github.com/*', 'github.com/a/b')).toBe(true);
    expect(matchPrefixPatterns('github.com/[ab]*', 'github.com/cat')).toBe(false);
    expect(matchPrefixPatterns('', 'github.com/a')).toBe(false);
  });

  it('tells a missing module from a failed lookup (real stderr of go 1.19)', () => {
    expect(
      saysModuleAbsent(
        'go: module example.test/stay/v2: reading http://127.0.0.1:38123/example.test/stay/v2/@v/list: 404 Not Found\n\tserver response: not found',
      ),
    ).toBe(true);
    expect(
      saysModuleAbsent(
        'go: module example.test/hello/v2: Get "http://127.0.0.1:9/example.test/hello/v2/@v/list": dial tcp 127.0.0.1:9: connect: connection refused',
      ),
    ).toBe(false);
    expect(
      saysModuleAbsent(
        'go: example.test/stay@latest: unrecognized import path "example.test/stay": https fetch: Get "https://example.test/stay?go-get=1": dial tcp: lookup example.test on 10.255.255.53:53: no such host',
      ),
    ).toBe(false);
  });

  it('parses go list -m -json and go env -json, refusing other output', () => {
    expect(parseModuleQuery('{"Path":"example.test/hello","Version":"v1.1.0","Query":"latest"}')).toEqual({
      path: 'example.test/hello',
      version: 'v1.1.0',
    });
    expect(() => parseModuleQuery('go: downloading')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(() => parseModuleQuery('[]')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(parseGoEnv('{"GOPROXY":"off","GOBIN":""}')).toMatchObject({ GOPROXY: 'off', GOBIN: '', GOPATH: '' });
    expect(defaultBinDir(env({ GOBIN: '/usr/local/bin' }))).toBe('/usr/local/bin');
    expect(defaultBinDir(env({ GOPATH: '/srv/go:/other/go' }))).toBe('/srv/go/bin');
    expect(defaultBinDir(env({ GOPATH: '' }))).toBeUndefined();
  });
});

describe('go output in messages', () => {
  it('hides credentials in URLs (go masks only the password: measured with Go 1.19)', () => {
    expect(
      redactCredentials(
        'go: module example.test/x: refusing to pass credentials to insecure URL: http://u:xxxxx@127.0.0.1:9/example.test/x/@v/list',
      ),
    ).toBe('go: module example.test/x: refusing to pass credentials to insecure URL: http://***@127.0.0.1:9/example.test/x/@v/list');
    expect(redactCredentials('Get "https://ci:tok3n@goproxy.corp/x/@v/list": EOF')).toBe('Get "https://***@goproxy.corp/x/@v/list": EOF');
    expect(redactCredentials('main.go:4:2: undefined: undefinedGreeting')).toBe('main.go:4:2: undefined: undefinedGreeting');
  });
});

describe('sources: endpoints from the go env', () => {
  const via = (s: string) => `${s} (go env, read with go env -json)`;
  it('the default: proxy.golang.org only (the sum database is reached through it)', () => {
    expect(goEndpoints(env(), ['golang.org/x/tools/gopls'])).toEqual([
      { host: 'proxy.golang.org', port: 443, origin: via('GOPROXY https://proxy.golang.org') },
    ]);
  });

  it('only the first GOPROXY entry, with credentials hidden', () => {
    expect(goEndpoints(env({ GOPROXY: 'https://ci:tok3n@goproxy.corp:8443/mod|https://proxy.golang.org' }), ['example.test/x'])).toEqual([
      { host: 'goproxy.corp', port: 8443, origin: via('GOPROXY https://***@goproxy.corp:8443/mod') },
    ]);
    expect(firstProxyEntry('')).toBe('off');
  });

  it('GOPROXY=direct: the module hosts and the checksum database; GONOSUMDB exempts a module', () => {
    expect(goEndpoints(env({ GOPROXY: 'direct' }), ['github.com/a/b', 'github.com/c/d', 'example.test/x'])).toEqual([
      { host: 'github.com', port: 443, origin: via('direct fetch of github.com/a/b, GOPROXY starts with direct') },
      { host: 'example.test', port: 443, origin: via('direct fetch of example.test/x, GOPROXY starts with direct') },
      { host: 'sum.golang.org', port: 443, origin: via('checksum database GOSUMDB https://sum.golang.org') },
    ]);
    expect(goEndpoints(env({ GOPROXY: 'direct', GONOSUMDB: 'example.test' }), ['example.test/x']).map((e) => e.host)).toEqual([
      'example.test',
    ]);
    expect(sumdbUrl('sum.golang.google.cn')).toBe('https://sum.golang.google.cn');
    expect(sumdbUrl('sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ze6iNTDfbd7/yYaD https://sum.example/db')).toBe(
      'https://sum.example/db',
    );
    expect(sumdbUrl('off')).toBeUndefined();
  });

  it('GONOPROXY modules go direct, GOPROXY=off and file:// proxies contact nothing, no modules: no endpoints', () => {
    expect(
      goEndpoints(env({ GONOPROXY: 'git.corp.example' }), ['git.corp.example/t/tool', 'golang.org/x/tools']).map(
        (e) => `${e.host}:${e.port}`,
      ),
    ).toEqual(['git.corp.example:443', 'proxy.golang.org:443']);
    expect(goEndpoints(env({ GOPROXY: 'off' }), ['golang.org/x/tools'])).toEqual([]);
    expect(goEndpoints(env({ GOPROXY: 'file:///srv/goproxy' }), ['golang.org/x/tools'])).toEqual([]);
    expect(goEndpoints(env(), [])).toEqual([]);
  });
});
