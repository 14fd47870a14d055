// The kit's checks of the optional Runner methods must refuse what they promise to refuse: each
// is run here on small runners that break one rule, next to one that keeps them all. (The real
// runners pass them in their own contract tests, on captured recordings.)
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { UnrotError } from '../src/errors.js';
import { silentLogger } from '../src/logger.js';
import type { Runner, RunnerContext, SourceEndpoint } from '../src/runner.js';
import { isSourceHost } from '../src/source-endpoint.js';
import { contractContainer } from '../src/testing/contract-kit.js';
import { createReplayExec, type Recording } from '../src/testing/replay-exec.js';
import {
  assertDeclaredCommands,
  assertNoShell,
  assertSourceEndpoint,
  assertSourcesAbort,
  assertSourcesRun,
  assertValidateOptions,
  credentialIn,
  resolveOptionsPath,
} from '../src/testing/runner-checks.js';

const CAT: Recording = { argv: ['cat', '/etc/demo.conf'], exitCode: 0, stdout: 'mirror=http://mirror.example.org:8080/\n' };
const MIRROR: SourceEndpoint = {
  host: 'mirror.example.org',
  port: 8080,
  origin: 'mirror http://mirror.example.org:8080/ (/etc/demo.conf)',
};
const SECOND: SourceEndpoint = { host: '2001:db8::1', port: 443, origin: 'mirror https://[2001:db8::1]/ (/etc/demo.conf)' };

type Sources = NonNullable<Runner['sources']>;

function demoRunner(extra: Partial<Runner> = {}): Runner {
  return {
    id: 'demo',
    sdk: 1,
    kind: 'app',
    description: 'a runner for these tests',
    optionsSchema: Type.Object({}),
    detect: async () => ({ applicable: true }),
    check: async () => ({ updates: [], withheld: [] }),
    plan: async () => [],
    apply: async () => ({ changed: [], steps: [] }),
    ...extra,
  };
}

function context(recordings: Recording[] = [CAT], signal = new AbortController().signal) {
  const exec = createReplayExec(recordings, { signal });
  const ctx: RunnerContext<unknown> = { exec, log: silentLogger, signal, options: {}, container: contractContainer(), exclusions: [] };
  return { exec, ctx };
}

/** A well-behaved sources(): reads, stops on abort, returns what it read. */
const goodSources: Sources = async (ctx) => {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'aborted');
  await ctx.exec.read(['cat', '/etc/demo.conf']);
  return [SECOND, MIRROR];
};

async function sourcesRun(sources: Sources, expected: SourceEndpoint[] = [MIRROR, SECOND], recordings: Recording[] = [CAT]) {
  const { exec, ctx } = context(recordings);
  return assertSourcesRun(demoRunner({ sources }), ctx, exec.records, expected);
}

describe('argv and shells', () => {
  it.each([
    [['sh', '-c', 'apt-get update']],
    [['/bin/bash', '-lc', 'apt-get update']],
    [['env', 'LC_ALL=C', 'sh', '-ec', 'apt-get update']],
    [['/usr/bin/env', '-i', 'PATH=/bin', 'dash', '-c', 'x']],
    [['busybox', 'sh', '-c', 'x']],
    [['bash', '--norc', '-o', 'pipefail', '-c', 'x']],
  ])('refuses %j', (argv) => {
    expect(() => assertNoShell(argv)).toThrow(/shell command/);
  });

  it.each([
    [['env', 'LC_ALL=C', 'apt-get', 'update']],
    [['bash', '/opt/app/update.sh', '-c', 'prod']],
    [['apt-config', '-c', '/etc/apt/apt.conf', 'dump']],
    [['busybox', 'nc', '-z', 'host', '80']],
    [['timeout', '5', 'bash', '-c', 'x']],
  ])('lets %j pass (no shell reads a command string from it)', (argv) => {
    // `timeout 5 bash -c` is left to the runner's own review: only the leading program is judged.
    expect(() => assertNoShell(argv)).not.toThrow();
  });

  it("lets a runner's declared constant script pass (arguments as positional parameters), and nothing else", () => {
    const script = 'apt-get update -o "DPkg::Lock::Timeout=$1"';
    expect(() => assertNoShell(['env', 'LC_ALL=C', 'sh', '-c', script, 'name', '120'], [script])).not.toThrow();
    expect(() => assertNoShell(['sh', '-c', `${script}; reboot`, 'name', '120'], [script])).toThrow(/shell command/);
    expect(() => assertNoShell(['sh', '-c', 'apt-get update -o DPkg::Lock::Timeout=120'], [script])).toThrow(/shell command/);
  });
});

