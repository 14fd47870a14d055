import { type RunnerContext, redactUrl, type SourceEndpoint, UnrotError, urlEndpoint } from '@unrot/sdk';
import { repositoriesArgv } from './commands.js';
import { ANY_EXIT, composerFailed } from './failure.js';
import type { ComposerOptions } from './options.js';
import { probeProject, ToolProbe } from './project.js';

/** One repository from `composer config repositories`: its key (name or index), type and url. */
export interface RepositoryEntry {
  key: string;
  type: string;
  url: string;
}

/**
 * `composer config repositories` prints the merged repositories (project, then global
 * config.json) as one JSON line: an array when the project lists them as one, else an object
 * keyed by name; packagist.org is there unless disabled (measured, Composer 2.5.5).
 */
export function parseRepositories(stdout: string, source: string): RepositoryEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch (error) {
    throw new UnrotError(
      'E_RUNNER_PARSE',
      `${source} printed output that is not JSON: ${stdout.slice(0, 200)}`,
      { source },
      { cause: error },
    );
  }
  if (typeof data !== 'object' || data === null)
    throw new UnrotError('E_RUNNER_PARSE', `${source}: expected a JSON array or object`, { source });
  const out: RepositoryEntry[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'object' || value === null) continue; // `"packagist.org": false`
    const { type, url } = value as { type?: unknown; url?: unknown };
    if (typeof url === 'string') out.push({ key, type: typeof type === 'string' ? type : 'composer', url });
  }
  return out;
}

/** Types whose url is a local directory or file, not a network source. */
const LOCAL_TYPES = new Set(['path', 'artifact']);

/** scp-like git address `git@host:vendor/repo.git`: ssh, port 22. */
const SCP_LIKE = /^[A-Za-z0-9._-]+@([A-Za-z0-9.-]+):(?!\/\/)/;

/** The host and port a repository is fetched from, or undefined for a local one. */
export function repositoryEndpoint(repo: RepositoryEntry, readWith: string, warn: (msg: string) => void): SourceEndpoint | undefined {
  if (LOCAL_TYPES.has(repo.type) || /^file:/i.test(repo.url) || repo.url.startsWith('/')) return undefined;
  const origin = `repository ${repo.key} (${repo.type}) ${redactUrl(repo.url)} (${readWith})`;
  const scp = SCP_LIKE.exec(repo.url);
  if (scp)
    return {
      host: scp[1] as string,
      port: 22,
      origin: `repository ${repo.key} (${repo.type}) ${repo.url.replace(/:.*$/, '')}:… (${readWith})`,
    };
  const endpoint = urlEndpoint(repo.url);
  if (!endpoint) {
    warn(`not checked: ${origin} names no plain host name or address`);
    return undefined;
  }
  return { host: endpoint.host, port: endpoint.port, origin };
}

/**
 * Read-only: per configured project, the repositories Composer itself reports for it. Projects
 * detect would refuse are skipped (check reports them). Deduplicated by host:port, first origin
 * kept. Not read: proxies (Composer takes them from http_proxy/https_proxy in the environment of
 * whoever runs it, which a container does not record) and dist hosts named inside the
 * repository metadata (packagist.org's dists come from GitHub).
 */
export async function composerSources(ctx: RunnerContext<ComposerOptions>): Promise<SourceEndpoint[]> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'composer sources aborted');
  const out = new Map<string, SourceEndpoint>();
  const tools = new ToolProbe(ctx.exec);
  for (const configured of ctx.options.projects) {
    const project = await probeProject(ctx.exec, tools, configured);
    if (project.problem) {
      ctx.log.warn({ project: project.dir, problem: project.problem }, 'composer sources: project skipped');
      continue;
    }
    const argv = repositoriesArgv(project.dir);
    const got = await ctx.exec.read(argv, { okExitCodes: ANY_EXIT });
    if (got.exitCode !== 0) throw composerFailed(got, `composer config repositories in ${project.dir}`);
    const readWith = `composer --working-dir=${project.dir} config repositories`;
    for (const repo of parseRepositories(got.stdout, readWith)) {
      const e = repositoryEndpoint(repo, readWith, (msg) => ctx.log.warn({}, msg));
      const key = e && `${e.host.toLowerCase()}|${e.port}`;
      if (e && key && !out.has(key)) out.set(key, e);
    }
  }
  return [...out.values()];
}
