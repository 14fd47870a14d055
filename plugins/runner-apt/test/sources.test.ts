// sources(): parsing of real source files and real apt-config output (test/fixtures/sources/README.md
// says where each came from), and the whole read path replayed from a real chroot run.
import { readFileSync } from 'node:fs';
import { type RunnerContext, type SourceEndpoint, silentLogger } from '@unrot/sdk';
import { contractContainer, createReplayExec, type Recording } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { parseAptConfigDump } from '../src/apt-proxy.js';
import { discoveryArgv } from '../src/discovery.js';
import { runner } from '../src/index.js';
import type { AptOptions } from '../src/options.js';
import { parseDeb822Sources, parseOneLineSources } from '../src/source-lists.js';
import { aptEndpoints, sourceFiles } from '../src/sources.js';
import scenarios from './fixtures/sources-scenarios.json' with { type: 'json' };

const fixture = (name: string) => readFileSync(new URL(`./fixtures/sources/${name}`, import.meta.url), 'utf8');
const NO_PROXY = parseAptConfigDump('');

function endpointsOf(name: string, dump = NO_PROXY, warnings: string[] = []): SourceEndpoint[] {
  const file = `/etc/apt/sources.list.d/${name}`;
  const text = fixture(name);
  const { entries } = name.endsWith('.sources') ? parseDeb822Sources(text, file) : parseOneLineSources(text, file);
  return aptEndpoints(entries, dump, (w) => warnings.push(w));
}
const hostPorts = (endpoints: SourceEndpoint[]) => endpoints.map((e) => `${e.host} ${e.port}`);

describe('apt source files (real ones)', () => {
  it('Debian 12 host debian.sources (deb822 with snapshot comments inside the stanzas): deb.debian.org:80 once', () => {
    expect(endpointsOf('host-debian12-debian.sources')).toEqual([
      {
        host: 'deb.debian.org',
        port: 80,
        origin: 'deb http://deb.debian.org/debian (/etc/apt/sources.list.d/host-debian12-debian.sources)',
      },
    ]);
    expect(parseDeb822Sources(fixture('host-debian12-debian.sources'), 'x').entries.map((e) => e.uri)).toEqual([
      'http://deb.debian.org/debian',
      'http://deb.debian.org/debian-security',
    ]);
  });

  it('Debian 13 (trixie) debian.sources as the official image ships it', () => {
    expect(hostPorts(endpointsOf('debian13-trixie-debian.sources'))).toEqual(['deb.debian.org 80']);
  });

  it("apt's example sources.list (one-line, commented deb-src lines) and debootstrap's one-liner", () => {
    expect(parseOneLineSources(fixture('apt-examples-sources.list'), 'x').entries).toHaveLength(3);
    expect(hostPorts(endpointsOf('apt-examples-sources.list'))).toEqual(['deb.debian.org 80']);
    expect(hostPorts(endpointsOf('debootstrap-bookworm-sources.list'))).toEqual(['deb.debian.org 80']);
  });

  it('third-party https repositories: NodeSource (deb822 with Architectures) and Google Cloud SDK (one-line)', () => {
    expect(hostPorts(endpointsOf('host-nodesource.sources'))).toEqual(['deb.nodesource.com 443']);
    expect(endpointsOf('host-google-cloud-sdk.list')).toEqual([
      {
        host: 'packages.cloud.google.com',
        port: 443,
        origin: 'deb https://packages.cloud.google.com/apt (/etc/apt/sources.list.d/host-google-cloud-sdk.list)',
      },
    ]);
  });

  it('one-line edge cases: [options], explicit ports, IPv6 literals, credentials redacted, cdrom:/file:/mirror+file: ignored', () => {
    const endpoints = endpointsOf('edge-cases.list');
    expect(hostPorts(endpoints)).toEqual([
      'apt.example.com 8443',
      'private.example.net 80',
      '2001:db8::1 80',
      '2001:db8::2 8080',
      'mirrors.example.org 80',
      'deb.example.org 80',
    ]);
    expect(endpoints[1]?.origin).toBe('deb http://***@private.example.net/debian (/etc/apt/sources.list.d/edge-cases.list)');
    expect(JSON.stringify(endpoints)).not.toContain('secret');
  });

  it('deb822 edge cases: several Types and URIs, a continuation line, lower-case fields, Enabled: no skipped', () => {
    const parsed = parseDeb822Sources(fixture('edge-cases.sources'), 'f');
    expect(parsed.skipped).toEqual(['f: stanza 2 is disabled (Enabled: no)']);
    expect(hostPorts(endpointsOf('edge-cases.sources'))).toEqual([
      'a.example.org 80',
      'b.example.org 4443',
      'c.example.org 443',
      'mirrors.example.com 443',
    ]);
  });

  it('transports it cannot test are warned about, not returned; hosts that are not plain names are refused', () => {
    const warnings: string[] = [];
    const { entries } = parseOneLineSources(
      [
        'deb ftp://ftp.example.org/debian bookworm main',
        'deb tor+http://vwakviie2ienjx6t.onion/debian bookworm main',
        'deb http://foo;reboot/debian bookworm main',
        'deb http://$(reboot)/debian bookworm main',
        'deb http://deb.debian.org/debian bookworm main',
      ].join('\n'),
      '/etc/apt/sources.list',
    );
    expect(hostPorts(aptEndpoints(entries, NO_PROXY, (w) => warnings.push(w)))).toEqual(['deb.debian.org 80']);
    expect(warnings).toEqual([
      'not checked: deb ftp://ftp.example.org/debian (/etc/apt/sources.list) uses transport ftp, whose connection unrot cannot test',
      'not checked: deb tor+http://vwakviie2ienjx6t.onion/debian (/etc/apt/sources.list) uses transport tor+http, whose connection unrot cannot test',
      'not checked: deb http://foo;reboot/debian (/etc/apt/sources.list) names no plain host name or address',
      'not checked: deb http://$(reboot)/debian (/etc/apt/sources.list) names no plain host name or address',
    ]);
  });

  it('reads the files apt reads, in its order: sources.list first, parts by name, odd names ignored', () => {
    const found = [
      '/etc/apt/sources.list.d/zz.sources',
      '/etc/apt/sources.list.d/debian.sources',
      '/etc/apt/sources.list',
      '/etc/apt/sources.list.d/bad name.list',
      '/etc/apt/sources.list.d/a.list',
      '/etc/apt/sources.list.d/sub/b.list',
    ].map((path) => ({ path }));
    expect(sourceFiles(found).map((f) => f.path)).toEqual([
      '/etc/apt/sources.list',
      '/etc/apt/sources.list.d/a.list',
      '/etc/apt/sources.list.d/debian.sources',
      '/etc/apt/sources.list.d/zz.sources',
    ]);
  });
});