describe('endpoints', () => {
  it.each(['deb.debian.org', 'registry.npmjs.org.', '127.0.0.1', '2001:db8::1', '::1', 'proxy-1.lan'])('accepts host %s', (host) => {
    expect(isSourceHost(host)).toBe(true);
  });

  it.each(['', '[::1]', 'fe80::1%eth0', 'a;reboot', '$(reboot)', '-oProxyCommand=x', 'host:80', '999.1.1.1', 'a b', 'ex_ample.org'])(
    'refuses host %j',
    (host) => {
      expect(isSourceHost(host)).toBe(false);
    },
  );

  it.each([
    ['deb http://deb.debian.org/debian (/etc/apt/sources.list)'],
    [
      'Acquire::http::Proxy http://***@proxy.lan:3128/ (apt-config), for deb http://deb.debian.org/debian (/etc/apt/sources.list.d/debian.sources)',
    ],
    ['https-proxy http://unrot:***@proxy.example:3128 (npm --prefix /opt/app config list)'],
    ['deb-src http://[2001:db8::1]/debian (/etc/apt/sources.list.d/edge-cases.list)'],
    ['index-url http://127.0.0.1:8080/simple/ (:env:.index-url (PIP_INDEX_URL), /venv/bin/python -m pip config list)'],
    ['deb ssh://deploy@apt.example.org/debian (/etc/apt/sources.list)'],
  ])('finds no credential in %s', (origin) => {
    expect(credentialIn(origin)).toBeUndefined();
  });

  it.each([
    ['proxy http://unrot:s3cret@proxy.lan:3128 (pip.conf)'],
    ['registry https://ghp_s3cret@npm.pkg.github.com/ (.npmrc)'],
    ['proxy unrot:s3cret@proxy.lan:3128 (environment)'],
    ['deb mirror+https://u:s3cret@mirrors.example.org/list.txt (/etc/apt/sources.list)'],
  ])('finds a credential in %s, without repeating the secret', (origin) => {
    const found = credentialIn(origin);
    expect(found).toBeDefined();
    expect(found).not.toContain('s3cret');
  });

  it('refuses an endpoint whose port, host or origin is wrong', () => {
    expect(() => assertSourceEndpoint(MIRROR)).not.toThrow();
    expect(() => assertSourceEndpoint({ ...MIRROR, port: 0 })).toThrow(/port/);
    expect(() => assertSourceEndpoint({ ...MIRROR, port: 65536 })).toThrow(/port/);
    expect(() => assertSourceEndpoint({ ...MIRROR, port: 80.5 })).toThrow(/port/);
    expect(() => assertSourceEndpoint({ ...MIRROR, port: '80' })).toThrow(/port/);
    expect(() => assertSourceEndpoint({ ...MIRROR, host: 'mirror.example.org:8080' })).toThrow(/host/);
    expect(() => assertSourceEndpoint({ ...MIRROR, origin: ' ' })).toThrow(/origin/);
    expect(() => assertSourceEndpoint({ ...MIRROR, origin: 'mirror\n\u001b[2Jfake line' })).toThrow(/one line/);
    expect(() => assertSourceEndpoint({ ...MIRROR, origin: 'mirror http://u:pw@mirror.example.org:8080/' })).toThrow(/credential/);
  });
});

