import { type CheckResult, type PlanStep, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { COMPOSE_SCOPE_PREFIX, PLAIN_SCOPE_PREFIX } from './check.js';
import { composeFlavour, composePullArgv, composeUpArgv, projectOf } from './compose.js';
import { buildCreate } from './create-argv.js';
import {
  envFileCreateArgv,
  envFilePath,
  envFileRemoveArgv,
  envFileWriteArgv,
  oldName,
  pullArgv,
  removeArgv,
  renameArgv,
  startArgv,
  stopArgv,
  tagArgv,
} from './docker-argv.js';
import { assertContainerName, assertDigest, parseImageRef } from './names.js';
import type { DockerOptions } from './options.js';
import { inspectContainers, inspectImages, type RunningContainer } from './state.js';

// Step ids are `<container>:<action>`; apply groups by the container and acts on the action.
export type RecreateAction =
  | 'pull'
  | 'tag'
  | 'stop'
  | 'rename'
  | 'env-file'
  | 'env-write'
  | 'create'
  | 'env-remove'
  | 'connect'
  | 'start'
  | 'remove-old';
export const stepId = (name: string, action: RecreateAction | 'compose-pull' | 'compose-up', n?: number) =>
  `${name}:${action}${n === undefined ? '' : `-${n}`}`;
export const parseStepId = (id: string): { name: string; action: string } => {
  const i = id.lastIndexOf(':');
  return { name: id.slice(0, i), action: id.slice(i + 1).replace(/-[0-9]+$/, '') };
};

/** Everything apply needs to rebuild and check a planned recreate. */
export interface RecreatePlan {
  container: RunningContainer;
  pinned: boolean;
  /** repo@digest that is pulled. */
  pullRef: string;
  /** What the new container is created from: its own Config.Image, or repo@digest when pinned. */
  createRef: string;
  steps: PlanStep[];
  envFile: string;
}

/** The recreate of one plain container, from a fresh `docker inspect` (also what apply re-derives to compare). */
export async function recreatePlan(ctx: RunnerContext<DockerOptions>, update: Update): Promise<RecreatePlan> {
  const name = assertContainerName(update.name, 'plan');
  const to = assertDigest(update.to, 'plan');
  const [container] = await inspectContainers(ctx, [name]);
  if (!container) throw new UnrotError('E_CT_NOT_FOUND', `docker container ${name} is gone since check`);
  const image = (await inspectImages(ctx, [container.imageId])).get(container.imageId);
  if (!image) throw new UnrotError('E_RUNNER_PARSE', `docker image inspect returned nothing for ${container.imageId}`);
  const ref = parseImageRef(container.imageRef, `container ${name} Config.Image`);
  const pinned = ctx.options.pin[name] !== undefined;
  const pullRef = `${ref.repository}@${to}`;
  const createRef = pinned ? pullRef : container.imageRef;
  const spec = buildCreate({ container: container.raw, image: image.raw, imageRef: createRef, envFile: envFilePath(name) });
  const stopTimeout =
    typeof container.raw.Config === 'object' && container.raw.Config && !Array.isArray(container.raw.Config)
      ? container.raw.Config.StopTimeout
      : undefined;
  const timeout = typeof stopTimeout === 'number' ? stopTimeout : ctx.options.stop_timeout_s;
  const s = (action: RecreateAction, title: string, argv: string[], extra: Partial<PlanStep> = {}, n?: number): PlanStep => ({
    id: stepId(name, action, n),
    title,
    argv,
    updates: [],
    ...extra,
  });
  const steps: PlanStep[] = [
    s('pull', `pull ${pullRef}`, pullArgv(pullRef), { timeoutMs: 1_800_000 }),
    ...(pinned || ref.tag === undefined
      ? []
      : [s('tag', `tag it ${ref.repository}:${ref.tag}`, tagArgv(pullRef, `${ref.repository}:${ref.tag}`))]),
    s('stop', `stop ${name}`, stopArgv(name, timeout), { timeoutMs: (timeout + 30) * 1000 }),
    s('rename', `keep the old container as ${oldName(name)} until the new one runs`, renameArgv(name, oldName(name))),
    ...(spec.envFile
      ? [
          s('env-file', `root-only env-file for ${name}`, envFileCreateArgv(name)),
          s('env-write', `write ${name}'s environment into it (through stdin, never argv)`, envFileWriteArgv(name)),
        ]
      : []),
    s('create', `create ${name} with its configuration on the new image`, spec.argv),
    ...(spec.envFile ? [s('env-remove', 'remove the env-file', envFileRemoveArgv(name))] : []),
    ...spec.connects.map((argv, i) => s('connect', `connect ${name} to network ${argv[argv.length - 2]}`, argv, {}, i)),
    s('start', `start the new ${name}`, startArgv(name), { updates: [update] }),
    s('remove-old', `remove the old container ${oldName(name)} (its image stays until verification)`, removeArgv(oldName(name))),
  ];
  return { container, pinned, pullRef, createRef, steps, envFile: spec.envFile };
}

/** Plain containers: pull by digest, then stop/rename/create/start/remove-old; compose projects: pull + up -d. */
export async function planDocker(ctx: RunnerContext<DockerOptions>, check: CheckResult): Promise<PlanStep[]> {
  const steps: PlanStep[] = [];
  const composeUpdates = new Map<string, Update[]>();
  for (const u of check.updates) {
    const scope = u.scope ?? '';
    if (scope.startsWith(COMPOSE_SCOPE_PREFIX)) {
      const dir = scope.slice(COMPOSE_SCOPE_PREFIX.length);
      composeUpdates.set(dir, [...(composeUpdates.get(dir) ?? []), u]);
    } else if (scope.startsWith(PLAIN_SCOPE_PREFIX)) {
      steps.push(...(await recreatePlan(ctx, u)).steps);
    } else {
      throw new UnrotError('E_RUNNER_PARSE', `docker plan: update ${u.name} has an unknown scope ${JSON.stringify(scope)}`);
    }
  }
  if (composeUpdates.size === 0) return steps;
  const flavour = await composeFlavour(ctx);
  for (const [dir, updates] of composeUpdates) {
    const first = updates[0] as Update;
    const [container] = await inspectContainers(ctx, [assertContainerName(first.name, 'plan')]);
    if (!container) throw new UnrotError('E_CT_NOT_FOUND', `docker container ${first.name} is gone since check`);
    const project = projectOf(container, dir);
    steps.push(
      {
        id: stepId(project.name, 'compose-pull'),
        title: `compose pull in ${dir}`,
        argv: composePullArgv(flavour, project),
        timeoutMs: 1_800_000,
        updates: [],
      },
      {
        id: stepId(project.name, 'compose-up'),
        title: `compose up -d in ${dir}`,
        argv: composeUpArgv(flavour, project),
        timeoutMs: 600_000,
        updates,
      },
    );
  }
  return steps;
}
