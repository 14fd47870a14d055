import { type Static, Type } from '@sinclair/typebox';

/** Options of the dnf runner (`runners: { dnf: { … } }` in a container policy); docs/runners/dnf.md. */
export const DnfOptionsSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('upgrade'), Type.Literal('upgrade-minimal')], {
      default: 'upgrade',
      description:
        'upgrade: every installed package to its newest version; upgrade-minimal: only packages named in an advisory, to the lowest version that fixes it (like dnf upgrade-minimal)',
    }),
    security: Type.Boolean({
      default: false,
      description: 'only updates of security advisories (--security); needs repositories with updateinfo',
    }),
    lock_timeout_s: Type.Integer({
      minimum: 0,
      maximum: 3600,
      default: 120,
      description: 'seconds to wait, retrying every 2 s, while another dnf/rpm holds its lock before failing',
    }),
    gpgcheck: Type.Boolean({
      default: true,
      description:
        'false adds --nogpgcheck (no signature check); only for an unsigned local repository whose .repo file cannot say gpgcheck=0',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type DnfOptions = Static<typeof DnfOptionsSchema>;