describe('sources() on recordings', () => {
  it('passes a runner that reads and returns the expected endpoints, in any order', async () => {
    await expect(sourcesRun(goodSources)).resolves.toBeUndefined();
  });

  it('fails a runner that returns one endpoint too many, too few or another origin', async () => {
    await expect(sourcesRun(goodSources, [MIRROR])).rejects.toThrow(/exactly the expected endpoints/);
    await expect(sourcesRun(goodSources, [MIRROR, SECOND, { ...MIRROR, port: 80 }])).rejects.toThrow(/exactly the expected endpoints/);
    await expect(sourcesRun(goodSources, [MIRROR, { ...SECOND, origin: 'elsewhere' }])).rejects.toThrow(/exactly the expected endpoints/);
  });

  it('fails a runner that changes anything', async () => {
    const changes: Sources = async (ctx) => {
      await ctx.exec.change(['cat', '/etc/demo.conf']);
      return [MIRROR, SECOND];
    };
    await expect(sourcesRun(changes)).rejects.toThrow(/only reads/);
  });

  it('fails a runner that reads through a shell', async () => {
    const shell: Sources = async (ctx) => {
      await ctx.exec.read(['sh', '-c', 'cat /etc/demo.conf']);
      return [MIRROR, SECOND];
    };
    await expect(
      sourcesRun(shell, [MIRROR, SECOND], [{ argv: ['sh', '-c', 'cat /etc/demo.conf'], exitCode: 0, stdout: '' }]),
    ).rejects.toThrow(/shell command/);
  });

  it('fails a runner whose endpoint would not pass the pre-flight, or leaks a credential', async () => {
    const bracketed = { ...SECOND, host: '[2001:db8::1]' };
    await expect(sourcesRun(async () => [bracketed], [bracketed])).rejects.toThrow(/host/);
    const leaky = { ...MIRROR, origin: 'mirror http://unrot:s3cret@mirror.example.org:8080/' };
    await expect(sourcesRun(async () => [leaky], [leaky])).rejects.toThrow(/credential/);
    const extra = { ...MIRROR, url: 'http://mirror.example.org:8080/' };
    await expect(sourcesRun(async () => [extra], [MIRROR])).rejects.toThrow(/only host, port and origin/);
  });

  it('on an aborted signal: passes a coded rejection, fails a result or an uncoded error', async () => {
    const aborted = () => {
      const controller = new AbortController();
      controller.abort();
      return context([CAT], controller.signal).ctx;
    };
    await expect(assertSourcesAbort(demoRunner({ sources: goodSources }), aborted())).resolves.toBeUndefined();
    // Through the replay exec, which rejects with E_EXEC_ABORTED like the engine's exec.
    const readsFirst: Sources = async (ctx) => {
      await ctx.exec.read(['cat', '/etc/demo.conf']);
      return [MIRROR];
    };
    await expect(assertSourcesAbort(demoRunner({ sources: readsFirst }), aborted())).resolves.toBeUndefined();
    await expect(assertSourcesAbort(demoRunner({ sources: async () => [] }), aborted())).rejects.toThrow(/must reject/);
    const swallows: Sources = async (ctx) =>
      ctx.exec.read(['cat', '/etc/demo.conf']).then(
        () => [MIRROR],
        () => [],
      );
    await expect(assertSourcesAbort(demoRunner({ sources: swallows }), aborted())).rejects.toThrow(/must reject/);
    const plain: Sources = async () => {
      throw new Error('aborted');
    };
    await expect(assertSourcesAbort(demoRunner({ sources: plain }), aborted())).rejects.toThrow(/coded UnrotError/);
  });
});

