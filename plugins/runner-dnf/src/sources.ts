import { posix } from 'node:path';
import { proxyUrl, type RunnerContext, redactUrl, type SourceEndpoint, UnrotError, urlEndpoint } from '@unrot/sdk';
import type { DnfOptions } from './options.js';
import { parseRepoFile, type RepoEntry } from './repo-files.js';

export const DNF_CONF = '/etc/dnf/dnf.conf';
/** dnf 4 and dnf5 read /etc/yum.repos.d and /etc/distro.repos.d; dnf5 also /usr/share/dnf5/repos.d. */
export const REPO_DIRS = ['/etc/yum.repos.d', '/etc/distro.repos.d', '/usr/share/dnf5/repos.d'];

/** find exits 1 when one of the directories is missing; what exists is still printed. */
export const listRepoFilesArgv = (): string[] => ['find', ...REPO_DIRS, '-maxdepth', '1', '-name', '*.repo', '-type', 'f'];
export const catArgv = (file: string): string[] => ['cat', file];

const NETWORK = new Set(['http', 'https', 'ftp']);
const NO_PROXY = new Set(['', '_none_']);

/** Endpoints of the enabled repositories: each URL's host, or the proxy dnf goes through for it. */
export function dnfEndpoints(repos: readonly RepoEntry[], mainProxy: string | undefined, warn: (msg: string) => void): SourceEndpoint[] {
  const out = new Map<string, SourceEndpoint>();
  for (const repo of repos) {
    if (repo.urls.length === 0) warn(`not checked: [${repo.id}] (${repo.file}) names no baseurl, mirrorlist or metalink`);
    for (const { key, url } of repo.urls) {
      const origin = `${key} ${redactUrl(url)} [${repo.id}] (${repo.file})`;
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
      if (scheme === 'file' || scheme === 'media') continue;
      if (!scheme || !NETWORK.has(scheme)) {
        warn(`not checked: ${origin} uses a transport unrot cannot test`);
        continue;
      }
      const target = urlEndpoint(url);
      if (!target) {
        warn(`not checked: ${origin} names no plain host name or address (a $variable in the host?)`);
        continue;
      }
      const proxySetting =
        repo.proxy !== undefined
          ? { value: repo.proxy, where: `proxy of [${repo.id}]` }
          : mainProxy !== undefined
            ? { value: mainProxy, where: 'proxy of [main]' }
            : undefined;
      let endpoint: SourceEndpoint = { host: target.host, port: target.port, origin };
      if (proxySetting && !NO_PROXY.has(proxySetting.value.trim())) {
        const via = urlEndpoint(proxyUrl(proxySetting.value.trim()));
        if (!via) {
          warn(`not checked: ${proxySetting.where} ${redactUrl(proxySetting.value)} is not a proxy URL dnf can use (for ${origin})`);
          continue;
        }
        endpoint = {
          host: via.host,
          port: via.port,
          origin: `${proxySetting.where} ${redactUrl(proxyUrl(proxySetting.value.trim()))}, for ${origin}`,
        };
      }
      const k = `${endpoint.host.toLowerCase()}|${endpoint.port}`;
      if (!out.has(k)) out.set(k, endpoint);
    }
  }
  return [...out.values()];
}

/**
 * Read-only: the hosts (or proxies) `dnf check-update` will connect to. Lists the .repo files with
 * find, reads them and dnf.conf ([main] proxy=, repositories defined there) with cat.
 */
export async function dnfSources(ctx: RunnerContext<DnfOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'dnf sources aborted');
  const listed = await ctx.exec.read(listRepoFilesArgv(), { okExitCodes: [0, 1] });
  const files = listed.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((f) => REPO_DIRS.includes(posix.dirname(f)) && f.endsWith('.repo'))
    .sort();
  const repos: RepoEntry[] = [];
  const skipped: string[] = [];
  let mainProxy: string | undefined;
  for (const file of [DNF_CONF, ...files]) {
    const read = await ctx.exec.read(catArgv(file), { okExitCodes: [0, 1] });
    if (read.exitCode !== 0) {
      skipped.push(`${file}: cannot be read (${read.stderr.trim().slice(0, 200)})`);
      continue;
    }
    const parsed = parseRepoFile(read.stdout, file);
    if (file === DNF_CONF) mainProxy = parsed.mainProxy;
    repos.push(...parsed.repos);
    skipped.push(...parsed.skipped);
  }
  if (skipped.length > 0) ctx.log.info({ skipped }, 'dnf sources: repositories dnf does not fetch from');
  if (repos.length === 0) ctx.log.warn({}, 'dnf sources: no enabled repository found');
  return dnfEndpoints(repos, mainProxy, (msg) => ctx.log.warn({}, msg));
}
