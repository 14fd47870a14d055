import type { TSchema } from '@sinclair/typebox';
import { Value, type ValueError, ValueErrorType } from '@sinclair/typebox/value';
import type { ConfigProblem } from './config-error.js';
import { describeSchema, describeValue, patternHint } from './describe-schema.js';
import { formatPath, type KeyPath, pointerToPath } from './key-path.js';

/** Where problems of one file point: the file and a way to find a key path's line. */
export interface ProblemSite {
  file: string;
  locate(path: KeyPath, opts?: { key?: boolean }): { line: number; column: number } | undefined;
}

const TYPE_ERRORS = new Set<ValueErrorType>([
  ValueErrorType.Array,
  ValueErrorType.Boolean,
  ValueErrorType.Integer,
  ValueErrorType.Literal,
  ValueErrorType.Null,
  ValueErrorType.Number,
  ValueErrorType.Object,
  ValueErrorType.String,
  ValueErrorType.Union,
]);

/** Lower is more useful: a wrong type explains more than a failed range check on the same value. */
function rank(e: ValueError): number {
  if (e.type === ValueErrorType.ObjectAdditionalProperties || e.type === ValueErrorType.ObjectRequiredProperty) return 0;
  if (TYPE_ERRORS.has(e.type)) return 1;
  if (e.type === ValueErrorType.StringPattern) return 2;
  return 3;
}

/**
 * Validates `value` (found at `prefix` inside `src`) and maps every typebox error to the YAML
 * node it is about. Unions yield one summarised error, never their per-branch noise.
 */
export function schemaProblems(schema: TSchema, value: unknown, site: ProblemSite, prefix: KeyPath = []): ConfigProblem[] {
  const best = new Map<string, ValueError>();
  for (const e of Value.Errors(schema, value)) {
    const prev = best.get(e.path);
    if (!prev || rank(e) < rank(prev)) best.set(e.path, e);
  }
  return [...best.values()].map((e) => toProblem(e, value, site, prefix));
}

function toProblem(e: ValueError, root: unknown, site: ProblemSite, prefix: KeyPath): ConfigProblem {
  const path = [...prefix, ...pointerToPath(e.path, root)];
  const isKey = e.type === ValueErrorType.ObjectAdditionalProperties;
  const pos = site.locate(path, { key: isKey });
  const { message, expected } = explain(e, path);
  return { file: site.file, ...(pos && { line: pos.line, column: pos.column }), path: formatPath(path), message, expected };
}

function explain(e: ValueError, path: KeyPath): { message: string; expected: string } {
  const key = String(path[path.length - 1] ?? '');
  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const known = Object.keys((e.schema['properties'] as Record<string, unknown>) ?? {});
      const guess = closest(key, known);
      // A Record (e.g. concurrency.per_runner): its keys follow a pattern, named by keyName.
      const keyPattern = Object.keys((e.schema['patternProperties'] as Record<string, unknown>) ?? {})[0];
      if (keyPattern !== undefined) {
        const what = patternHint(keyPattern) ?? `a key matching /${keyPattern}/`;
        return { message: `'${key}' is not a valid ${String(e.schema['keyName'] ?? 'key').replaceAll('-', ' ')}`, expected: what };
      }
      return {
        message: `unknown key '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}`,
        expected: known.length ? `one of: ${known.join(', ')}` : 'no keys here',
      };
    }
    case ValueErrorType.ObjectRequiredProperty:
      return { message: `missing required key '${key}'`, expected: describeSchema(e.schema) };
    case ValueErrorType.StringPattern:
      return { message: patternMessage(e), expected: describeSchema(e.schema) };
    case ValueErrorType.StringMaxLength:
      return { message: `the value is too long (${String(e.value).length} characters)`, expected: describeSchema(e.schema) };
    case ValueErrorType.StringMinLength:
      return { message: 'the value is too short', expected: describeSchema(e.schema) };
    case ValueErrorType.ObjectMinProperties:
    case ValueErrorType.ObjectMaxProperties: {
      // e.g. restart.processes[].match: exactly one of several keys; the description says which.
      const n = typeof e.value === 'object' && e.value !== null ? Object.keys(e.value).length : 0;
      return { message: `${n} key${n === 1 ? '' : 's'} given`, expected: String(e.schema['description'] ?? describeSchema(e.schema)) };
    }
    default:
      break;
  }
  if (TYPE_ERRORS.has(e.type)) {
    // A key that holds a secret (e.g. host.token) never has its wrong value quoted: it may be the secret itself.
    const got =
      e.schema['x-secret'] === true
        ? `${Array.isArray(e.value) ? 'a list' : `a ${typeof e.value}`} (not shown: this key refers to a secret)`
        : describeValue(e.value);
    if (path.length === 0 && e.type === ValueErrorType.Object) {
      return { message: `the file must hold a mapping of keys, not ${got}`, expected: 'a mapping' };
    }
    if (e.type === ValueErrorType.Object && path[path.length - 2] === 'runners') {
      // `npm:` or `npm: true` is the natural first guess for "turn npm on".
      return { message: `wrong value: ${got}`, expected: `a mapping of ${key} options; write '${key}: {}' to enable it with defaults` };
    }
    return { message: `wrong value: ${got}${booleanHint(e)}`, expected: describeSchema(e.schema) };
  }
  if (typeof e.value === 'number') return { message: `${e.value} is out of range`, expected: describeSchema(e.schema) };
  return { message: e.message, expected: describeSchema(e.schema) };
}

/** YAML 1.1 habits: `enabled: yes` is a string in YAML 1.2, so say so instead of a bare type error. */
function booleanHint(e: ValueError): string {
  if (e.type !== ValueErrorType.Boolean || typeof e.value !== 'string') return '';
  return /^(y|yes|n|no|on|off|true|false)$/i.test(e.value) ? '; YAML 1.2 reads it as text, write true or false' : '';
}

const CHAR_NAMES: Record<string, string> = { ' ': 'a space', '\t': 'a tab', '`': 'a backtick', '\n': 'a line break' };

function patternMessage(e: ValueError): string {
  const pattern = e.schema['pattern'] as string;
  const value = String(e.value);
  if (patternHint(pattern)?.startsWith('a package name')) {
    const bad = [...new Set([...value].filter((c) => !/[A-Za-z0-9@._+/*:-]/.test(c)))];
    if (bad.length > 0) {
      const names = bad.map((c) => CHAR_NAMES[c] ?? `'${c}'`).join(', ');
      return `'${value}' contains ${names}: names are passed to package managers as arguments, so shell characters and spaces are refused`;
    }
    return `'${value}' is not a valid package name (it must start with a letter, digit or @)`;
  }
  return `'${value}' is not allowed here`;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDist = 3;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
