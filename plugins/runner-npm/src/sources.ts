import { proxyUrl, type RunnerContext, redactUrl, type SourceEndpoint, UnrotError, urlEndpoint } from '@unrot/sdk';
import { GLOBAL } from './commands.js';
import { inNoProxy } from './no-proxy.js';
import type { NpmOptions } from './options.js';
import { type Manager, probeProject, ToolProbe } from './project.js';
import {
  effectiveProxy,
  NPM_DEFAULT_REGISTRY,
  NPM_KEYS,
  npmConfigGetArgv,
  npmConfigListArgv,
  PNPM_KEYS,
  PROTECTED,
  parseNpmConfigGet,
  parseNpmConfigList,
  parseYarnConfigList,
  pnpmConfigGetArgv,
  type RegistrySettings,
  setting,
  yarnConfigListArgv,
} from './registry-config.js';

/** The registry settings as the tool itself reads them for this project (or for `npm -g`). */
export async function readRegistrySettings(ctx: RunnerContext<NpmOptions>, manager: Manager, dir: string): Promise<RegistrySettings> {
  const { exec } = ctx;
  if (manager === 'yarn') {
    const argv = yarnConfigListArgv(dir);
    return parseYarnConfigList((await exec.read(argv)).stdout, argv.join(' '));
  }
  if (manager === 'pnpm') {
    const values: Record<string, string | undefined> = {};
    for (const key of PNPM_KEYS) {
      // noproxy only matters when a proxy is set: one command less per project otherwise.
      if (key === 'noproxy' && !values['https-proxy'] && !values['proxy']) continue;
      values[key] = setting((await exec.read(pnpmConfigGetArgv(dir, key))).stdout);
    }
    return {
      registry: values['registry'] ?? NPM_DEFAULT_REGISTRY,
      httpsProxy: values['https-proxy'],
      proxy: values['proxy'],
      noProxy: values['noproxy'],
      readWith: `pnpm --dir ${dir} config get`,
    };
  }
  const argv = npmConfigGetArgv(dir);
  const got = await exec.read(argv, { okExitCodes: [0, 1] });
  if (got.exitCode === 0) return parseNpmConfigGet(got.stdout, argv.slice(0, -NPM_KEYS.length).join(' '));
  if (!PROTECTED.test(got.stderr)) {
    throw new UnrotError('E_EXEC_FAILED', `${argv.join(' ')} exited ${got.exitCode}: ${got.stderr.trim().slice(0, 500)}`, {
      argv,
      exitCode: got.exitCode,
      stderr: got.stderr,
    });
  }
  const listArgv = npmConfigListArgv(dir);
  return parseNpmConfigList((await exec.read(listArgv)).stdout, listArgv.join(' '));
}

/** The registry, or the proxy the tool sends registry requests through. */
export function registryEndpoint(manager: Manager, s: RegistrySettings, warn: (msg: string) => void): SourceEndpoint | undefined {
  const registryOrigin = `registry ${redactUrl(s.registry)}`;
  const registry = urlEndpoint(s.registry);
  if (!registry) {
    warn(`not checked: ${registryOrigin} (${s.readWith}) names no plain host name or address`);
    return undefined;
  }
  const proxy = effectiveProxy(manager, s, registry.scheme);
  if (!proxy || inNoProxy(registry.host, s.noProxy))
    return { host: registry.host, port: registry.port, origin: `${registryOrigin} (${s.readWith})` };
  const url = proxyUrl(proxy.value);
  const via = urlEndpoint(url);
  if (!via) {
    warn(`not checked: ${proxy.key} ${redactUrl(url)} (${s.readWith}) is not a proxy URL, for ${registryOrigin}`);
    return undefined;
  }
  return { host: via.host, port: via.port, origin: `${proxy.key} ${redactUrl(url)} (${s.readWith}), for ${registryOrigin}` };
}

/**
 * Read-only: per configured project (and `npm -g` when `global`), the registry its package
 * manager uses, or the proxy in front of it. Projects detect would refuse are skipped (check
 * reports them). Deduplicated by host:port, first origin kept.
 */
export async function npmSources(ctx: RunnerContext<NpmOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'npm sources aborted');
  const out = new Map<string, SourceEndpoint>();
  const add = (manager: Manager, settings: RegistrySettings) => {
    const e = registryEndpoint(manager, settings, (msg) => ctx.log.warn({}, msg));
    const key = e && `${e.host.toLowerCase()}|${e.port}`;
    if (e && key && !out.has(key)) out.set(key, e);
  };
  const tools = new ToolProbe(ctx.exec);
  for (const configured of ctx.options.projects) {
    const project = await probeProject(ctx.exec, tools, configured);
    if (project.problem) {
      ctx.log.warn({ project: project.dir, problem: project.problem }, 'npm sources: project skipped');
      continue;
    }
    add(project.manager, await readRegistrySettings(ctx, project.manager, project.dir));
  }
  if (ctx.options.global && (await tools.version(['npm', '--version'])) !== undefined) {
    add('npm', await readRegistrySettings(ctx, 'npm', GLOBAL));
  }
  return [...out.values()];
}