describe('apt proxies (real apt-config dump output)', () => {
  const proxy = parseAptConfigDump(fixture('apt-config-dump-proxy.txt'));

  it('the proxy replaces the mirror as the endpoint; https falls back to the http proxy; DIRECT and per-host proxies are honoured', () => {
    const { entries } = parseOneLineSources(
      [
        'deb http://deb.debian.org/debian bookworm main',
        'deb https://deb.nodesource.com/node_20.x nodistro main',
        'deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main',
        'deb http://apt.internal.example/debian bookworm main',
      ].join('\n'),
      '/etc/apt/sources.list',
    );
    const endpoints = aptEndpoints(entries, proxy, () => undefined);
    expect(hostPorts(endpoints)).toEqual(['proxy.lan 3128', 'packages.cloud.google.com 443', 'fd00::3 8080']);
    expect(endpoints[0]?.origin).toBe(
      'Acquire::http::Proxy http://***@proxy.lan:3128/ (apt-config), for deb http://deb.debian.org/debian (/etc/apt/sources.list)',
    );
    expect(endpoints[2]?.origin).toBe(
      'Acquire::http::Proxy::apt.internal.example http://[fd00::3]:8080 (apt-config), for deb http://apt.internal.example/debian (/etc/apt/sources.list)',
    );
    expect(JSON.stringify(endpoints)).not.toContain('s3cret');
  });

  it('a Proxy-Auto-Detect script (auto-apt-proxy) is noted; the mirrors are then checked directly', () => {
    const auto = parseAptConfigDump(fixture('apt-config-dump-auto-detect.txt'));
    expect(auto.autoDetect).toEqual(['/usr/bin/auto-apt-proxy']);
    expect(hostPorts(endpointsOf('host-debian12-debian.sources', auto))).toEqual(['deb.debian.org 80']);
  });
});

interface SourcesScenario {
  name: string;
  source: string;
  recordings: Recording[];
  expected: SourceEndpoint[];
}

function context(recordings: Recording[], signal = new AbortController().signal) {
  const exec = createReplayExec(recordings, { signal });
  const ctx: RunnerContext<AptOptions> = {
    exec,
    log: silentLogger,
    signal,
    options: { mode: 'upgrade', lock_timeout_s: 120 },
    container: contractContainer(),
    exclusions: [],
  };
  return { exec, ctx };
}

describe('runner.sources() replayed from real chroot runs (test/fixtures/sources-scenarios.json)', () => {
  for (const s of scenarios as SourcesScenario[]) {
    it(`${s.name}: the recorded endpoints, read-only, in one exec of the constant discovery script`, async () => {
      const { exec, ctx } = context(s.recordings);
      expect(await runner.sources?.(ctx)).toEqual(s.expected);
      expect(exec.records.map((r) => [r.kind, r.argv])).toEqual([['read', discoveryArgv()]]);
    });
  }

  it('an aborted signal rejects with E_EXEC_ABORTED before reading anything', async () => {
    const controller = new AbortController();
    controller.abort();
    const { exec, ctx } = context([], controller.signal);
    await expect(runner.sources?.(ctx)).rejects.toMatchObject({ code: 'E_EXEC_ABORTED' });
    expect(exec.records).toEqual([]);
  });
});
