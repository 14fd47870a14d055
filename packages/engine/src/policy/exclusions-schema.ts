import { Type } from '@sinclair/typebox';
import { SystemdUnitSchema } from './health-schema.js';

/**
 * A file inside the container whose content an update must not change. Absolute, no `..`
 * segment, no control characters (NUL, newline), and no glob characters: the path reaches the
 * container as one positional parameter of a constant script, never as shell text, and is
 * compared literally (a `*` would not match anything, so it is refused rather than misread).
 */
export const EXCLUDED_PATH_PATTERN = '^(?!.*(^|/)\\.\\.(/|$))/[^\\x00-\\x1f\\x7f*?\\[\\]]*$';

export const ExcludedPathSchema = Type.String({
  pattern: EXCLUDED_PATH_PATTERN,
  minLength: 2,
  maxLength: 1024,
  description: 'an absolute file path inside the container',
});

export const ExcludedPathsSchema = Type.Array(ExcludedPathSchema, {
  maxItems: 256,
  description:
    'files inside the container an update must never change (absolute, no globs, no `..`): hashed (sha256) right before the runners apply and again right after; a changed, created or deleted file fails the update with E_PATH_CHANGED and the usual rollback',
});

export const ExcludedServicesSchema = Type.Array(SystemdUnitSchema, {
  maxItems: 64,
  description:
    'systemd units unrot never restarts, whatever `restart.units` says; the report and the plan list them as "not restarted: excluded"',
});
