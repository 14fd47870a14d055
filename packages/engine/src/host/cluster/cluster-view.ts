import { type Static, Type } from '@sinclair/typebox';
import { isUnrotError, UnrotError } from '@unrot/sdk';
import type { PveApiClient } from '../api/api-client.js';

// pve-manager API2/Cluster.pm: /cluster/status and /cluster/resources. Objects stay open (Proxmox
// adds fields); only what unrot uses is required. Flags come as 0/1 (or strings from old Perl).
const Flag = Type.Union([Type.Literal(0), Type.Literal(1), Type.Boolean(), Type.Literal('0'), Type.Literal('1')]);
const IntLike = Type.Union([Type.Integer(), Type.String({ pattern: '^-?\\d+$' })]);

/** `GET /cluster/status`: one `cluster` entry (absent on a node that is in no cluster) and one `node` entry per node. */
export const ClusterStatusSchema = Type.Array(
  Type.Object({
    type: Type.String(),
    name: Type.Optional(Type.String()),
    quorate: Type.Optional(Flag),
    ip: Type.Optional(Type.String()),
    online: Type.Optional(Flag),
    local: Type.Optional(Flag),
  }),
);

/** `GET /cluster/resources?type=vm`: every guest of every node (qemu entries too; unrot keeps `lxc`). */
export const ClusterResourcesSchema = Type.Array(
  Type.Object({
    type: Type.String(),
    vmid: Type.Optional(IntLike),
    node: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    status: Type.Optional(Type.String()),
    tags: Type.Optional(Type.String()),
    lock: Type.Optional(Type.String()),
    template: Type.Optional(Flag),
  }),
);
type ResourceEntry = Static<typeof ClusterResourcesSchema>[number];

export interface ClusterNode {
  name: string;
  ip?: string;
  online: boolean;
  local: boolean;
}

export interface ClusterState {
  /** The cluster's name; undefined for a node that is in no cluster. */
  name?: string;
  /** Whether this node has quorum (a single node without a cluster always has). */
  quorate: boolean;
  nodes: ClusterNode[];
}

export interface ClusterGuest {
  vmid: number;
  node: string;
  name: string;
  /** `unknown` when its node is offline (Proxmox shows the last known config, no status). */
  status: 'running' | 'stopped' | 'unknown';
  tags?: string;
  lock?: string;
  template: boolean;
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;
const on = (flag: unknown): boolean => flag === 1 || flag === true || flag === '1';

export async function readClusterState(client: PveApiClient, signal?: AbortSignal): Promise<ClusterState> {
  const rows = await client.get('/cluster/status', ClusterStatusSchema, undefined, signal);
  const cluster = rows.find((r) => r.type === 'cluster');
  const nodes: ClusterNode[] = [];
  for (const r of rows) {
    if (r.type !== 'node') continue;
    if (r.name === undefined || !NODE_NAME.test(r.name))
      throw new UnrotError('E_API_RESPONSE', `GET /cluster/status: invalid node name ${JSON.stringify(r.name)}`);
    nodes.push({ name: r.name, ...(r.ip ? { ip: r.ip } : {}), online: on(r.online), local: on(r.local) });
  }
  return { ...(cluster?.name ? { name: cluster.name } : {}), quorate: cluster === undefined || on(cluster.quorate), nodes };
}

export async function readClusterGuests(client: PveApiClient, signal?: AbortSignal): Promise<ClusterGuest[]> {
  const rows = await client.get('/cluster/resources', ClusterResourcesSchema, { type: 'vm' }, signal);
  return rows
    .filter((r) => r.type === 'lxc')
    .map((r) => guestOf(r))
    .sort((a, b) => a.vmid - b.vmid);
}

function guestOf(r: ResourceEntry): ClusterGuest {
  const vmid = Number(r.vmid);
  if (!Number.isInteger(vmid) || vmid < 100 || vmid > 999_999_999)
    throw new UnrotError('E_API_RESPONSE', `GET /cluster/resources: invalid vmid ${JSON.stringify(r.vmid)}`);
  if (r.node === undefined || !NODE_NAME.test(r.node))
    throw new UnrotError('E_API_RESPONSE', `GET /cluster/resources: CT ${vmid} has an invalid node ${JSON.stringify(r.node)}`);
  return {
    vmid,
    node: r.node,
    name: r.name !== undefined && r.name !== '' ? r.name : `CT${vmid}`,
    status: r.status === 'running' || r.status === 'stopped' ? r.status : 'unknown',
    ...(r.tags ? { tags: r.tags } : {}),
    ...(r.lock ? { lock: r.lock } : {}),
    template: on(r.template),
  };
}

/**
 * Proxmox's answer when pveproxy cannot forward a request to the node it names (HTTP 595:
 * `Connection refused`, `No route to host`, `Connection timed out`): the node is down or cut off.
 * As E_NODE_UNREACHABLE with Proxmox's words; anything else unchanged.
 */
export function nodeUnreachable(node: string, error: unknown): unknown {
  if (!isUnrotError(error) || error.code !== 'E_API_RESPONSE' || error.details['status'] !== 595) return error;
  const words = String(error.details['message'] ?? error.message);
  return new UnrotError('E_NODE_UNREACHABLE', `node ${node} unreachable through the Proxmox API: ${words}`, { ...error.details, node });
}

/**
 * Where each container is, as the cluster says: read once, read again when a container is not
 * where it was (it migrated) or is not known yet. Every worker thread keeps its own.
 */
export class ClusterPlacement {
  private guests: Map<number, ClusterGuest> | undefined;
  private state: ClusterState | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly client: PveApiClient) {}

  /** Reads /cluster/status and /cluster/resources now (the listing's view). */
  async refresh(signal?: AbortSignal): Promise<{ state: ClusterState; guests: ClusterGuest[] }> {
    const [state, guests] = await Promise.all([readClusterState(this.client, signal), readClusterGuests(this.client, signal)]);
    this.state = state;
    this.guests = new Map(guests.map((g) => [g.vmid, g]));
    return { state, guests };
  }

  private async loaded(signal?: AbortSignal): Promise<void> {
    if (this.guests && this.state) return;
    this.loading ??= this.refresh(signal).then(
      () => undefined,
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    await this.loading;
  }

  /** The node of a container, reading the cluster when it is not known; undefined when the cluster has no such CT. */
  async nodeOf(vmid: number, signal?: AbortSignal): Promise<string | undefined> {
    await this.loaded(signal);
    return this.guests?.get(vmid)?.node;
  }

  /** The last known node, without asking (plans show the ssh argv with it). */
  knownNodeOf(vmid: number): string | undefined {
    return this.guests?.get(vmid)?.node;
  }

  async nodeInfo(name: string, signal?: AbortSignal): Promise<ClusterNode | undefined> {
    await this.loaded(signal);
    return this.state?.nodes.find((n) => n.name === name);
  }

  knownNodeInfo(name: string): ClusterNode | undefined {
    return this.state?.nodes.find((n) => n.name === name);
  }
}
