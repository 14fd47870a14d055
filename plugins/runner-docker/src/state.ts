import { type RunnerContext, UnrotError } from '@unrot/sdk';
import { imageInspectArgv, inspectArgv, runningIdsArgv } from './docker-argv.js';
import { type JsonObject, list, obj, optObj, optStr, parseJsonText, str, strList, strMap } from './json-read.js';
import { assertContainerName, assertDigest } from './names.js';

const HEX64 = /^[a-f0-9]{64}$/;
export const COMPOSE_PROJECT = 'com.docker.compose.project';
export const COMPOSE_DIR = 'com.docker.compose.project.working_dir';

/** A running container as check needs it; `raw` is its full inspect object for the argv builder. */
export interface RunningContainer {
  name: string;
  id: string;
  /** Config.Image: the reference it was created from. */
  imageRef: string;
  /** Image: the id (sha256:…) of the image it runs. */
  imageId: string;
  labels: Record<string, string>;
  raw: JsonObject;
}

export interface LocalImage {
  id: string;
  repoDigests: string[];
  os: string;
  architecture: string;
  variant: string;
  version?: string;
  raw: JsonObject;
}

function execFailed(what: string, r: { argv: readonly string[]; exitCode: number; stderr: string; stdout: string }): UnrotError {
  const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ').slice(0, 500);
  return new UnrotError('E_EXEC_FAILED', `${what} failed (exit ${r.exitCode}): ${tail}`, {
    argv: r.argv,
    exitCode: r.exitCode,
    stderr: r.stderr.slice(-2000),
  });
}

/** Every running container, inspected (one `docker ps` and one `docker container inspect`). */
export async function runningContainers(ctx: RunnerContext<unknown>): Promise<RunningContainer[]> {
  const ps = await ctx.exec.read(runningIdsArgv(), { okExitCodes: [0, 1] });
  if (ps.exitCode !== 0) throw execFailed('docker ps', ps);
  const ids = ps.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  for (const id of ids)
    if (!HEX64.test(id))
      throw new UnrotError('E_RUNNER_PARSE', `docker ps printed a line that is not a container id: ${JSON.stringify(id.slice(0, 80))}`);
  if (ids.length === 0) return [];
  return inspectContainers(ctx, ids);
}

export async function inspectContainers(ctx: RunnerContext<unknown>, refs: readonly string[]): Promise<RunningContainer[]> {
  const r = await ctx.exec.read(inspectArgv(refs), { okExitCodes: [0, 1] });
  // Exit 1 with a partial array when one vanished between ps and inspect: that one is skipped.
  const parsed = list(parseJsonText(r.stdout || '[]', 'docker container inspect'), 'output', 'docker container inspect');
  if (r.exitCode !== 0 && parsed.length === 0) throw execFailed('docker container inspect', r);
  return parsed.map((raw, i) => {
    const o = obj(raw, `element ${i}`, 'docker container inspect');
    const config = obj(o.Config, 'Config', 'docker container inspect');
    return {
      name: assertContainerName(str(o.Name, 'Name', 'docker container inspect'), 'docker container inspect'),
      id: str(o.Id, 'Id', 'docker container inspect'),
      imageRef: optStr(config.Image, 'Config.Image', 'docker container inspect'),
      imageId: assertDigest(str(o.Image, 'Image', 'docker container inspect'), 'docker container inspect Image'),
      labels: strMap(config.Labels, 'Config.Labels', 'docker container inspect'),
      raw: o,
    };
  });
}

export async function inspectImages(ctx: RunnerContext<unknown>, ids: readonly string[]): Promise<Map<string, LocalImage>> {
  const out = new Map<string, LocalImage>();
  if (ids.length === 0) return out;
  const r = await ctx.exec.read(imageInspectArgv(ids), { okExitCodes: [0, 1] });
  const parsed = list(parseJsonText(r.stdout || '[]', 'docker image inspect'), 'output', 'docker image inspect');
  if (r.exitCode !== 0 && parsed.length === 0) throw execFailed('docker image inspect', r);
  for (const [i, raw] of parsed.entries()) {
    const o = obj(raw, `element ${i}`, 'docker image inspect');
    const config = optObj(o.Config, 'Config', 'docker image inspect');
    const labels = strMap(config?.Labels, 'Config.Labels', 'docker image inspect');
    const id = assertDigest(str(o.Id, 'Id', 'docker image inspect'), 'docker image inspect Id');
    const version = labels['org.opencontainers.image.version'];
    out.set(id, {
      id,
      repoDigests: strList(o.RepoDigests, 'RepoDigests', 'docker image inspect'),
      os: optStr(o.Os, 'Os', 'docker image inspect'),
      architecture: optStr(o.Architecture, 'Architecture', 'docker image inspect'),
      variant: optStr(o.Variant, 'Variant', 'docker image inspect'),
      ...(version && /^[\w.+-]{1,64}$/.test(version) ? { version } : {}),
      raw: o,
    });
  }
  return out;
}
