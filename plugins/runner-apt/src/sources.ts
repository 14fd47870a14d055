import { posix } from 'node:path';
import { proxyUrl, type RunnerContext, redactUrl, type SourceEndpoint, UnrotError, urlEndpoint } from '@unrot/sdk';
import { aptProxyFor, parseAptConfigDump } from './apt-proxy.js';
import { SOURCES_LIST, SOURCES_PARTS } from './argv.js';
import { type AptDiscovery, takeOrDiscover } from './discovery.js';
import type { AptOptions } from './options.js';
import { type AptSourceEntry, parseDeb822Sources, parseOneLineSources } from './source-lists.js';

// apt reads parts whose names hold only these characters (others are ignored with a notice).
const PART_NAME = /^[A-Za-z0-9_.-]+\.(?:list|sources)$/;
const LOCAL = new Set(['file', 'cdrom', 'copy']);
// ftp is disabled in apt ≥ 2.5 ("The method 'ftp' is unsupported"), so it counts as unsupported: warned, not checked.
const NETWORK = new Set(['http', 'https', 'ssh']);

/** The files apt reads, in apt's order: sources.list, then the parts sorted by name (others are not apt's). */
export function sourceFiles<F extends { path: string }>(found: readonly F[]): F[] {
  const parts = found.filter((f) => posix.dirname(f.path) === SOURCES_PARTS && PART_NAME.test(posix.basename(f.path)));
  parts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return [...found.filter((f) => f.path === SOURCES_LIST).slice(0, 1), ...parts];
}

type Transport = { kind: 'network'; scheme: string } | { kind: 'local' } | { kind: 'unsupported'; scheme: string };

/** `mirror+https://` fetches its mirror list over https; `mirror://` is apt's `mirror+http://`. */
function transportOf(uri: string): Transport {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (!scheme) return { kind: 'unsupported', scheme: '(none)' };
  const base = scheme === 'mirror' ? 'http' : scheme.startsWith('mirror+') ? scheme.slice('mirror+'.length) : scheme;
  if (LOCAL.has(base)) return { kind: 'local' };
  return NETWORK.has(base) ? { kind: 'network', scheme: base } : { kind: 'unsupported', scheme };
}

/** Endpoints of parsed entries: the mirror itself, or the proxy apt would go through for it. */
export function aptEndpoints(
  entries: readonly AptSourceEntry[],
  proxies: ReturnType<typeof parseAptConfigDump>,
  warn: (msg: string) => void,
): SourceEndpoint[] {
  const out = new Map<string, SourceEndpoint>();
  const add = (e: SourceEndpoint) => {
    const key = `${e.host.toLowerCase()}|${e.port}`;
    if (!out.has(key)) out.set(key, e);
  };
  for (const entry of entries) {
    const origin = `${entry.type} ${redactUrl(entry.uri)} (${entry.file})`;
    const transport = transportOf(entry.uri);
    if (transport.kind === 'local') continue;
    if (transport.kind === 'unsupported') {
      warn(`not checked: ${origin} uses transport ${transport.scheme}, whose connection unrot cannot test`);
      continue;
    }
    const target = urlEndpoint(`${transport.scheme}${entry.uri.slice(entry.uri.indexOf(':'))}`);
    if (!target) {
      warn(`not checked: ${origin} names no plain host name or address`);
      continue;
    }
    const proxy = aptProxyFor(proxies, transport.scheme, target.host);
    if (!proxy) {
      add({ host: target.host, port: target.port, origin });
      continue;
    }
    const url = proxyUrl(proxy.url);
    const via = urlEndpoint(url);
    if (!via) warn(`not checked: ${proxy.setting} ${redactUrl(url)} is not a proxy URL apt can use (for ${origin})`);
    else add({ host: via.host, port: via.port, origin: `${proxy.setting} ${redactUrl(url)} (apt-config), for ${origin}` });
  }
  return [...out.values()];
}

/** The endpoints of one discovery (discovery.ts): pure, so recorded discoveries replay without a container. */
export function discoveryEndpoints(discovery: AptDiscovery, log: Pick<RunnerContext['log'], 'info' | 'warn'>): SourceEndpoint[] {
  const entries: AptSourceEntry[] = [];
  const skipped: string[] = [];
  for (const file of sourceFiles(discovery.files)) {
    if (!file.readable) {
      skipped.push(`${file.path}: cannot be read (${file.text.trim().slice(0, 200)})`);
      continue;
    }
    const parsed = file.path.endsWith('.sources') ? parseDeb822Sources(file.text, file.path) : parseOneLineSources(file.text, file.path);
    entries.push(...parsed.entries);
    skipped.push(...parsed.skipped);
  }
  if (skipped.length > 0) log.info({ skipped }, 'apt sources: entries apt does not fetch from');

  const config = discovery.aptConfig;
  if (config?.exitCode !== 0) {
    throw new UnrotError('E_EXEC_FAILED', `apt-config dump exited ${config?.exitCode ?? 127}: ${config?.text.trim().slice(-500) ?? ''}`, {
      argv: ['apt-config', 'dump'],
      exitCode: config?.exitCode ?? 127,
    });
  }
  const proxies = parseAptConfigDump(config.text);
  if (proxies.autoDetect.length > 0) {
    log.warn(
      { autoDetect: proxies.autoDetect },
      'apt picks its proxy with a Proxy-Auto-Detect script at fetch time; the sources are checked directly instead',
    );
  }
  const endpoints = aptEndpoints(entries, proxies, (msg) => log.warn({}, msg));
  if (entries.length === 0) log.warn({}, 'apt sources: no deb/deb-src entry found in /etc/apt');
  return endpoints;
}

/**
 * Read-only: the mirrors (or proxies) `apt-get update` will connect to, from the discovery detect
 * made for this container run (no exec), or from a new one (one exec).
 */
export async function aptSources(ctx: RunnerContext<AptOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'apt sources aborted');
  return discoveryEndpoints(await takeOrDiscover(ctx), ctx.log);
}
