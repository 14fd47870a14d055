// Checks sources() parsing and proxy choice against this machine's REAL apt (Debian 12, apt 2.6),
// with apt pointed at temp directories through APT_CONFIG so the host's own configuration is
// neither read nor changed:
// - `apt-get --print-uris update` says which URIs apt would fetch for each fixture file; the
//   hosts and ports in them must be exactly the endpoints the parser finds (no network);
// - `apt-get update` through real local proxy servers on 127.0.0.1 shows which proxy apt really
//   connects to for http, https (CONNECT), per-host proxies and DIRECT; the endpoints computed
//   from the real `apt-config dump` output must name the same servers.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAptConfigDump } from '../src/apt-proxy.js';
import { discoveryArgv, parseDiscovery } from '../src/discovery.js';
import { parseDeb822Sources, parseOneLineSources } from '../src/source-lists.js';
import { aptEndpoints } from '../src/sources.js';

const base = mkdtempSync(join(tmpdir(), 'unrot-apt-sources-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const fixtures = new URL('./fixtures/sources/', import.meta.url).pathname;

/** An apt configuration of its own: no host config parts, no host sources, lists and caches in `dir`. */
function aptConfig(dir: string, extra = ''): string {
  for (const d of ['conf.d', 'parts', 'lists/partial', 'cache/archives/partial']) mkdirSync(join(dir, d), { recursive: true });
  const file = join(dir, 'apt.conf');
  writeFileSync(
    file,
    [
      `Dir::Etc::main "${dir}/no-main.conf";`,
      `Dir::Etc::parts "${dir}/conf.d";`,
      `Dir::Etc::sourcelist "${dir}/sources.list";`,
      `Dir::Etc::sourceparts "${dir}/parts";`,
      `Dir::State::Lists "${dir}/lists";`,
      `Dir::Cache "${dir}/cache";`,
      'Debug::NoLocking "1";',
      'APT::Sandbox::User "root";',
      extra,
    ].join('\n'),
  );
  return file;
}

function apt(argv: string[], aptConf: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      argv[0] as string,
      argv.slice(1),
      { env: { PATH: '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', APT_CONFIG: aptConf } },
      (error, stdout, stderr) => resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr }),
    );
  });
}

/** host:port of every network URI apt prints (file:, cdrom: and mirror+file: are local). */
function aptHostPorts(printUris: string): string[] {
  const out = new Set<string>();
  for (const line of printUris.split('\n')) {
    const uri = /^'([^']+)'/.exec(line)?.[1];
    if (!uri || /^(?:mirror\+)?(?:file|cdrom|copy):/.test(uri)) continue;
    const url = new URL(uri.replace(/^mirror\+/, ''));
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    out.add(`${url.hostname.replace(/^\[(.*)\]$/, '$1')} ${port}`);
  }
  return [...out].sort();
}

const FILES = [
  'host-debian12-debian.sources',
  'debian13-trixie-debian.sources',
  'host-nodesource.sources',
  'host-google-cloud-sdk.list',
  'apt-examples-sources.list',
  'debootstrap-bookworm-sources.list',
  'edge-cases.list',
  'edge-cases.sources',
];

describe('source files: the parser finds exactly the hosts real apt would fetch from', () => {
  it.each(FILES)('%s', async (name) => {
    const dir = join(base, `uris-${name}`);
    const conf = aptConfig(dir);
    copyFileSync(join(fixtures, name), join(dir, 'parts', name));
    const printed = await apt(['apt-get', '--print-uris', 'update'], conf);
    expect(printed.stderr).not.toMatch(/^E:/m);
    const text = readFileSync(join(fixtures, name), 'utf8');
    const { entries } = name.endsWith('.sources') ? parseDeb822Sources(text, name) : parseOneLineSources(text, name);
    const ours = aptEndpoints(entries, parseAptConfigDump(''), () => undefined).map((e) => `${e.host} ${e.port}`);
    expect([...ours].sort()).toEqual(aptHostPorts(printed.stdout));
    expect(ours.length).toBeGreaterThan(0);
  });
});

interface Seen {
  server: Server;
  port: number;
  requests: string[];
}

/** A local server that records request lines (GET absolute-form through a proxy, CONNECT, or origin-form) and answers 404. */
async function recorder(): Promise<Seen> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  server.on('connect', (req, socket) => {
    requests.push(`CONNECT ${req.url}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, requests };
}

describe('proxies: apt connects where the computed endpoints say', () => {
  it('general proxy for http and https (CONNECT), a per-host proxy, and DIRECT', async () => {
    const [general, perHost, mirror] = [await recorder(), await recorder(), await recorder()];
    try {
      const dir = join(base, 'proxy');
      const conf = aptConfig(
        dir,
        [
          `Acquire::http::Proxy "http://127.0.0.1:${general.port}/";`,
          `Acquire::http::Proxy::c.example.org "http://127.0.0.1:${perHost.port}/";`,
          'Acquire::http::Proxy::127.0.0.1 "DIRECT";',
          'Acquire::Retries "0";',
        ].join('\n'),
      );
      const list = [
        'deb http://a.example.org/debian bookworm main',
        'deb https://b.example.org:4443/debian bookworm main',
        'deb http://c.example.org/debian bookworm main',
        `deb http://127.0.0.1:${mirror.port}/debian bookworm main`,
      ].join('\n');
      writeFileSync(join(dir, 'sources.list'), `${list}\n`);

      await apt(['apt-get', 'update', '-q'], conf);
      expect(general.requests.filter((r) => r.includes('a.example.org')).length).toBeGreaterThan(0);
      expect(general.requests).toContain('CONNECT b.example.org:4443');
      expect(general.requests.some((r) => r.includes('c.example.org') || r.includes('127.0.0.1'))).toBe(false);
      expect(perHost.requests.length).toBeGreaterThan(0);
      expect(perHost.requests.every((r) => r.startsWith('GET http://c.example.org/'))).toBe(true);
      expect(mirror.requests).toContain('GET /debian/dists/bookworm/InRelease');

      // The runner's own discovery script (its apt-config dump part), run for real against the same configuration.
      const found = await createLocalExec({ env: { PATH: '/usr/bin:/bin', LC_ALL: 'C', APT_CONFIG: conf } }).read(discoveryArgv());
      const dump = parseDiscovery(found.stdout).aptConfig;
      expect(dump?.exitCode).toBe(0);
      const endpoints = aptEndpoints(
        parseOneLineSources(list, '/etc/apt/sources.list').entries,
        parseAptConfigDump(dump?.text ?? ''),
        () => undefined,
      );
      expect(endpoints.map((e) => [e.port, e.origin.replace(/ \(\/etc\/apt\/sources\.list\)$/, '')])).toEqual([
        [general.port, `Acquire::http::Proxy http://127.0.0.1:${general.port}/ (apt-config), for deb http://a.example.org/debian`],
        [
          perHost.port,
          `Acquire::http::Proxy::c.example.org http://127.0.0.1:${perHost.port}/ (apt-config), for deb http://c.example.org/debian`,
        ],
        [mirror.port, `deb http://127.0.0.1:${mirror.port}/debian`],
      ]);
    } finally {
      for (const s of [general, perHost, mirror]) s.server.close();
    }
  }, 60_000);
});
