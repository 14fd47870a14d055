import { Kind, type TSchema } from '@sinclair/typebox';
import {
  EXCLUDED_PATH_PATTERN,
  GlobalPolicySchema,
  PackagePatternSchema,
  RUNNER_ID_PATTERN,
  STORAGE_ID_PATTERN,
  TargetsSchema,
} from '../policy/index.js';

/** Patterns are unreadable in an error message; say in words what they allow. */
const PATTERN_HINTS: Record<string, string> = {
  [PackagePatternSchema.pattern as string]: 'a package name: letters, digits and @ . _ + / * : - only, starting with a letter, digit or @',
  [TargetsSchema.properties.tags.items.pattern as string]: 'a Proxmox tag: letters, digits and _ + . - only',
  [GlobalPolicySchema.properties.node.pattern as string]: 'a host name: letters, digits, . and -',
  [GlobalPolicySchema.properties.state_dir.pattern as string]: 'an absolute path, starting with /',
  [RUNNER_ID_PATTERN]: 'a runner id: lowercase letters, digits and -, starting with a letter',
  [STORAGE_ID_PATTERN]: 'a Proxmox storage id: letters, digits and _ . - only, starting with a letter',
  [EXCLUDED_PATH_PATTERN]:
    'an absolute path (starting with /) without .. segments, control characters (newline, NUL) or glob characters (* ? [ ])',
};

export function patternHint(pattern: string): string | undefined {
  return PATTERN_HINTS[pattern];
}

function range(s: TSchema): string {
  const min = s['minimum'] as number | undefined;
  const max = s['maximum'] as number | undefined;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

function literalText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What a value must look like, in words, for error messages and the reference doc. */
export function describeSchema(s: TSchema): string {
  switch (s[Kind]) {
    case 'Union': {
      const alts = s['anyOf'] as TSchema[];
      if (alts.every((a) => a[Kind] === 'Literal')) return `one of: ${alts.map((a) => literalText(a['const'])).join(', ')}`;
      return [...new Set(alts.map((a) => describeSchema(a)))].join(' or ');
    }
    case 'Literal':
      return literalText(s['const']);
    case 'Integer':
      return `an integer${range(s)}`;
    case 'Number':
      return `a number${range(s)}`;
    case 'Boolean':
      return 'true or false';
    case 'String': {
      const pattern = s['pattern'] as string | undefined;
      // A plugin's own description usually explains its pattern better than the regex does.
      const described = typeof s['description'] === 'string' ? `a string: ${s['description']}` : undefined;
      const base = pattern === undefined ? 'a string' : (patternHint(pattern) ?? described ?? `a string matching /${pattern}/`);
      const limits: string[] = [];
      if (s['minLength'] !== undefined && s['minLength'] > 1) limits.push(`at least ${s['minLength']} characters`);
      if (s['minLength'] === 1) limits.push('not empty');
      if (s['maxLength'] !== undefined) limits.push(`at most ${s['maxLength']} characters`);
      return limits.length ? `${base}, ${limits.join(', ')}` : base;
    }
    case 'Array':
      return `a list, each ${describeSchema(s['items'] as TSchema)}`;
    case 'Object':
    case 'Record':
      return 'a mapping';
    case 'Null':
      return 'nothing (null)';
    default:
      return String(s[Kind] ?? 'a value').toLowerCase();
  }
}

/** The value someone wrote, short enough for one line. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string '${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (typeof value === 'number') return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
  return `${typeof value} ${String(value)}`;
}
