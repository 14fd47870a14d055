import { proxyUrl, type RunnerContext, redactUrl, type SourceEndpoint, UnrotError, urlEndpoint } from '@unrot/sdk';
import { PROXY_VARIABLES, type ProxyVariable, printenvArgv } from './argv.js';
import type { PacmanOptions } from './options.js';
import { confOption, type PacmanConf } from './parse-pacman-conf.js';
import { readPacmanConf } from './private-db.js';

const NETWORK = new Set(['http', 'https', 'ftp']);

export type ProxyEnv = Partial<Record<ProxyVariable, string>>;

/** libcurl's lookup order (pacman downloads with libcurl): `http_proxy` only in lower case, then the scheme's, then all_proxy. */
function proxyFor(env: ProxyEnv, scheme: string, host: string): { name: ProxyVariable; url: string } | undefined {
  const noProxy = env.no_proxy ?? env.NO_PROXY;
  if (noProxy !== undefined) {
    const h = host.toLowerCase();
    for (const raw of noProxy.split(',')) {
      const entry = raw.trim().toLowerCase().replace(/^\./, '');
      if (entry === '*' || (entry !== '' && (h === entry || h.endsWith(`.${entry}`)))) return undefined;
    }
  }
  const names: ProxyVariable[] =
    scheme === 'http'
      ? ['http_proxy']
      : scheme === 'https'
        ? ['https_proxy', 'HTTPS_PROXY']
        : scheme === 'ftp'
          ? ['ftp_proxy', 'FTP_PROXY']
          : [];
  for (const name of [...names, 'all_proxy', 'ALL_PROXY'] as ProxyVariable[]) {
    const url = env[name];
    if (url !== undefined && url !== '') return { name, url };
  }
  return undefined;
}

/** Endpoints of the Server lines pacman-conf printed: the mirror itself, or the proxy libcurl goes through. */
export function pacmanEndpoints(conf: PacmanConf, env: ProxyEnv, warn: (msg: string) => void): SourceEndpoint[] {
  const out = new Map<string, SourceEndpoint>();
  const add = (e: SourceEndpoint) => {
    const key = `${e.host.toLowerCase()}|${e.port}`;
    if (!out.has(key)) out.set(key, e);
  };
  const xfer = confOption(conf, 'XferCommand');
  if (xfer !== undefined)
    warn(
      `pacman downloads with XferCommand (${xfer.split(' ')[0]}); its own proxy settings are not known, the mirrors are checked directly`,
    );
  for (const repo of conf.repos) {
    for (const server of repo.servers) {
      const origin = `Server = ${redactUrl(server)} ([${repo.name}], pacman-conf)`;
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(server)?.[1]?.toLowerCase();
      if (scheme === 'file') continue;
      if (!scheme || !NETWORK.has(scheme)) {
        warn(`not checked: ${origin} uses a transport unrot cannot test`);
        continue;
      }
      const target = urlEndpoint(server);
      if (!target) {
        warn(`not checked: ${origin} names no plain host name or address`);
        continue;
      }
      const proxy = xfer === undefined ? proxyFor(env, scheme, target.host) : undefined;
      if (!proxy) {
        add({ host: target.host, port: target.port, origin });
        continue;
      }
      const url = proxyUrl(proxy.url);
      const via = urlEndpoint(url);
      if (!via) warn(`not checked: ${proxy.name}=${redactUrl(url)} is not a proxy URL (for ${origin})`);
      else add({ host: via.host, port: via.port, origin: `${proxy.name} ${redactUrl(url)} (environment), for ${origin}` });
    }
  }
  return [...out.values()];
}

/**
 * Read-only: the mirrors (or proxies) `pacman -Sy` will connect to. pacman-conf resolves
 * Include'd mirrorlists and $repo/$arch as pacman does; the proxy variables are read one by one
 * from the environment pacman runs in (the same `pct exec` environment).
 */
export async function pacmanSources(ctx: RunnerContext<PacmanOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'pacman sources aborted');
  const conf = await readPacmanConf(ctx);
  const env: ProxyEnv = {};
  for (const name of PROXY_VARIABLES) {
    if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'pacman sources aborted');
    // printenv exits 1 when the variable is not set.
    const r = await ctx.exec.read(printenvArgv(name), { okExitCodes: [0, 1] });
    if (r.exitCode === 0) env[name] = r.stdout.replace(/\n$/, '');
  }
  const endpoints = pacmanEndpoints(conf, env, (msg) => ctx.log.warn({}, msg));
  if (conf.repos.every((r) => r.servers.length === 0))
    ctx.log.warn({}, 'pacman sources: no Server line in pacman.conf or its Include files');
  return endpoints;
}
