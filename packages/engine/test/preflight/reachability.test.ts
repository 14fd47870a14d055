// checkReachability against this machine for real: createLocalExec runs every probe command
// (timeout, bash, getent, nc) on the host as the engine would run it inside a container, with
// the engine's clean C-locale environment. Servers, closed and silent ports are real loopback sockets.
import { isSourceHost, type SourceEndpoint } from '@unrot/sdk';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_PROBE_SCRIPT, parseBatchProbes } from '../../src/preflight/connect-probes.js';
import { checkReachability } from '../../src/preflight/reachability.js';
import { closedPort, type Listener, listen, provisionOpenbsdNetcat, silentPort, toolDir } from './network-fixtures.js';

const ENV = { LANG: 'C', LC_ALL: 'C' };
const hostExec = (path = '/usr/bin:/bin') => createLocalExec({ env: { ...ENV, PATH: path } });
const at = (host: string, port: number, origin = 'test'): SourceEndpoint => ({ host, port, origin });

let v4: Listener;
let v6: Listener;
beforeAll(async () => {
  v4 = await listen('127.0.0.1');
  v6 = await listen('::1');
});
afterAll(async () => {
  await v4?.close();
  await v6?.close();
});

describe('checkReachability with bash /dev/tcp (the first choice)', () => {
  it('a listening port is reachable, by IPv4, IPv6 literal and name, in ONE exec: the constant script plus positional parameters', async () => {
    const exec = hostExec();
    const results = await checkReachability(exec.read, [at('127.0.0.1', v4.port), at('::1', v6.port), at('localhost', v4.port)], {
      timeoutS: 3,
    });
    expect(results.map((r) => [r.ok, r.reason, r.method])).toEqual([
      [true, 'connected', 'bash'],
      [true, 'connected', 'bash'],
      [true, 'connected', 'bash'],
    ]);
    expect(results[1]?.detail).toBe(`connected to [::1]:${v6.port} from inside the container`);
    expect(exec.records.map((r) => r.argv)).toEqual([
      [
        'sh',
        '-c',
        BATCH_PROBE_SCRIPT,
        'unrot-probes',
        '3',
        'bash',
        '4',
        '127.0.0.1',
        String(v4.port),
        '::1',
        String(v6.port),
        'localhost',
        String(v4.port),
      ],
    ]);
    expect(exec.records.every((r) => r.kind === 'read')).toBe(true);
  });

  it('a closed port is refused (and no DNS lookup is needed to say so)', async () => {
    const port = await closedPort();
    const exec = hostExec();
    const [r] = await checkReachability(exec.read, [at('127.0.0.1', port)], { timeoutS: 3 });
    expect(r).toMatchObject({ ok: false, reason: 'refused', method: 'bash' });
    expect(r?.detail).toMatch(new RegExp(`^connection to 127\\.0\\.0\\.1:${port} refused: .*Connection refused$`));
    expect(exec.records.map((rec) => rec.argv.slice(0, 2))).toEqual([['sh', '-c']]);
  });

  it('an unresolvable name is a DNS failure, confirmed with getent hosts', async () => {
    const exec = hostExec();
    const [r] = await checkReachability(exec.read, [at('no-such-host.invalid', 443, 'registry https://no-such-host.invalid/')], {
      timeoutS: 5,
    });
    expect(r).toMatchObject({ ok: false, reason: 'dns', endpoint: { origin: 'registry https://no-such-host.invalid/' } });
    expect(r?.detail).toBe('DNS failure: no-such-host.invalid does not resolve in the container (getent hosts exit 2)');
    expect(exec.records.map((rec) => rec.argv)).toContainEqual(['getent', 'hosts', 'no-such-host.invalid']);
  });

  it('a port that never answers is a timeout after timeoutS, the name having resolved', async () => {
    const silent = await silentPort();
    try {
      const started = Date.now();
      const [r] = await checkReachability(hostExec().read, [at('localhost', silent.port)], { timeoutS: 1 });
      expect(r).toMatchObject({ ok: false, reason: 'timeout', method: 'bash' });
      expect(r?.detail).toMatch(new RegExp(`^no answer from localhost:${silent.port} \\(resolves to (127\\.0\\.0\\.1|::1)\\) within 1 s`));
      expect(Date.now() - started).toBeLessThan(8000);
      expect(r?.durationMs).toBeGreaterThanOrEqual(900);
    } finally {
      await silent.close();
    }
  });

  it('probes each host:port once, in one exec that runs at most `concurrency` at a time, and answers every endpoint in input order', async () => {
    const exec = hostExec();
    let running = 0;
    let peak = 0;
    const read: typeof exec.read = async (argv, opts) => {
      running++;
      peak = Math.max(peak, running);
      try {
        return await exec.read(argv, opts);
      } finally {
        running--;
      }
    };
    const closed = await Promise.all([closedPort(), closedPort(), closedPort(), closedPort()]);
    const endpoints = [
      at('127.0.0.1', v4.port, 'first'),
      ...closed.map((p) => at('127.0.0.1', p)),
      at('LOCALHOST', v4.port, 'a'),
      at('localhost', v4.port, 'b'),
    ];
    const results = await checkReachability(read, endpoints, { timeoutS: 3, concurrency: 2 });
    expect(results.map((r) => r.endpoint)).toEqual(endpoints);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false, false, true, true]);
    // One batch exec; refused needs no DNS lookup, so nothing else ran.
    expect(exec.records).toHaveLength(1);
    expect(exec.records[0]?.argv.slice(4, 7)).toEqual(['3', 'bash', '2']);
    expect(exec.records[0]?.argv.slice(7)).toHaveLength(2 * 6);
    expect(peak).toBe(1);
  });
});

