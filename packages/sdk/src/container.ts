import { type Static, Type } from '@sinclair/typebox';

/** Whether the container runs, as the host adapter saw it. */
export const ContainerStatusSchema = Type.Union([Type.Literal('running'), Type.Literal('stopped'), Type.Literal('unknown')]);
/** See ContainerStatusSchema. */
export type ContainerStatus = Static<typeof ContainerStatusSchema>;

/** What the host adapter knows of one container; passed to every plugin. */
export const ContainerInfoSchema = Type.Object(
  {
    vmid: Type.Integer({ minimum: 100, maximum: 999999999 }),
    name: Type.String(),
    status: ContainerStatusSchema,
    lock: Type.Optional(Type.String()),
    tags: Type.Array(Type.String()),
    unprivileged: Type.Boolean(),
    template: Type.Boolean(),
    ostype: Type.Optional(Type.String()),
    /** The Proxmox cluster node the container is on (set when unrot runs across a cluster, `host.cluster`). */
    node: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
/** Read-only facts about the container a plugin works on. */
export type ContainerInfo = Static<typeof ContainerInfoSchema>;
