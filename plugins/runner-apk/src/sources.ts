import { posix } from 'node:path';
import { proxyUrl, type RunnerContext, redactUrl, type SourceEndpoint, UnrotError, urlEndpoint } from '@unrot/sdk';
import { catArgv, listRepositoryPartsArgv, printenvArgv, REPOSITORIES, REPOSITORIES_D, SETUP_PROXY_PROFILE } from './argv.js';
import type { ApkOptions } from './options.js';
import { parseRepositories, type RepositoryEntry } from './parse-repositories.js';

/** The variables apk-tools' libfetch reads (http.c http_get_proxy, common.c fetch_no_proxy_match), upper case first. */
export const PROXY_VARIABLES = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'] as const;
export type ProxyEnvironment = Partial<Record<(typeof PROXY_VARIABLES)[number], string>>;

/**
 * libfetch's no_proxy rule: `*`, or a suffix of the host name (comma or space separated). Its
 * CIDR entries are not evaluated here: such a repository is checked through the proxy.
 */
function noProxy(env: ProxyEnvironment, host: string): boolean {
  const list = env.NO_PROXY ?? env.no_proxy;
  if (list === undefined) return false;
  if (list === '*') return true;
  return list
    .split(/[,\s]+/)
    .filter(Boolean)
    .some((suffix) => host.toLowerCase().endsWith(suffix.toLowerCase()));
}

/** http_make_proxy_url(): the first of the two variables that is set; only http:// proxies (or no scheme) are used. */
function proxyFor(env: ProxyEnvironment, scheme: string, host: string): { url: string; variable: string } | undefined {
  if (noProxy(env, host)) return undefined;
  const names =
    scheme === 'https' ? (['HTTPS_PROXY', 'https_proxy'] as const) : scheme === 'http' ? (['HTTP_PROXY', 'http_proxy'] as const) : [];
  for (const variable of names) {
    const value = env[variable];
    if (value === undefined) continue;
    if (value === '') return undefined;
    return { url: value, variable };
  }
  return undefined;
}

/** `export NAME=value` lines of a profile script, for the proxy variables only (quotes removed). */
export function profileProxies(text: string): ProxyEnvironment {
  const out: ProxyEnvironment = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_]+)=(.*)$/.exec(line);
    const name = m?.[1] as (typeof PROXY_VARIABLES)[number] | undefined;
    if (!m || !name || !PROXY_VARIABLES.includes(name)) continue;
    out[name] = (m[2] as string).trim().replace(/^(["'])(.*)\1$/, '$2');
  }
  return out;
}

/** Proxies a profile script sets that apk's environment does not have: apk, run without a login shell, will not use them. */
export function unusedProfileProxies(profile: ProxyEnvironment, env: ProxyEnvironment): string[] {
  return PROXY_VARIABLES.filter((v) => profile[v] !== undefined && profile[v] !== '' && env[v] === undefined).map(
    (v) => `${v}=${redactUrl(profile[v] as string)}`,
  );
}

/** Endpoints of the repositories: the server itself, or the proxy apk goes through for it. */
export function apkEndpoints(entries: readonly RepositoryEntry[], env: ProxyEnvironment, warn: (msg: string) => void): SourceEndpoint[] {
  const out = new Map<string, SourceEndpoint>();
  const add = (e: SourceEndpoint) => {
    const key = `${e.host.toLowerCase()}|${e.port}`;
    if (!out.has(key)) out.set(key, e);
  };
  for (const entry of entries) {
    const origin = `${entry.tag ? `${entry.tag} ` : ''}${redactUrl(entry.url)} (${entry.file})`;
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(entry.url)?.[1]?.toLowerCase();
    if (scheme === undefined) continue; // a directory on the container's file system
    if (scheme !== 'http' && scheme !== 'https' && scheme !== 'ftp') {
      warn(`not checked: ${origin} uses ${scheme}://, which apk cannot fetch from`);
      continue;
    }
    const target = urlEndpoint(entry.url);
    if (!target) {
      warn(`not checked: ${origin} names no plain host name or address`);
      continue;
    }
    const proxy = proxyFor(env, scheme, target.host);
    if (!proxy) {
      add({ host: target.host, port: target.port, origin });
      continue;
    }
    // libfetch takes a proxy without a scheme as http:// and ignores one of another scheme.
    const url = proxyUrl(proxy.url);
    const parsed = /^http:\/\//i.test(url) ? urlEndpoint(url) : undefined;
    if (!parsed) {
      // http_make_proxy_url() returns no proxy for another scheme or an unparsable URL: apk connects directly.
      warn(`${proxy.variable}=${redactUrl(url)} is not an http:// proxy, so apk ignores it and connects directly to ${origin}`);
      add({ host: target.host, port: target.port, origin });
      continue;
    }
    // libfetch's HTTP_DEFAULT_PROXY_PORT: a proxy URL without a port is reached on 3128, not 80.
    const via = /^http:\/\/(?:[^/@]*@)?(?:\[[^\]]*\]|[^/:]*):\d+/i.test(url) ? parsed : { ...parsed, port: 3128 };
    add({ host: via.host, port: via.port, origin: `${proxy.variable}=${redactUrl(url)} (environment), for ${origin}` });
  }
  return [...out.values()];
}

