import type { RunnerContext, Update } from '@unrot/sdk';
import { allContainerIdsArgv, allImagesArgv, imageRemoveArgv } from './docker-argv.js';
import type { DockerOptions } from './options.js';
import { inspectContainers, inspectImages } from './state.js';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);

export interface PruneOutcome {
  removed: string[];
  kept: Array<{ id: string; why: string }>;
}

function ids(stdout: string): string[] {
  return [...new Set(stdout.split('\n').map((l) => l.trim()))].filter((l) => DIGEST.test(l) || /^[a-f0-9]{64}$/.test(l));
}

/**
 * Runner.afterVerify for docker: removes the images this run replaced, now that the update is
 * verified. An image is replaced when one of its RepoDigests is an update's `from` (the digest
 * check saw locally). It is removed only when it has no tag left (apply moved the tag to the new
 * image; another tag means someone still names it) and no container at all (stopped ones
 * included) uses it; `docker image rm` runs without --force, so docker refuses anything else
 * still in use. A failed removal is a warning: the update stays.
 */
export async function pruneReplacedImages(ctx: RunnerContext<DockerOptions>, changed: readonly Update[]): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { removed: [], kept: [] };
  if (!ctx.options.prune_old_images) return outcome;
  const replaced = new Set(changed.map((u) => u.from).filter((d): d is string => d !== null && DIGEST.test(d)));
  if (replaced.size === 0) return outcome;
  const images = await inspectImages(ctx, ids((await ctx.exec.read(allImagesArgv())).stdout));
  const candidates = [...images.values()].filter((img) => img.repoDigests.some((rd) => replaced.has(rd.slice(rd.lastIndexOf('@') + 1))));
  if (candidates.length === 0) return outcome;
  const containerIds = ids((await ctx.exec.read(allContainerIdsArgv())).stdout);
  const used = new Set((containerIds.length > 0 ? await inspectContainers(ctx, containerIds) : []).map((c) => c.imageId));
  for (const img of candidates) {
    const tags = img.raw.RepoTags;
    if (used.has(img.id)) outcome.kept.push({ id: img.id, why: 'a container still uses it' });
    else if (Array.isArray(tags) && tags.length > 0) outcome.kept.push({ id: img.id, why: `still tagged ${tags.join(', ')}` });
    else {
      const r = await ctx.exec.change(imageRemoveArgv(img.id), { okExitCodes: ALL_EXIT_CODES });
      if (r.exitCode === 0) outcome.removed.push(img.id);
      else outcome.kept.push({ id: img.id, why: `docker image rm failed: ${(r.stderr || r.stdout).trim().slice(-300)}` });
    }
  }
  for (const k of outcome.kept) {
    if (k.why.startsWith('docker image rm failed')) ctx.log.warn({ image: k.id, reason: k.why }, 'old image kept');
    else ctx.log.info({ image: k.id, reason: k.why }, 'old image kept');
  }
  if (outcome.removed.length > 0) ctx.log.info({ images: outcome.removed }, 'old images removed after verification');
  return outcome;
}
