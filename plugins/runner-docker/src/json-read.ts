import { UnrotError } from '@unrot/sdk';

// Readers for untrusted JSON (docker inspect, manifest inspect): a wrong type is a parse error
// naming the field, never a silent default.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseError(source: string, what: string): UnrotError {
  return new UnrotError('E_RUNNER_PARSE', `${source}: ${what}`, { source });
}

export function parseJsonText(text: string, source: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw parseError(source, `not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
}

export function obj(v: unknown, field: string, source: string): JsonObject {
  if (!isObject(v)) throw parseError(source, `${field} is not an object`);
  return v;
}

export function optObj(v: unknown, field: string, source: string): JsonObject | undefined {
  return v === undefined || v === null ? undefined : obj(v, field, source);
}

export function str(v: unknown, field: string, source: string): string {
  if (typeof v !== 'string') throw parseError(source, `${field} is not a string`);
  return v;
}

export function optStr(v: unknown, field: string, source: string): string {
  return v === undefined || v === null ? '' : str(v, field, source);
}

export function num(v: unknown, field: string, source: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw parseError(source, `${field} is not a number`);
  return v;
}

export function optNum(v: unknown, field: string, source: string): number {
  return v === undefined || v === null ? 0 : num(v, field, source);
}

export function strList(v: unknown, field: string, source: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw parseError(source, `${field} is not a list of strings`);
  return v as string[];
}

export function list(v: unknown, field: string, source: string): Json[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw parseError(source, `${field} is not a list`);
  return v;
}

export function strMap(v: unknown, field: string, source: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  const o = obj(v, field, source);
  for (const [k, x] of Object.entries(o)) if (typeof x !== 'string') throw parseError(source, `${field}.${k} is not a string`);
  return o as Record<string, string>;
}

/** Deep equality of JSON values; null, [] and {} count as "not set" the way docker prints them. */
export function sameJson(a: unknown, b: unknown): boolean {
  const empty = (x: unknown) =>
    x === undefined || x === null || (Array.isArray(x) && x.length === 0) || (isObject(x) && Object.keys(x).length === 0);
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameJson(a[k], b[k]));
  }
  return a === b;
}

/** A value docker leaves at its zero: false, 0, "", null, [] or {}. */
export function isZero(v: unknown): boolean {
  return v === undefined || v === null || v === false || v === 0 || v === '' || sameJson(v, null);
}
