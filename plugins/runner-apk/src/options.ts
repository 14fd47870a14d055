import { type Static, Type } from '@sinclair/typebox';

/** Options of the apk runner (`runners: { apk: { … } }` in a container policy). */
export const ApkOptionsSchema = Type.Object(
  {
    /**
     * Seconds apk waits for another apk holding /lib/apk/db/lock (apk's own `--wait`) before it
     * fails; 0 fails at once.
     */
    lock_timeout_s: Type.Integer({
      minimum: 0,
      maximum: 3600,
      default: 120,
      description: 'seconds apk waits (its own --wait) while another apk holds /lib/apk/db/lock before it fails; 0 fails at once',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type ApkOptions = Static<typeof ApkOptionsSchema>;
