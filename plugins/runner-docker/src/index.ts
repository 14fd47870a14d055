import { defineRunner } from '@unrot/sdk';
import { applyDocker } from './apply.js';
import { checkDocker } from './check.js';
import { detectDocker } from './detect.js';
import { DockerOptionsSchema } from './options.js';
import { planDocker } from './plan.js';
import { pruneReplacedImages } from './prune.js';
import { dockerSources } from './sources.js';

export const runner = defineRunner({
  id: 'docker',
  sdk: 1,
  kind: 'app',
  description:
    'Docker containers and compose projects: image updates found by registry digest without pulling, plain containers recreated exactly from docker inspect, compose pull + up -d',
  optionsSchema: DockerOptionsSchema,
  detect: (ctx) => detectDocker(ctx),
  check: async (ctx) => (await checkDocker(ctx)).result,
  plan: (ctx, check) => planDocker(ctx, check),
  apply: (ctx, plan) => applyDocker(ctx, plan),
  sources: (ctx) => dockerSources(ctx),
  afterVerify: async (ctx, applied) => void (await pruneReplacedImages(ctx, applied.changed)),
});

export default runner;
export { type DockerOptions, DockerOptionsSchema } from './options.js';
