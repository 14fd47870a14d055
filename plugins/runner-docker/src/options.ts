import { type Static, Type } from '@sinclair/typebox';

const CONTAINER_NAME = '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$';
// A label selector: KEY or KEY=VALUE, as `docker ps --filter label=…` takes it.
const LABEL_SELECTOR = '^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}(=[^\\u0000\\n\\r]{0,256})?$';
const DIGEST = '^sha256:[a-f0-9]{64}$';
const REGISTRY_HOST = '^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$';

/** Options of the docker runner (`runners: { docker: { … } }` in a container policy); docs/runners/docker.md. */
export const DockerOptionsSchema = Type.Object(
  {
    containers: Type.Array(Type.String({ pattern: CONTAINER_NAME }), {
      default: [],
      uniqueItems: true,
      description:
        'plain containers to keep updated, by name; empty together with labels = every running container that compose does not manage',
    }),
    labels: Type.Array(Type.String({ pattern: LABEL_SELECTOR }), {
      default: [],
      uniqueItems: true,
      description: 'also select running containers carrying one of these labels (KEY or KEY=VALUE)',
    }),
    compose_projects: Type.Array(Type.String({ pattern: '^/[^\\u0000\\n\\r]*$' }), {
      default: [],
      uniqueItems: true,
      description: 'compose project directories (absolute, inside the container) to update with compose pull + up -d',
    }),
    pin: Type.Record(Type.String({ pattern: CONTAINER_NAME }), Type.String({ pattern: DIGEST }), {
      default: {},
      description:
        'container name → image digest (sha256:…) it must run; the registry tag is not followed for it (the container is recreated on the pinned digest when it runs another)',
    }),
    monitor_only: Type.Array(Type.String({ pattern: CONTAINER_NAME }), {
      default: [],
      uniqueItems: true,
      description: 'containers (or compose projects by directory name) whose updates are reported but never applied',
    }),
    recreate_order: Type.Array(Type.String({ pattern: CONTAINER_NAME }), {
      default: [],
      uniqueItems: true,
      description: 'containers recreated first, in this order (dependencies before dependants); the others follow by name',
    }),
    insecure_registries: Type.Array(Type.String({ pattern: REGISTRY_HOST }), {
      default: [],
      uniqueItems: true,
      description:
        'registries (host[:port]) served over plain HTTP: the digest check passes --insecure for them (without it docker manifest inspect answers "no such manifest")',
    }),
    stop_timeout_s: Type.Integer({
      minimum: 0,
      maximum: 600,
      default: 10,
      description: "seconds docker stop waits before killing the old container (the container's own StopTimeout wins when set)",
    }),
    settle_s: Type.Integer({
      minimum: 0,
      maximum: 300,
      default: 5,
      description:
        'seconds a recreated container without a HEALTHCHECK must stay running (no restart) before the old one is removed; catches an image that exits at start',
    }),
    prune_old_images: Type.Boolean({
      default: false,
      description:
        'after verification passed, remove the images this run replaced, when no container (running or stopped) uses them and no tag names them any more; default false: kept, as docker pull/compose leave them',
    }),
    start_timeout_s: Type.Integer({
      minimum: 1,
      maximum: 900,
      default: 60,
      description: 'seconds a recreated container has to be running (and healthy when it has a HEALTHCHECK) before it is rolled back',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type DockerOptions = Static<typeof DockerOptionsSchema>;
