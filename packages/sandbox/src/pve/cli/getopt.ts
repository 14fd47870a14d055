/**
 * Proxmox CLI argument handling (pve-common RESTHandler cli_handler + JSONSchema get_options):
 * positional params in order, `--opt value` / `--opt=value` anywhere before `--`, booleans with
 * an optional value, and 400 errors rendered exactly like PVE::Exception with a usage line.
 */
import { PveError } from '../pve-errors.js';

export type OptType = 'string' | 'boolean' | 'integer';

export interface CommandSpec {
  /** e.g. "pct snapshot" */
  prefix: string;
  args: string[];
  options: Record<string, OptType>;
  /** Leftover positionals go to this list (pct exec's extra-args). */
  extraArgs?: boolean;
}

export interface Parsed {
  args: Record<string, string>;
  opts: Record<string, string>;
  extra: string[];
}

export function usageLine(spec: CommandSpec): string {
  const args = spec.args.map((a) => `<${a}>`).join(' ');
  const extra = spec.extraArgs ? ' [<extra-args>]' : '';
  const opts = Object.keys(spec.options).length > 0 ? ' [OPTIONS]' : '';
  return `${spec.prefix}${args ? ` ${args}` : ''}${extra}${opts}`;
}

/** `400 <msg>` plus per-parameter lines plus usage, as PVE::Exception stringify prints it. */
export function paramError(spec: CommandSpec, msg: string, errors: Record<string, string> = {}, preface = ''): PveError {
  let text = `${preface}400 ${msg}\n`;
  for (const [k, v] of Object.entries(errors)) text += `${k}: ${v}\n`;
  text += usageLine(spec);
  return new PveError(text, 255);
}

const BOOL_TRUE = /^(1|on|yes|true)$/i;
const BOOL_FALSE = /^(0|off|no|false)$/i;

export function parseCommand(spec: CommandSpec, argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const opts: Record<string, string> = {};
  const extra: string[] = [];
  let unknown = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      extra.push(...argv.slice(i + 1));
      break;
    }
    const m = /^--?([a-zA-Z][\w-]*)(?:=(.*))?$/s.exec(a);
    if (!m) {
      positional.push(a);
      continue;
    }
    const name = m[1]!;
    const type = spec.options[name];
    if (!type) {
      unknown += `Unknown option: ${name}\n`;
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      const next = argv[i + 1];
      if (type === 'boolean') {
        if (next !== undefined && (BOOL_TRUE.test(next) || BOOL_FALSE.test(next))) {
          value = next;
          i++;
        } else value = '1';
      } else if (next === undefined) {
        unknown += `Option ${name} requires an argument\n`;
        continue;
      } else {
        value = next;
        i++;
      }
    }
    opts[name] = value;
  }
  if (unknown) throw paramError(spec, 'unable to parse option', {}, unknown);
  const args: Record<string, string> = {};
  for (const name of spec.args) {
    const v = positional.shift();
    if (v === undefined) throw paramError(spec, 'not enough arguments');
    args[name] = v;
  }
  if (spec.extraArgs) extra.unshift(...positional);
  else if (positional.length > 0 || extra.length > 0) throw paramError(spec, 'too many arguments');
  // Type checks (JSONSchema check_type) come after parsing, as Parameter verification failures.
  const errors: Record<string, string> = {};
  for (const [name, value] of Object.entries(opts)) {
    const type = spec.options[name];
    if (type === 'boolean') {
      if (BOOL_TRUE.test(value)) opts[name] = '1';
      else if (BOOL_FALSE.test(value)) opts[name] = '0';
      else errors[name] = `type check ('boolean') failed - got '${value}'`;
    } else if (type === 'integer' && !/^[+-]?\d+$/.test(value)) {
      errors[name] = `type check ('integer') failed - got '${value}'`;
    }
  }
  if ('vmid' in args) {
    const err = vmidError(args['vmid']!);
    if (err) errors['vmid'] = err;
  }
  if (Object.keys(errors).length > 0) throw paramError(spec, 'Parameter verification failed.', errors);
  return { args, opts, extra };
}

/** pve-vmid checks in JSONSchema order: type, format, minimum, maximum. */
export function vmidError(value: string): string | undefined {
  if (!/^[+-]?\d+$/.test(value)) return `type check ('integer') failed - got '${value}'`;
  if (!/^[1-9][0-9]+$/.test(value)) return 'invalid format - value does not look like a valid VM ID';
  const n = Number(value);
  if (n < 100) return 'value must have a minimum value of 100';
  if (n > 999_999_999) return 'value must have a maximum value of 999999999';
  return undefined;
}

export function isTrue(value: string | undefined): boolean {
  return value === '1';
}
