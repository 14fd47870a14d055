import type { ApplyResult, ExecResult, PlanStep, RunnerContext, StepOutcome, Update } from '@unrot/sdk';
import { UnrotError } from '@unrot/sdk';
import {
  envFileRemoveArgv,
  forceRemoveArgv,
  imageInspectArgv,
  inspectArgv,
  logsTailArgv,
  oldName,
  renameArgv,
  startArgv,
  tagArgv,
} from './docker-argv.js';
import { isObject, parseJsonText } from './json-read.js';
import { parseImageRef } from './names.js';
import type { DockerOptions } from './options.js';
import { parseStepId, recreatePlan } from './plan.js';
import { registryError } from './registry.js';

const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);
const tail = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-20).join('\n').slice(-2000);
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

interface ContainerState {
  status: string;
  running: boolean;
  restartCount: number;
  startedAt: string;
  health?: string;
  image: string;
  exitCode: number;
}

async function stateOf(ctx: RunnerContext<DockerOptions>, name: string): Promise<ContainerState | undefined> {
  const r = await ctx.exec.read(inspectArgv([name]), { okExitCodes: [0, 1] });
  const parsed = parseJsonText(r.stdout || '[]', 'docker container inspect');
  const o = Array.isArray(parsed) ? parsed[0] : undefined;
  if (!isObject(o) || !isObject(o.State)) return undefined;
  const s = o.State;
  const health = isObject(s.Health) && typeof s.Health.Status === 'string' ? s.Health.Status : undefined;
  return {
    status: typeof s.Status === 'string' ? s.Status : '',
    running: s.Running === true,
    restartCount: typeof o.RestartCount === 'number' ? o.RestartCount : 0,
    startedAt: typeof s.StartedAt === 'string' ? s.StartedAt : '',
    image: typeof o.Image === 'string' ? o.Image : '',
    exitCode: typeof s.ExitCode === 'number' ? s.ExitCode : 0,
    ...(health === undefined ? {} : { health }),
  };
}

/**
 * Running and staying up: healthy when it has a HEALTHCHECK (polled every second up to
 * start_timeout_s), otherwise still running with the same start time after settle_s.
 */
async function waitStarted(
  ctx: RunnerContext<DockerOptions>,
  name: string,
  wasUnhealthy: boolean,
): Promise<{ ok: boolean; why: string; state?: ContainerState }> {
  const o = ctx.options;
  const first = await stateOf(ctx, name);
  if (!first?.running)
    return {
      ok: false,
      why: `is not running after start (${first?.status ?? 'gone'}, exit ${first?.exitCode ?? '?'})`,
      ...(first ? { state: first } : {}),
    };
  // An old container that was already unhealthy is held only to "stays running" (health cannot get worse).
  if (first.health === undefined || wasUnhealthy) {
    await sleep(o.settle_s * 1000, ctx.signal);
    const later = await stateOf(ctx, name);
    if (later?.running && later.startedAt === first.startedAt && later.restartCount === first.restartCount)
      return { ok: true, why: 'running', state: later };
    return {
      ok: false,
      why: `did not stay running for ${o.settle_s} s (${later?.status ?? 'gone'}, exit ${later?.exitCode ?? '?'}, restarts ${later?.restartCount ?? '?'})`,
      ...(later ? { state: later } : {}),
    };
  }
  const deadline = Date.now() + o.start_timeout_s * 1000;
  let s: ContainerState | undefined = first;
  while (s?.running && s.health !== 'healthy' && s.health !== 'unhealthy' && Date.now() < deadline && !ctx.signal.aborted) {
    await sleep(1000, ctx.signal);
    s = await stateOf(ctx, name);
  }
  if (s?.running && s.health === 'healthy') return { ok: true, why: 'healthy', state: s };
  return {
    ok: false,
    why: `not healthy within ${o.start_timeout_s} s (${s?.status ?? 'gone'}, health ${s?.health ?? '?'})`,
    ...(s ? { state: s } : {}),
  };
}

