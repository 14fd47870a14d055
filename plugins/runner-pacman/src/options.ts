import { type Static, Type } from '@sinclair/typebox';

/** Options of the pacman runner (`runners: { pacman: { … } }` in a container policy). */
export const PacmanOptionsSchema = Type.Object(
  {
    /** Seconds to wait while another pacman holds a database lock (db.lck) before failing. */
    lock_timeout_s: Type.Integer({
      minimum: 0,
      maximum: 3600,
      default: 120,
      description: 'seconds to wait, retrying every 2 s, while another pacman holds db.lck; the lock file is never removed (default 120)',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type PacmanOptions = Static<typeof PacmanOptionsSchema>;