describe('declaredCommands and validateOptions', () => {
  const options = {
    commands: [
      { name: 'migrate', argv: ['/opt/app/bin/migrate', '--apply'], only_if: ['test', '-e', '/opt/app/.pending'] },
      { name: 'cache', argv: ['/opt/app/bin/clear-cache'] },
    ],
  };
  type Options = typeof options;
  const declared = (o: Options) =>
    o.commands.flatMap((c, i) => [
      { argv: c.argv, path: ['commands', i, 'argv'] },
      ...(c.only_if ? [{ argv: c.only_if, path: ['commands', i, 'only_if'] }] : []),
    ]);
  const runnerWith = (extra: { declaredCommands?: (o: Options) => unknown; validateOptions?: (o: Options) => unknown }) =>
    demoRunner(extra as Partial<Runner>);

  it('resolves paths only through own keys and in-range indexes', () => {
    expect(resolveOptionsPath(options, ['commands', 1, 'argv'])).toEqual({ found: true, value: ['/opt/app/bin/clear-cache'] });
    expect(resolveOptionsPath(options, ['commands', 2, 'argv']).found).toBe(false);
    expect(resolveOptionsPath(options, ['commands', '0', 'argv']).found).toBe(false);
    expect(resolveOptionsPath(options, ['commands', 1, 'only_if']).found).toBe(false);
    expect(resolveOptionsPath(options, ['constructor']).found).toBe(false);
  });

  it('passes commands found at their paths, and fails one whose path holds something else or nothing', () => {
    expect(assertDeclaredCommands(runnerWith({ declaredCommands: declared }), options)).toHaveLength(3);
    const wrongPath = (o: Options) => declared(o).map((d) => ({ ...d, path: ['commands', 0, 'argv'] }));
    expect(() => assertDeclaredCommands(runnerWith({ declaredCommands: wrongPath }), options)).toThrow(/the options hold this argv/);
    const noPath = (o: Options) => declared(o).map((d) => ({ ...d, path: ['steps', 0] }));
    expect(() => assertDeclaredCommands(runnerWith({ declaredCommands: noPath }), options)).toThrow(/exists in the options/);
    const stringPath = (o: Options) => declared(o).map((d) => ({ ...d, path: 'commands[0].argv' }));
    expect(() => assertDeclaredCommands(runnerWith({ declaredCommands: stringPath }), options)).toThrow(/array of keys/);
    const emptyArgv = () => [{ argv: [], path: ['commands'] }];
    expect(() => assertDeclaredCommands(runnerWith({ declaredCommands: emptyArgv }), options)).toThrow(/non-empty array of strings/);
  });

  it('fails a method that writes into its options or answers differently for the same options', () => {
    const writes = (o: Options) => {
      o.commands.sort((a, b) => a.name.localeCompare(b.name));
      return declared(o);
    };
    expect(() => assertDeclaredCommands(runnerWith({ declaredCommands: writes }), options)).toThrow(/must be pure/);
    let calls = 0;
    const stateful = () => (calls++ === 0 ? [] : [{ path: ['commands'], message: 'second look' }]);
    expect(() => assertValidateOptions(runnerWith({ validateOptions: stateful }), options)).toThrow(/pure/);
  });

  it('passes problems whose paths exist, and fails one without a message or with a path outside the options', () => {
    const dup = () => [{ path: ['commands', 1, 'name'], message: "'cache' is already the name of commands[0]" }];
    expect(assertValidateOptions(runnerWith({ validateOptions: dup }), options)).toHaveLength(1);
    const outside = () => [{ path: ['commands', 5, 'name'], message: 'no such command' }];
    expect(() => assertValidateOptions(runnerWith({ validateOptions: outside }), options)).toThrow(/exists in the options/);
    const silent = () => [{ path: ['commands', 1, 'name'], message: '' }];
    expect(() => assertValidateOptions(runnerWith({ validateOptions: silent }), options)).toThrow(/message/);
    expect(() => assertValidateOptions(runnerWith({ validateOptions: () => 'bad' }), options)).toThrow(/returns an array/);
  });
});