/** Puts the old container back: drop the new one, old name back, start it, old image back on the tag. */
async function rollBack(ctx: RunnerContext<DockerOptions>, name: string, stage: { created: boolean; renamed: boolean }, retag?: string[]) {
  const undo: string[][] = [];
  if (stage.created) undo.push(forceRemoveArgv(name));
  if (stage.renamed) undo.push(renameArgv(oldName(name), name));
  undo.push(startArgv(name));
  if (retag) undo.push(retag);
  const failed: string[] = [];
  for (const argv of undo) {
    const r = await ctx.exec.change(argv, { okExitCodes: ALL_EXIT_CODES });
    if (r.exitCode !== 0) failed.push(`${argv.slice(1, 3).join(' ')}: ${tail(r).split('\n').pop()}`);
  }
  return failed;
}

async function runStep(ctx: RunnerContext<DockerOptions>, step: PlanStep, steps: StepOutcome[], input?: string): Promise<ExecResult> {
  const r = await ctx.exec.change(step.argv, {
    okExitCodes: ALL_EXIT_CODES,
    ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }),
    ...(input === undefined ? {} : { input }),
  });
  steps.push({ id: step.id, argv: [...step.argv], exitCode: r.exitCode, durationMs: r.durationMs });
  return r;
}

/** One container's steps, in plan order, with the old one kept (renamed) until the new one runs. */
async function applyRecreate(ctx: RunnerContext<DockerOptions>, group: PlanStep[], steps: StepOutcome[]): Promise<Update[]> {
  const startStep = group.find((s) => parseStepId(s.id).action === 'start');
  const update = startStep?.updates[0];
  if (!update) throw new UnrotError('E_INTERNAL', `docker apply: plan group ${group[0]?.id} has no start step with its update`);
  const name = update.name;
  // Re-derived from the container as it is now: a container changed since plan is not touched.
  const fresh = await recreatePlan(ctx, update);
  if (JSON.stringify(fresh.steps.map((s) => s.argv)) !== JSON.stringify(group.map((s) => s.argv)))
    throw new UnrotError('E_RUNNER_NOT_APPLICABLE', `docker container ${name} changed since it was planned; run plan again`, {
      container: name,
    });
  const oldImage = fresh.container.imageId;
  const ref = parseImageRef(fresh.container.imageRef, 'apply');
  const retag = !fresh.pinned && ref.tag ? tagArgv(oldImage, `${ref.repository}:${ref.tag}`) : undefined;
  const stage = { created: false, renamed: false, tagged: false };
  let ranForReal = false;
  for (const step of group) {
    const action = parseStepId(step.id).action;
    const r = await runStep(ctx, step, steps, action === 'env-write' ? fresh.envFile : undefined);
    if (r.dryRun) continue;
    ranForReal = true;
    if (r.exitCode !== 0) {
      // Before stop the old container still runs untouched: only the tag may need putting back.
      if (action === 'pull') throw registryError(fresh.pullRef, r);
      if (action === 'tag') throw failed(`docker tag for ${name}`, r);
      if (action === 'remove-old') {
        ctx.log.warn({ container: oldName(name), output: tail(r) }, 'the new container runs; removing the old one failed (left in place)');
        continue;
      }
      if (action === 'env-remove') {
        ctx.log.warn({ container: name, output: tail(r) }, 'removing the env-file failed; it is root-only under /run (gone at reboot)');
        continue;
      }
      if (action === 'stop') {
        const undo = await rollBack(ctx, name, { created: false, renamed: false }, retag);
        throw new UnrotError(
          'E_EXEC_FAILED',
          `docker stop ${name} failed; it was started again${undo.length ? ` (not all: ${undo.join('; ')})` : ''}: ${tail(r)}`,
          {
            container: name,
            exitCode: r.exitCode,
            output: tail(r),
          },
        );
      }
      if (action === 'env-file' || action === 'env-write' || action === 'create')
        await ctx.exec.change(envFileRemoveArgv(name), { okExitCodes: ALL_EXIT_CODES });
      const undo = await rollBack(ctx, name, stage, retag);
      throw new UnrotError(
        'E_RESTART_FAILED',
        `docker ${action} of ${name} failed; the old container was restored${undo.length ? ` (not all: ${undo.join('; ')})` : ''}: ${tail(r)}`,
        {
          container: name,
          exitCode: r.exitCode,
          output: tail(r),
        },
      );
    }
    if (action === 'tag') stage.tagged = true;
    if (action === 'rename') stage.renamed = true;
    if (action === 'create') stage.created = true;
    if (action === 'start') {
      const state = fresh.container.raw.State;
      const wasUnhealthy = isObject(state) && isObject(state.Health) && state.Health.Status === 'unhealthy';
      const started = await waitStarted(ctx, name, wasUnhealthy);
      if (!started.ok) {
        const logs = await ctx.exec.read(logsTailArgv(name), { okExitCodes: ALL_EXIT_CODES });
        const undo = await rollBack(ctx, name, stage, retag);
        throw new UnrotError(
          'E_RESTART_FAILED',
          `the recreated ${name} ${started.why}; the old container runs again${undo.length ? ` (not all undone: ${undo.join('; ')})` : ''}. Its log: ${tail(logs)}`,
          { container: name, image: fresh.pullRef, output: tail(logs) },
        );
      }
    }
  }
  if (ranForReal) {
    const now = await stateOf(ctx, name);
    if (now && now.image !== oldImage) {
      const img = await ctx.exec.read(imageInspectArgv([now.image]), { okExitCodes: [0, 1] });
      const digests = parseJsonText(img.stdout || '[]', 'docker image inspect');
      const first = Array.isArray(digests) && isObject(digests[0]) ? digests[0].RepoDigests : undefined;
      const has = Array.isArray(first) && first.some((d) => typeof d === 'string' && d.endsWith(`@${update.to}`));
      return [{ name, from: update.from, to: has ? update.to : now.image, ...(update.scope ? { scope: update.scope } : {}) }];
    }
  }
  return [];
}

