import { Value } from '@sinclair/typebox/value';
import type { Notifier } from '@unrot/sdk';
import { ConfigError, type ConfigProblem } from '../config/config-error.js';
import { formatPath, type KeyPath } from '../config/key-path.js';
import type { SecretStore } from '../secrets/load-secrets.js';
import { collectSecretRefs, findInlineSecrets } from '../secrets/resolve-secrets.js';
import type { NotificationSinkRuntime } from './dispatch.js';
import { DEFAULT_MIN_SEVERITY, DEFAULT_NOTIFY_TIMEOUT_S, type NotificationSink, sinkName } from './policy-schema.js';

/**
 * Turns `notifications:` from global.yml into sinks ready to send: the notifier must be
 * installed, secrets must be references (not inline) to known names, and the resolved
 * options must pass the notifier's own schema. Every problem is collected (E_CONFIG);
 * messages name file and key path, never a secret value.
 */
export function prepareSinks(
  sinks: readonly NotificationSink[],
  notifiers: ReadonlyMap<string, Notifier>,
  secrets: SecretStore,
  file: string,
  locate?: (path: KeyPath, opts?: { key?: boolean }) => { line: number; column: number } | undefined,
): NotificationSinkRuntime[] {
  const raw: ConfigProblem[] = [];
  // Problems name the key path; with `locate` (the loaded config's) they also get line and column.
  const problems = {
    push(...found: ConfigProblem[]): void {
      for (const p of found) {
        const pos = p.file === file && p.line === undefined ? locate?.(parsePath(p.path)) : undefined;
        raw.push(pos ? { ...p, line: pos.line, column: pos.column } : p);
      }
    },
  };
  const out: NotificationSinkRuntime[] = [];
  const names = new Map<string, number>();
  sinks.forEach((sink, index) => {
    const at = ['notifications', index];
    const name = sinkName(sink, index);
    const clash = names.get(name);
    if (clash !== undefined) {
      problems.push({ file, path: formatPath([...at, 'name']), message: `sink name '${name}' is already used by notifications[${clash}]` });
    }
    names.set(name, index);
    const notifier = notifiers.get(sink.notifier);
    if (!notifier) {
      const known = [...notifiers.keys()].sort();
      problems.push({
        file,
        path: formatPath([...at, 'notifier']),
        message: `notifier '${sink.notifier}' is not installed`,
        expected: known.length > 0 ? `one of ${known.join(', ')}` : 'an installed notifier plugin',
      });
      return;
    }
    const raw = sink.options ?? {};
    const optionsAt = { file, path: [...at, 'options'] };
    problems.push(...findInlineSecrets(notifier.optionsSchema, raw, optionsAt));
    const resolved = collectSecretRefs(raw, secrets, optionsAt);
    problems.push(...resolved.problems);
    if (resolved.problems.length === 0) {
      // Defaults are applied to a copy; errors are reported by path only, never with the value.
      const options = Value.Default(notifier.optionsSchema, structuredClone(resolved.value));
      const schemaErrors = [...Value.Errors(notifier.optionsSchema, options)];
      for (const e of schemaErrors) {
        problems.push({ file, path: formatPath([...at, 'options', ...e.path.split('/').filter(Boolean)]), message: e.message });
      }
      // Only meaningful on options that fit the schema.
      if (schemaErrors.length === 0) {
        for (const message of notifier.checkOptions?.(options) ?? [])
          problems.push({ file, path: formatPath([...at, 'options']), message });
      }
      const timeoutMs =
        sink.timeout_s !== undefined ? sink.timeout_s * 1000 : (notifier.maxDurationMs?.(options) ?? DEFAULT_NOTIFY_TIMEOUT_S * 1000);
      out.push({
        name,
        notifier,
        options,
        minSeverity: sink.min_severity ?? DEFAULT_MIN_SEVERITY,
        ...(sink.throttle ? { throttle: sink.throttle } : {}),
        timeoutMs,
      });
    }
  });
  if (raw.length > 0) throw new ConfigError(raw);
  return out;
}

/** `notifications[0].options.url` back to its segments (keys here never contain dots or brackets). */
function parsePath(path: string): KeyPath {
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}
