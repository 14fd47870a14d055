import type { ProxyEndpointSource } from './proxy-endpoint-source.js';

/**
 * apt's proxy settings from `apt-config dump` (`Acquire::http::Proxy "URL";`, per host
 * `Acquire::http::Proxy::HOST "URL|DIRECT";`). Keys are matched case-insensitively, as apt does.
 */
export interface AptProxyConfig {
  values: Map<string, string>;
  /** `Proxy-Auto-Detect` scripts: apt asks them per host, so the proxy cannot be known beforehand. */
  autoDetect: string[];
}

const LINE = /^(\S+) "(.*)";$/;

export function parseAptConfigDump(stdout: string): AptProxyConfig {
  const values = new Map<string, string>();
  const autoDetect: string[] = [];
  for (const line of stdout.split('\n')) {
    const match = LINE.exec(line.trim());
    if (!match) continue;
    const key = (match[1] as string).toLowerCase();
    const value = match[2] as string;
    if (value === '') continue;
    if (/^acquire::https?::(?:proxy-auto-detect|proxyautodetect)$/.test(key)) autoDetect.push(value);
    else values.set(key, value);
  }
  return { values, autoDetect };
}

/**
 * The proxy apt's http method uses for `scheme://host`: the per-host setting, then the general
 * one; for https the `https` keys first, then the `http` ones (apt's method names, most specific
 * first). `DIRECT` means no proxy. ftp has its own keys; other transports have none.
 */
export function aptProxyFor(config: AptProxyConfig, scheme: string, host: string): ProxyEndpointSource | undefined {
  const names = scheme === 'https' ? ['https', 'http'] : scheme === 'http' || scheme === 'ftp' ? [scheme] : [];
  const lookups = [...names.map((n) => `acquire::${n}::proxy::${host.toLowerCase()}`), ...names.map((n) => `acquire::${n}::proxy`)];
  for (const key of lookups) {
    const value = config.values.get(key);
    if (value === undefined) continue;
    if (value.toUpperCase() === 'DIRECT') return undefined;
    return { url: value, setting: displayKey(key) };
  }
  return undefined;
}

/** `acquire::https::proxy::deb.example.org` → `Acquire::https::Proxy::deb.example.org`. */
function displayKey(key: string): string {
  const [, method, ...host] = key.split('::');
  return ['Acquire', method, 'Proxy', ...host.slice(1)].join('::');
}