function failed(what: string, r: ExecResult): UnrotError {
  return new UnrotError('E_EXEC_FAILED', `${what} failed (exit ${r.exitCode}): ${tail(r)}`, {
    argv: r.argv,
    exitCode: r.exitCode,
    output: tail(r),
  });
}

/** Compose: pull then up -d; compose itself recreates only the services whose image changed. */
async function applyCompose(ctx: RunnerContext<DockerOptions>, group: PlanStep[], steps: StepOutcome[]): Promise<Update[]> {
  const updates = group.flatMap((s) => s.updates);
  const before = new Map<string, string>();
  for (const u of updates) before.set(u.name, (await stateOf(ctx, u.name))?.image ?? '');
  let dry = false;
  for (const step of group) {
    const r = await runStep(ctx, step, steps);
    dry ||= r.dryRun;
    if (!r.dryRun && r.exitCode !== 0) {
      const action = parseStepId(step.id).action;
      if (action === 'compose-pull') throw registryError(step.title, r);
      throw new UnrotError('E_RESTART_FAILED', `${step.title} failed (exit ${r.exitCode}): ${tail(r)}`, {
        exitCode: r.exitCode,
        output: tail(r),
      });
    }
  }
  if (dry) return [];
  const changed: Update[] = [];
  for (const u of updates) {
    // compose recreates the service container under the same name; read which image it runs now.
    const now = await stateOf(ctx, u.name);
    if (now?.running && now.image !== '' && now.image !== before.get(u.name)) changed.push(u);
  }
  return changed;
}

/** Runs the plan's argv in order, grouped per container / compose project. */
export async function applyDocker(ctx: RunnerContext<DockerOptions>, plan: PlanStep[]): Promise<ApplyResult> {
  const steps: StepOutcome[] = [];
  const changed: Update[] = [];
  const groups: PlanStep[][] = [];
  for (const step of plan) {
    const key = parseStepId(step.id).name;
    const last = groups[groups.length - 1];
    if (last && parseStepId(last[0]?.id ?? '').name === key) last.push(step);
    else groups.push([step]);
  }
  for (const group of groups) {
    if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'docker apply aborted');
    const compose = group.some((s) => parseStepId(s.id).action.startsWith('compose'));
    changed.push(...(compose ? await applyCompose(ctx, group, steps) : await applyRecreate(ctx, group, steps)));
  }
  return { changed, steps };
}
