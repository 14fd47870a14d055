import { type Static, Type } from '@sinclair/typebox';

/** Secret names are env-style so the same name works in an env file and in global.yml. */
export const SECRET_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';

/** How global.yml points at a secret: `password: { secret: SMTP_PASSWORD }`, never the value itself. */
export const SecretRefSchema = Type.Object(
  { secret: Type.String({ pattern: SECRET_NAME_PATTERN, description: 'name of a key in one of the secrets_files' }) },
  { additionalProperties: false, description: 'a reference to a secret: { secret: NAME }' },
);
export type SecretRef = Static<typeof SecretRefSchema>;

/**
 * Annotation a plugin puts on an option schema that must hold a secret, e.g.
 * `password: Type.String({ 'x-secret': true })`; the engine then refuses an inline value.
 */
export const SECRET_ANNOTATION = 'x-secret';

export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === 'secret' && typeof (value as { secret: unknown }).secret === 'string';
}
