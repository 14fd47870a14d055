import type { TSchema } from '@sinclair/typebox';
import { ConfigError, type ConfigProblem } from '../config/config-error.js';
import { formatPath, type KeyPath } from '../config/key-path.js';
import type { SecretStore } from './load-secrets.js';
import { isSecretRef, SECRET_ANNOTATION } from './secret-ref.js';

export interface SecretLocation {
  /** The config file the value came from (global.yml). */
  file: string;
  /** Where the value sits in that file, e.g. ['notifications', 0, 'options']. */
  path: KeyPath;
}

/**
 * Returns a copy of `value` with every `{ secret: NAME }` replaced by the secret's value.
 * Unknown names become problems naming the file and key path (never a value).
 */
export function collectSecretRefs(value: unknown, store: SecretStore, at: SecretLocation): { value: unknown; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const walk = (v: unknown, path: Array<string | number>): unknown => {
    if (isSecretRef(v)) {
      const entry = store.get(v.secret);
      if (entry) return entry.value;
      const known = store.names();
      problems.push({
        file: at.file,
        path: formatPath(path),
        message: `unknown secret '${v.secret}'`,
        expected:
          known.length > 0 ? `one of ${known.join(', ')} (from secrets_files)` : 'a name defined in secrets_files (none are configured)',
      });
      return v;
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...path, k])]));
    }
    return v;
  };
  return { value: walk(value, [...at.path]), problems };
}

/** Throwing form of collectSecretRefs: E_CONFIG listing every unknown reference. */
export function resolveSecretRefs<T = unknown>(value: unknown, store: SecretStore, at: SecretLocation): T {
  const { value: resolved, problems } = collectSecretRefs(value, store, at);
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved as T;
}

/**
 * Finds options a plugin marked as secret (`{ 'x-secret': true }` on its schema) that were
 * written inline in the config instead of as `{ secret: NAME }`. Run on the raw options,
 * before resolving.
 */
export function findInlineSecrets(schema: TSchema, value: unknown, at: SecretLocation): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const walk = (s: TSchema, v: unknown, path: Array<string | number>): void => {
    if (v === undefined || isSecretRef(v)) return;
    if ((s as Record<string, unknown>)[SECRET_ANNOTATION] === true) {
      problems.push({
        file: at.file,
        path: formatPath(path),
        message: 'holds a secret written inline; put it in a secrets file and write { secret: NAME } here',
      });
      return;
    }
    const props = (s as { properties?: Record<string, TSchema> }).properties;
    if (props && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const [k, sub] of Object.entries(props)) walk(sub, (v as Record<string, unknown>)[k], [...path, k]);
    }
    const items = (s as { items?: TSchema }).items;
    if (items && !Array.isArray(items) && Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(items, item, [...path, i]);
      });
    }
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      const options = (s as Record<string, unknown>)[key];
      // A value matching several alternatives is reported once.
      if (Array.isArray(options)) {
        const before = problems.length;
        for (const sub of options as TSchema[]) {
          if (problems.length > before) break;
          walk(sub, v, path);
        }
      }
    }
  };
  walk(schema, value, [...at.path]);
  return problems;
}
