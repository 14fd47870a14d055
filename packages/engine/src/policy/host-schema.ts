import { type Static, Type } from '@sinclair/typebox';
import { SECRET_NAME_PATTERN } from '../secrets/secret-ref.js';
import { DURATION_PATTERN } from './maintenance-schema.js';

/** global.yml `host:`: how unrot talks to Proxmox, the CLI tools or the REST API with a token. */

export const HOST_API_MODES = ['auto', 'cli', 'api'] as const;
export const DEFAULT_API_URL = 'https://127.0.0.1:8006';

const NODE_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9.-]*$';

/** global.yml `host.cluster.ssh`: how `pct exec` reaches the containers of the other nodes (docs/cluster.md). */
export const ClusterSshSchema = Type.Object(
  {
    user: Type.Optional(
      Type.String({
        pattern: '^[a-z_][a-z0-9_-]*$',
        maxLength: 32,
        description: 'the user ssh logs in as on the other nodes (default root)',
      }),
    ),
    identity_file: Type.Optional(
      Type.String({ pattern: '^/', maxLength: 4096, description: "private key file for ssh -i (default: ssh's own, /root/.ssh/id_rsa …)" }),
    ),
    known_hosts: Type.Optional(
      Type.String({
        pattern: '^/',
        maxLength: 4096,
        description: "the nodes' host keys, listed under the node names (default /etc/pve/priv/known_hosts, the cluster's own file)",
      }),
    ),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "the nodes' sshd port (default 22)" })),
    connect_timeout_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 300,
        description: 'seconds ssh waits for a node to answer before the node counts as unreachable (default 10)',
      }),
    ),
  },
  { additionalProperties: false, description: 'ssh to the other nodes (BatchMode: keys only, nothing is ever asked)' },
);

/** global.yml `host.cluster`: one run over every node of a Proxmox cluster (needs `api: api`). */
export const ClusterSchema = Type.Object(
  {
    ssh: Type.Optional(ClusterSshSchema),
    addresses: Type.Optional(
      Type.Record(
        Type.String({ pattern: NODE_NAME_PATTERN }),
        Type.String({ pattern: '^[A-Za-z0-9.:-]+$', maxLength: 253, description: 'address or host name ssh connects to for this node' }),
        {
          additionalProperties: false,
          maxProperties: 256,
          keyName: 'node',
          description: "per node name: the address ssh connects to (default: the node's ip in /cluster/status)",
        },
      ),
    ),
    lock_dir: Type.Optional(
      Type.String({
        pattern: '^/',
        maxLength: 4096,
        description: "directory of the cluster-wide run lock unrot-run (default /etc/pve/priv/lock, on pmxcfs as Proxmox's own locks)",
      }),
    ),
    lock_wait: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        minLength: 2,
        maxLength: 32,
        description: "how long a run waits for another node's run to end before it gives up (like 30m, 1h) (default 30m)",
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'update the containers of every node of the Proxmox cluster in one run (needs api: api; see docs/cluster.md); absent: only this node',
  },
);
export type ClusterAccess = Static<typeof ClusterSchema>;

export const HostAccessSchema = Type.Object(
  {
    api: Type.Optional(
      Type.Union(
        HOST_API_MODES.map((m) => Type.Literal(m)),
        {
          description:
            'api: the Proxmox VE REST API with an API token; cli: the pct/pvesh/pvesm tools (needs root); auto: the API when a token is configured, else the CLI (default auto)',
        },
      ),
    ),
    url: Type.Optional(
      Type.String({
        pattern: '^https://[A-Za-z0-9.:\\[\\]-]+(:\\d{1,5})?/?$',
        maxLength: 300,
        description: `pveproxy's address, https://host[:port] (default ${DEFAULT_API_URL})`,
      }),
    ),
    token_id: Type.Optional(
      Type.String({
        pattern: '^[^\\s@:!]+@[A-Za-z][A-Za-z0-9._-]*![A-Za-z][A-Za-z0-9._-]*$',
        maxLength: 200,
        description: 'the API token id, user@realm!tokenid (e.g. unrot@pve!unrot)',
      }),
    ),
    token: Type.Optional(
      Type.Object(
        { secret: Type.String({ pattern: SECRET_NAME_PATTERN, maxLength: 128, description: 'name of a key in one of the secrets_files' }) },
        {
          additionalProperties: false,
          'x-secret': true,
          description: "the token's secret (UUID) as { secret: NAME } from secrets_files, never inline",
        },
      ),
    ),
    verify_tls: Type.Optional(
      Type.Boolean({
        description:
          'verify the API certificate (default true); false accepts any certificate and is only for a throw-away lab: the token is sent to whoever answers',
      }),
    ),
    ca_file: Type.Optional(
      Type.String({
        pattern: '^/',
        maxLength: 4096,
        description:
          "PEM file of the CA that signed the node certificate (default /etc/pve/pve-root-ca.pem when readable, else the system's CAs)",
      }),
    ),
    fingerprint: Type.Optional(
      Type.String({
        pattern: '^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$',
        maxLength: 95,
        description:
          "SHA-256 fingerprint of the node certificate (pin it instead of trusting a CA), as the GUI's certificate view shows it",
      }),
    ),
    exec: Type.Optional(
      Type.Union([Type.Literal('pct'), Type.Literal('lxc-attach')], {
        description:
          'how commands run inside containers with the API (there is no exec in the API): pct exec, or lxc-attach directly (no Perl start per command, no pct checks) (default pct)',
      }),
    ),
    sudo: Type.Optional(
      Type.Boolean({
        description: 'prefix the exec command with sudo -n (unrot as a dedicated user; see the least-privilege runbook) (default false)',
      }),
    ),
    timeout_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 3600,
        description: 'time limit for one API request, not a task (tasks use the step timeouts) (default 60)',
      }),
    ),
    cluster: Type.Optional(ClusterSchema),
  },
  { additionalProperties: false, description: 'how unrot talks to Proxmox: the CLI tools or the REST API (see docs/host-adapter.md)' },
);
export type HostAccess = Static<typeof HostAccessSchema>;
