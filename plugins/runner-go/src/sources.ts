import { type RunnerContext, redactUrl, type SourceEndpoint, UnrotError, urlEndpoint } from '@unrot/sdk';
import { readGoEnv, scanBinaries } from './binaries.js';
import { matchPrefixPatterns } from './go-patterns.js';
import { isModulePath } from './names.js';
import type { GoOptions } from './options.js';
import type { GoEnv } from './parse-go-json.js';

/** The first GOPROXY entry: the only one go always contacts (later ones are fallbacks on errors or 404/410). */
export function firstProxyEntry(goproxy: string): string {
  return (goproxy.split(/[,|]/)[0] ?? '').trim() || 'off';
}

/** GOSUMDB "name[+key] [url]" → the URL go talks to when it reaches the checksum database directly. */
export function sumdbUrl(gosumdb: string): string | undefined {
  const [name, url] = gosumdb.trim().split(/\s+/);
  if (!name || name === 'off') return undefined;
  if (url) return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`;
  return `https://${name.split('+')[0]}`;
}

/**
 * The endpoints go contacts for these modules, by the container's own go env:
 * - modules matching GONOPROXY (defaults to GOPRIVATE) are fetched directly: their host, port 443;
 * - the others go to the first GOPROXY entry (a URL; `direct`: the module's host; `off`: nothing);
 * - the checksum database (GOSUMDB) only when go reaches it directly, i.e. GOPROXY starts with
 *   `direct` and a module does not match GONOSUMDB; behind a proxy go asks the proxy for it.
 */
export function goEndpoints(env: GoEnv, modules: readonly string[]): SourceEndpoint[] {
  const out: SourceEndpoint[] = [];
  const via = (what: string) => `${what} (go env, read with go env -json)`;
  const direct = (module: string, why: string) => {
    const host = module.split('/')[0] ?? '';
    const e = urlEndpoint(`https://${host}/`);
    if (e) out.push({ host: e.host, port: e.port, origin: via(`direct fetch of ${module}, ${why}`) });
  };
  const first = firstProxyEntry(env.GOPROXY);
  const proxied: string[] = [];
  for (const m of modules) {
    if (env.GONOPROXY && matchPrefixPatterns(env.GONOPROXY, m)) direct(m, `matched by GONOPROXY=${env.GONOPROXY}`);
    else proxied.push(m);
  }
  if (proxied.length > 0 && first !== 'off') {
    if (first === 'direct') for (const m of proxied) direct(m, 'GOPROXY starts with direct');
    else {
      const url = first.includes('://') ? first : `https://${first}`;
      const e = urlEndpoint(url);
      if (e && e.scheme !== 'file') out.push({ host: e.host, port: e.port, origin: via(`GOPROXY ${redactUrl(url)}`) });
    }
  }
  const sumdb = sumdbUrl(env.GOSUMDB);
  const checked = modules.filter((m) => !(env.GONOSUMDB && matchPrefixPatterns(env.GONOSUMDB, m)));
  if (sumdb && first === 'direct' && checked.length > 0) {
    const e = urlEndpoint(sumdb);
    if (e) out.push({ host: e.host, port: e.port, origin: via(`checksum database GOSUMDB ${redactUrl(sumdb)}`) });
  }
  const seen = new Set<string>();
  return out.filter((e) => {
    const key = `${e.host.toLowerCase()}|${e.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Read-only: go env -json and go version -m of the configured binaries; their main modules
 * decide the endpoints. The next-major paths check also asks for (MODULE/vN+1) share their
 * module's host and proxy, so they add no endpoint.
 */
export async function goSources(ctx: RunnerContext<GoOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'go sources aborted');
  const env = await readGoEnv(ctx.exec, ctx.options);
  const scanned = await scanBinaries(ctx.exec, ctx.options, env);
  const modules = new Set<string>();
  for (const info of scanned.infos) {
    const mod = info.mod;
    if (mod && mod.version !== '(devel)' && !info.replacedBy && isModulePath(mod.path)) modules.add(mod.path);
  }
  return goEndpoints(env, [...modules]);
}
