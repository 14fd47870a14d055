import { proxyUrl, type RunnerContext, redactUrl, type SourceEndpoint, UnrotError, urlEndpoint } from '@unrot/sdk';
import { pipxAppTargets } from './check-pipx.js';
import type { PipOptions } from './options.js';
import { type PipCommandSources, PYPI_FILES_HOST, parsePipConfigList, pipCommandSources } from './pip-config.js';
import { type PipTarget, pipConfigListArgv, pipTargets } from './targets.js';

// check runs `pip list --outdated` and `pip install --dry-run`, apply `pip install`: their settings count.
const COMMANDS = ['list', 'install'] as const;

/** Endpoints of one pip command's settings: the proxy when one is set, else each index/link host. */
export function pipEndpoints(sources: PipCommandSources, readWith: string, warn: (msg: string) => void): SourceEndpoint[] {
  const out: SourceEndpoint[] = [];
  for (const s of sources.urls) {
    const origin = `${s.key} ${redactUrl(s.url)} (${s.where}, ${readWith})`;
    const target = urlEndpoint(s.url);
    if (!target) {
      warn(`not checked: ${origin} names no plain host name or address`);
      continue;
    }
    if (sources.proxy) {
      // pip sends http and https alike through its one proxy (requests' proxies for both schemes).
      const url = proxyUrl(sources.proxy.url);
      const via = urlEndpoint(url);
      if (via)
        out.push({
          host: via.host,
          port: via.port,
          origin: `proxy ${redactUrl(url)} (${sources.proxy.where}, ${readWith}), for ${origin}`,
        });
      else warn(`not checked: proxy ${redactUrl(url)} (${sources.proxy.where}, ${readWith}) is not a proxy URL, for ${origin}`);
      continue;
    }
    out.push({ host: target.host, port: target.port, origin });
    // pypi.org's pages link every file to files.pythonhosted.org: the download needs it too.
    if (target.host === 'pypi.org') {
      out.push({
        host: PYPI_FILES_HOST,
        port: 443,
        origin: `${PYPI_FILES_HOST}, where ${redactUrl(s.url)} serves its files (${s.where}, ${readWith})`,
      });
    }
  }
  return out;
}

async function targetEndpoints(ctx: RunnerContext<PipOptions>, target: PipTarget): Promise<SourceEndpoint[]> {
  const argv = pipConfigListArgv(target);
  const readWith = argv.slice(0, -1).join(' ');
  const listed = await ctx.exec.read(argv, { okExitCodes: [0, 1, 2] });
  if (listed.exitCode !== 0) {
    // pip < 10 has no `config`; without it the index cannot be known, so nothing is claimed for this target.
    ctx.log.warn(
      { scope: target.scope, stderr: listed.stderr.trim().slice(0, 300) },
      `pip sources: ${readWith} failed; its index is not checked`,
    );
    return [];
  }
  const values = parsePipConfigList(listed.stdout);
  // list and install mostly share their settings: say each problem once.
  const warnings = new Set<string>();
  const endpoints = COMMANDS.flatMap((command) => pipEndpoints(pipCommandSources(values, command), readWith, (msg) => warnings.add(msg)));
  for (const msg of warnings) ctx.log.warn({ scope: target.scope }, msg);
  return endpoints;
}

/**
 * Read-only: the package indexes (or the proxy) pip will connect to for every configured venv,
 * the system interpreter when `system`, and each pipx app when `pipx`. Read per interpreter with
 * `PY -m pip config list`, so each venv's own pip.conf counts. Deduplicated by host:port.
 */
export async function pipSources(ctx: RunnerContext<PipOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'pip sources aborted');
  const targets = pipTargets(ctx.options);
  if (ctx.options.pipx) targets.push(...(await pipxAppTargets(ctx.exec)).map((a) => a.target));
  const out = new Map<string, SourceEndpoint>();
  for (const target of targets) {
    for (const e of await targetEndpoints(ctx, target)) {
      const key = `${e.host.toLowerCase()}|${e.port}`;
      if (!out.has(key)) out.set(key, e);
    }
  }
  return [...out.values()];
}
