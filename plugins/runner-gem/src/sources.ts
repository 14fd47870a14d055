import { proxyUrl, type RunnerContext, redactUrl, type SourceEndpoint, UnrotError, urlEndpoint } from '@unrot/sdk';
import { bundleConfigArgv, GEM_ENV_ARGV, GEM_SOURCES_ARGV, lockfilePath, projectDir } from './commands.js';
import type { GemOptions } from './options.js';
import { normalizeSourceUrl, parseBundleMirrors, parseLockfile } from './parse-bundler.js';
import { parseGemEnvProxy, parseGemSources } from './parse-gem.js';
import { probeProject } from './project.js';
import { ANY_EXIT } from './tool-output.js';

type Warn = (message: string) => void;

/** An endpoint for a URL, or a warning when it names no plain host (one odd line never fails the pre-flight). */
function endpoint(url: string, origin: string, warn: Warn): SourceEndpoint | undefined {
  // A Gemfile's `git@host:path` is scp-like ssh: port 22.
  const scp = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!\/\/)/.exec(url);
  const target = scp ? urlEndpoint(`ssh://${scp[1]}/`) : urlEndpoint(url);
  if (!target) {
    warn(`not checked: ${origin} names no plain host name or address`);
    return undefined;
  }
  return { host: target.host, port: target.port, origin };
}

/** The remotes in a project's Gemfile.lock (what `bundle update` fetches from), each replaced by its Bundler mirror. */
async function projectEndpoints(ctx: RunnerContext<GemOptions>, dir: string, warn: Warn): Promise<SourceEndpoint[]> {
  const lock = await ctx.exec.read(['cat', lockfilePath(dir)], { okExitCodes: ANY_EXIT });
  if (lock.exitCode !== 0) {
    warn(`not checked: ${lockfilePath(dir)} cannot be read`);
    return [];
  }
  const config = await ctx.exec.read(bundleConfigArgv(dir), { okExitCodes: ANY_EXIT });
  const mirrors = config.exitCode === 0 ? parseBundleMirrors(config.stdout) : new Map<string, string>();
  const out: SourceEndpoint[] = [];
  for (const source of parseLockfile(lock.stdout).sources) {
    if (source.kind === 'PATH') continue;
    const where = `${source.kind} remote in ${lockfilePath(dir)}`;
    const mirror = source.kind === 'GEM' ? mirrors.get(normalizeSourceUrl(source.remote)) : undefined;
    const found = mirror
      ? endpoint(mirror, `Bundler mirror ${redactUrl(mirror)} of ${redactUrl(source.remote)} (${where}, bundle config)`, warn)
      : endpoint(source.remote, `${redactUrl(source.remote)} (${where})`, warn);
    if (found) out.push(found);
  }
  return out;
}

/** gem's sources (`gem sources --list`), or the http_proxy of gem's configuration when one is set. */
async function systemEndpoints(ctx: RunnerContext<GemOptions>, warn: Warn): Promise<SourceEndpoint[]> {
  const listed = await ctx.exec.read(GEM_SOURCES_ARGV, { okExitCodes: ANY_EXIT });
  if (listed.exitCode !== 0) {
    warn('not checked: gem sources --list failed');
    return [];
  }
  const env = await ctx.exec.read(GEM_ENV_ARGV, { okExitCodes: ANY_EXIT });
  const proxy = env.exitCode === 0 ? parseGemEnvProxy(env.stdout) : undefined;
  const out: SourceEndpoint[] = [];
  for (const url of parseGemSources(listed.stdout)) {
    const origin = `gem source ${redactUrl(url)} (gem sources --list)`;
    const found = proxy
      ? endpoint(proxyUrl(proxy), `proxy ${redactUrl(proxyUrl(proxy))} (http_proxy in gem env), for ${origin}`, warn)
      : endpoint(url, origin, warn);
    if (found) out.push(found);
  }
  return out;
}

/** Every source check and apply contact; identical endpoints (same host, port and origin) once. */
export async function gemSources(ctx: RunnerContext<GemOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'sources aborted before it started');
  const warn: Warn = (message) => ctx.log.warn({}, `gem sources: ${message}`);
  const all: SourceEndpoint[] = [];
  for (const configured of ctx.options.projects) {
    const project = await probeProject(ctx.exec, configured);
    if (!project.problem) all.push(...(await projectEndpoints(ctx, projectDir(configured), warn)));
  }
  if (ctx.options.system) all.push(...(await systemEndpoints(ctx, warn)));
  const seen = new Set<string>();
  return all.filter((e) => {
    const key = `${e.host}\u0000${e.port}\u0000${e.origin}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