describe('checkReachability refuses endpoints that are not plainly a host and a port, before running anything', () => {
  const hostile = [
    'foo;reboot',
    '$(reboot)',
    '`id`',
    'a b',
    '-oProxyCommand=reboot',
    'host/../x',
    'x\nreboot',
    '',
    '999.1.1.1',
    '[::1]',
    'fe80::1%eth0',
  ];

  it.each(hostile)('host %j → E_RUNNER_INVALID_OUTPUT and no command at all', async (host) => {
    const exec = hostExec();
    const error = await checkReachability(exec.read, [at('127.0.0.1', v4.port), at(host, 80, 'evil runner')], { timeoutS: 2 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_RUNNER_INVALID_OUTPUT', details: { host, origin: 'evil runner' } });
    expect(exec.records).toEqual([]);
  });

  it.each([0, -1, 65536, 80.5, Number.NaN])('port %s → E_RUNNER_INVALID_OUTPUT and no command', async (port) => {
    const exec = hostExec();
    await expect(checkReachability(exec.read, [at('127.0.0.1', port)], { timeoutS: 2 })).rejects.toMatchObject({
      code: 'E_RUNNER_INVALID_OUTPUT',
    });
    expect(exec.records).toEqual([]);
  });

  it('accepts names, IPv4 and IPv6 literals', () => {
    for (const ok of [
      'deb.debian.org',
      'registry.npmjs.org.',
      'localhost',
      'xn--bcher-kva.example',
      '10.0.0.1',
      '::1',
      '2001:db8::1',
      '::ffff:10.0.0.1',
    ])
      expect(isSourceHost(ok), ok).toBe(true);
  });

  it('an aborted signal stops before the first probe', async () => {
    const exec = hostExec();
    const controller = new AbortController();
    controller.abort();
    await expect(
      checkReachability(exec.read, [at('127.0.0.1', v4.port)], { timeoutS: 2, signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'E_EXEC_ABORTED' });
    expect(exec.records).toEqual([]);
  });
});

describe('checkReachability in containers without bash', () => {
  let nc = '';
  beforeAll(async () => {
    nc = await provisionOpenbsdNetcat();
  });

  it('falls back to nc -z (Debian 12 OpenBSD netcat): connected, refused, DNS failure', async () => {
    const tools = toolDir({ sh: '/bin/sh', timeout: '/usr/bin/timeout', getent: '/usr/bin/getent', nc });
    try {
      const exec = hostExec(tools.path);
      const port = await closedPort();
      const results = await checkReachability(
        exec.read,
        [at('127.0.0.1', v4.port), at('127.0.0.1', port), at('no-such-host.invalid', 80)],
        {
          timeoutS: 3,
          concurrency: 1,
        },
      );
      expect(results.map((r) => [r.ok, r.reason, r.method])).toEqual([
        [true, 'connected', 'nc'],
        [false, 'refused', 'nc'],
        [false, 'dns', 'nc'],
      ]);
      expect(results[1]?.detail).toContain('Connection refused');
      // One batch with bash (exit 127 from timeout for every endpoint), one with nc, one name lookup.
      expect(exec.records.map((r) => (r.argv[0] === 'sh' ? `batch ${r.argv[5]}` : r.argv.join(' ')))).toEqual([
        'batch bash',
        'batch nc',
        'getent hosts no-such-host.invalid',
      ]);
    } finally {
      tools.remove();
    }
  });

  it('an nc without -z (Debian busybox) is not mistaken for a failed connection: with nothing else the result is unverifiable', async () => {
    const tools = toolDir({
      sh: '/bin/sh',
      timeout: '/usr/bin/timeout',
      getent: '/usr/bin/getent',
      nc: '/usr/bin/busybox',
      busybox: '/usr/bin/busybox',
    });
    try {
      const exec = hostExec(tools.path);
      const [r] = await checkReachability(exec.read, [at('127.0.0.1', v4.port)], { timeoutS: 2 });
      expect(r).toMatchObject({ ok: 'unverifiable', reason: 'no-probe-tool' });
      expect(r?.method).toBeUndefined();
      expect(exec.records.map((rec) => rec.argv[5])).toEqual(['bash', 'nc', 'busybox-nc']);
    } finally {
      tools.remove();
    }
  });

  it('with neither bash, nc nor busybox every endpoint is unverifiable (a warning), never a failure', async () => {
    const tools = toolDir({ timeout: '/usr/bin/timeout', getent: '/usr/bin/getent' });
    try {
      const results = await checkReachability(hostExec(tools.path).read, [at('127.0.0.1', v4.port), at('no-such-host.invalid', 80)], {
        timeoutS: 2,
      });
      expect(results.map((r) => r.ok)).toEqual(['unverifiable', 'unverifiable']);
      expect(results[0]?.detail).toMatch(/^cannot test 127\.0\.0\.1:\d+ from inside the container/);
    } finally {
      tools.remove();
    }
  });

  it('without even sh (a batch cannot run), each endpoint is probed on its own, as the argv of its method', async () => {
    const tools = toolDir({ timeout: '/usr/bin/timeout', getent: '/usr/bin/getent', nc });
    try {
      const exec = hostExec(tools.path);
      const [r] = await checkReachability(exec.read, [at('127.0.0.1', v4.port)], { timeoutS: 3 });
      expect(r).toMatchObject({ ok: true, reason: 'connected', method: 'nc' });
      expect(exec.records.map((rec) => rec.argv[0])).toEqual(['sh', 'timeout', 'sh', 'nc']);
    } finally {
      tools.remove();
    }
  });
});

describe('the batch output is untrusted', () => {
  it('keeps one record per index: garbled, repeated and out-of-range lines are left out (those endpoints are probed alone)', () => {
    const stdout = [
      '@unrot-probe 0 0 ',
      '@unrot-probe 1 1 unrot-probe: connect: Connection refused\x1funrot-probe: line 1: /dev/tcp/h/1: Connection refused',
      '@unrot-probe 2 0 forged',
      '@unrot-probe 2 1 the real one',
      '@unrot-probe 7 0 no such endpoint',
      '@unrot-probe 3 9999 exit code out of range',
      '@unrot-probe 3 0 @unrot-probe 4 0 interleaved',
      'garbage; $(reboot)',
    ].join('\n');
    const records = parseBatchProbes(stdout, 5);
    expect([...records.keys()].sort()).toEqual([0, 1, 3]);
    expect(records.get(1)?.stderr).toBe('unrot-probe: connect: Connection refused\nunrot-probe: line 1: /dev/tcp/h/1: Connection refused');
    expect(records.get(3)).toEqual({ exitCode: 0, stderr: '@unrot-probe 4 0 interleaved' });
  });
});
