/**
 * Parameter verification like pve-common JSONSchema validate: every error goes into one
 * `errors` object (param → message) and the call fails with 400 "Parameter verification failed.".
 */
import { vmidError } from '../cli/getopt.js';

export type ParamType = 'string' | 'boolean' | 'integer' | 'vmid' | 'vmid-list' | 'node' | 'snapname' | 'storage-id' | { enum: string[] };

export interface ParamSpec {
  type: ParamType;
  optional?: boolean;
  maxLength?: number;
}

export type ParamSchema = Record<string, ParamSpec>;

export class ParamError extends Error {
  constructor(readonly errors: Record<string, string>) {
    super('Parameter verification failed.');
  }
}

const BOOL_TRUE = /^(1|on|yes|true)$/i;
const BOOL_FALSE = /^(0|off|no|false)$/i;

function checkOne(spec: ParamSpec, value: string): string | undefined {
  const t = spec.type;
  if (spec.maxLength !== undefined && value.length > spec.maxLength) return `value may only be ${spec.maxLength} characters long`;
  if (typeof t === 'object')
    return t.enum.includes(value) ? undefined : `value '${value}' does not have a value in the enumeration '${t.enum.join(', ')}'`;
  switch (t) {
    case 'boolean':
      return BOOL_TRUE.test(value) || BOOL_FALSE.test(value) ? undefined : `type check ('boolean') failed - got '${value}'`;
    case 'integer':
      return /^[+-]?\d+$/.test(value) ? undefined : `type check ('integer') failed - got '${value}'`;
    case 'vmid':
      return vmidError(value);
    case 'vmid-list':
      for (const v of value.split(/[,;\s]+/).filter(Boolean)) {
        if (vmidError(v)) return `invalid format - value does not look like a valid VM ID`;
      }
      return undefined;
    case 'node':
      return /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(value)
        ? undefined
        : `invalid format - value does not look like a valid node name`;
    case 'storage-id':
      return /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(value) ? undefined : `invalid format - storage ID '${value}' contains illegal characters`;
    case 'snapname':
      if (value.length > 40) return 'value may only be 40 characters long';
      return /^[a-z][a-z0-9_-]+$/i.test(value) ? undefined : `invalid format - invalid configuration ID '${value}'`;
    default:
      return undefined;
  }
}

/** Returns the params normalised (booleans as '1'/'0'); throws ParamError listing every problem. */
export function verifyParams(schema: ParamSchema, params: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const spec = schema[name];
    if (!spec) {
      errors[name] = 'property is not defined in schema and the schema does not allow additional properties';
      continue;
    }
    const err = checkOne(spec, value);
    if (err) errors[name] = err;
    else out[name] = spec.type === 'boolean' ? (BOOL_TRUE.test(value) ? '1' : '0') : value;
  }
  for (const [name, spec] of Object.entries(schema)) {
    if (!spec.optional && params[name] === undefined && !errors[name]) errors[name] = 'property is missing and it is not optional';
  }
  if (Object.keys(errors).length > 0) throw new ParamError(errors);
  return out;
}