/**
 * Read-only: the servers (or proxies) `apk update` will connect to. Reads /etc/apk/repositories
 * and /etc/apk/repositories.d/*.list with cat, and the proxy variables apk's environment holds
 * (the environment unrot's commands run with, which is where apk takes them from). A proxy that
 * only /etc/profile.d/proxy.sh sets (Alpine's setup-proxy) is logged as not used by apk.
 */
export async function apkSources(ctx: RunnerContext<ApkOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'apk sources aborted');
  const entries: RepositoryEntry[] = [];
  const main = await ctx.exec.read(catArgv(REPOSITORIES), { okExitCodes: [0, 1] });
  if (main.exitCode === 0) entries.push(...parseRepositories(main.stdout, REPOSITORIES));
  else ctx.log.warn({ stderr: main.stderr.trim().slice(0, 200) }, `apk sources: ${REPOSITORIES} cannot be read`);
  // find exits 1 when the directory does not exist (apk reads it only when it does).
  const parts = await ctx.exec.read(listRepositoryPartsArgv(), { okExitCodes: [0, 1] });
  const files = parts.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((f) => posix.dirname(f) === REPOSITORIES_D && f.endsWith('.list'))
    .sort();
  for (const file of files) {
    const read = await ctx.exec.read(catArgv(file), { okExitCodes: [0, 1] });
    if (read.exitCode === 0) entries.push(...parseRepositories(read.stdout, file));
  }

  const env: ProxyEnvironment = {};
  for (const variable of PROXY_VARIABLES) {
    // printenv exits 1 when the variable is not set.
    const r = await ctx.exec.read(printenvArgv(variable), { okExitCodes: [0, 1] });
    if (r.exitCode === 0) env[variable] = r.stdout.replace(/\n$/, '');
  }
  const profile = await ctx.exec.read(catArgv(SETUP_PROXY_PROFILE), { okExitCodes: [0, 1] });
  const unused = profile.exitCode === 0 ? unusedProfileProxies(profileProxies(profile.stdout), env) : [];
  if (unused.length > 0) {
    ctx.log.warn(
      { file: SETUP_PROXY_PROFILE, unused },
      `${SETUP_PROXY_PROFILE} (setup-proxy) sets ${unused.join(', ')} for login shells only; apk run by unrot does not read it and connects as the pre-flight checks`,
    );
  }
  if (entries.length === 0) ctx.log.warn({}, `apk sources: no repository found in ${REPOSITORIES}`);
  return apkEndpoints(entries, env, (msg) => ctx.log.warn({}, msg));
}
