import { type Static, Type } from '@sinclair/typebox';

// The shapes unrot reads from the Proxmox VE API (pve-container API2/LXC*.pm, pve-manager
// API2/Nodes.pm, API2/Tasks.pm, pve-storage API2/Storage/Status.pm, pve-access-control
// API2/AccessControl.pm). Only the fields unrot uses are required; Proxmox adds fields over
// releases, so objects stay open. Perl's JSON writes numbers as strings now and then (vmid
// before pve-container 5.0.10, loadavg always), hence the unions.

const IntLike = Type.Union([Type.Integer(), Type.String({ pattern: '^-?\\d+$' })]);
const NumLike = Type.Union([Type.Number(), Type.String({ pattern: '^-?\\d+(\\.\\d+)?$' })]);
const Flag = Type.Union([Type.Literal(0), Type.Literal(1), Type.Boolean(), Type.Literal('0'), Type.Literal('1')]);

/** `GET /nodes/{node}/lxc` (PVE::LXC::vmstatus per CT). */
export const LxcListSchema = Type.Array(
  Type.Object({
    vmid: IntLike,
    status: Type.String(),
    name: Type.Optional(Type.String()),
    tags: Type.Optional(Type.String()),
    lock: Type.Optional(Type.String()),
    template: Type.Optional(Flag),
  }),
);
export type LxcListEntry = Static<typeof LxcListSchema>[number];

/** `GET /nodes/{node}/lxc/{vmid}/config`: key → value (typed), `digest`, raw `lxc` as [key, value] pairs. */
export const LxcConfigSchema = Type.Object({
  digest: Type.Optional(Type.String()),
  lxc: Type.Optional(Type.Array(Type.Tuple([Type.String(), Type.String()]))),
});
export type LxcConfig = Static<typeof LxcConfigSchema> & Record<string, unknown>;

/** `GET /nodes/{node}/lxc/{vmid}/pending`: one row per key, with `pending` / `delete` set for changes not yet applied. */
export const LxcPendingSchema = Type.Array(
  Type.Object({
    key: Type.String(),
    value: Type.Optional(Type.Unknown()),
    pending: Type.Optional(Type.Unknown()),
    delete: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
  }),
);
export type LxcPendingEntry = Static<typeof LxcPendingSchema>[number];

/** `GET /nodes/{node}/lxc/{vmid}/status/current`. */
export const LxcStatusSchema = Type.Object({
  status: Type.String(),
  lock: Type.Optional(Type.String()),
});

/** `GET /nodes/{node}/lxc/{vmid}/snapshot` (pve-container API2/LXC/Snapshot.pm). */
export const SnapshotListSchema = Type.Array(
  Type.Object({
    name: Type.String(),
    snaptime: Type.Optional(IntLike),
    description: Type.Optional(Type.String()),
    parent: Type.Optional(Type.String()),
    snapstate: Type.Optional(Type.String()),
    running: Type.Optional(Flag),
  }),
);
export type ApiSnapshot = Static<typeof SnapshotListSchema>[number];

/** `GET /nodes/{node}/storage` (bytes; `total`/`used`/`avail` are missing for an inactive storage). */
export const StorageListSchema = Type.Array(
  Type.Object({
    storage: Type.String(),
    type: Type.String(),
    active: Type.Optional(Flag),
    enabled: Type.Optional(Flag),
    total: Type.Optional(NumLike),
    used: Type.Optional(NumLike),
    avail: Type.Optional(NumLike),
  }),
);
export type ApiStorage = Static<typeof StorageListSchema>[number];

/** `GET /nodes/{node}/storage/{storage}/content?content=backup`. */
export const StorageContentSchema = Type.Array(Type.Object({ volid: Type.String() }));

/** `GET /nodes/{node}/status` (load as strings, CPU count). */
export const NodeStatusSchema = Type.Object({
  loadavg: Type.Array(NumLike, { minItems: 3 }),
  cpuinfo: Type.Object({ cpus: Type.Integer({ minimum: 1 }) }),
});

/** A worker task's id: `UPID:node:PID8:PSTART8:STARTTIME8:type:id:user:` (PVE::Tools::upid_encode). */
export const UPID_PATTERN = '^UPID:[A-Za-z0-9][A-Za-z0-9.-]*:[0-9A-Fa-f]{8,}:[0-9A-Fa-f]{8,}:[0-9A-Fa-f]{8,}:[^:\\s]+:[^:\\s]*:[^:\\s]+:$';
export const UpidSchema = Type.String({ pattern: UPID_PATTERN });

/** `GET /nodes/{node}/tasks/{upid}/status`. */
export const TaskStatusSchema = Type.Object({
  status: Type.Union([Type.Literal('running'), Type.Literal('stopped')]),
  exitstatus: Type.Optional(Type.String()),
});
export type TaskStatus = Static<typeof TaskStatusSchema>;

/** `GET /nodes/{node}/tasks/{upid}/log`: lines `{n, t}` from `start`, at most `limit`. */
export const TaskLogSchema = Type.Array(Type.Object({ n: Type.Integer(), t: Type.String() }));

/** `GET /access/permissions?path=…`: path → privilege → propagate flag. */
export const PermissionsSchema = Type.Record(Type.String(), Type.Record(Type.String(), Type.Union([Type.Integer(), Type.Boolean()])));

/** `GET /version`. */
export const VersionSchema = Type.Object({ version: Type.String(), release: Type.Optional(Type.String()) });

/** The envelope of every answer; `total` comes with paged lists such as task logs. */
export const EnvelopeSchema = Type.Object({ data: Type.Unknown(), total: Type.Optional(Type.Integer()) });
