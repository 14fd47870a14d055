import { type Static, Type } from '@sinclair/typebox';

/** Options of the apt runner (`runners: { apt: { … } }` in a container policy). */
export const AptOptionsSchema = Type.Object(
  {
    /** `upgrade` never installs or removes packages; `full-upgrade` may (like `apt-get dist-upgrade`). */
    mode: Type.Union([Type.Literal('upgrade'), Type.Literal('full-upgrade')], {
      default: 'upgrade',
      description: 'upgrade never installs or removes packages; full-upgrade may (like apt-get dist-upgrade)',
    }),
    /** Seconds apt waits for another apt/dpkg holding the lock before it fails. */
    lock_timeout_s: Type.Integer({
      minimum: 0,
      maximum: 3600,
      default: 120,
      description: 'seconds apt waits while another apt/dpkg holds its lock before it fails',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type AptOptions = Static<typeof AptOptionsSchema>;
