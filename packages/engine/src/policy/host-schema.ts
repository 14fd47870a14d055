import { type Static, Type } from '@sinclair/typebox';
import { SECRET_NAME_PATTERN } from '../secrets/secret-ref.js';

/** global.yml `host:`: how unrot talks to Proxmox, the CLI tools or the REST API with a token. */

export const HOST_API_MODES = ['auto', 'cli', 'api'] as const;
export const DEFAULT_API_URL = 'https://127.0.0.1:8006';

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
  },
  { additionalProperties: false, description: 'how unrot talks to Proxmox: the CLI tools or the REST API (see docs/host-adapter.md)' },
);
export type HostAccess = Static<typeof HostAccessSchema>;
