// Attack: a policy field that carries an argv but is not checked against command_allowlist (as
// the cmd probe's `options.argv` was before this change: the probe plugin declared no commands,
// so `argv: [rm, -rf, /]` ran as root before the backup). These tests walk the schemas, so a new
// argv field anywhere in the policy or in a bundled plugin's options fails here until covered.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, type TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { discoverProbes } from '../../packages/engine/src/health/discover-probes.js';
import { discoverRunners } from '../../packages/engine/src/plugins/discover-plugins.js';
import { ContainerPolicySchema, GlobalPolicySchema } from '../../packages/engine/src/policy/index.js';

const PLUGINS = join(import.meta.dirname, '../../plugins');
/** Names under which a list of strings is a command line. */
const COMMAND_KEY = /^(argv|start|stop|command|cmd|exec|run)$/;

/** Every path (`a.b[].c`) in a schema whose value is a list of strings under a command-like key. */
function argvPaths(schema: TSchema, path = ''): string[] {
  const found: string[] = [];
  const key =
    path
      .split(/[.[\]]+/)
      .filter(Boolean)
      .pop() ?? '';
  if (schema[Kind] === 'Array' && (schema['items'] as TSchema)?.[Kind] === 'String' && COMMAND_KEY.test(key)) found.push(path);
  for (const [name, sub] of Object.entries((schema['properties'] ?? {}) as Record<string, TSchema>))
    found.push(...argvPaths(sub, path ? `${path}.${name}` : name));
  for (const sub of Object.values((schema['patternProperties'] ?? {}) as Record<string, TSchema>))
    found.push(...argvPaths(sub, `${path}.*`));
  if (schema['items']) found.push(...argvPaths(schema['items'] as TSchema, `${path}[]`));
  for (const sub of [...((schema['anyOf'] ?? []) as TSchema[]), ...((schema['allOf'] ?? []) as TSchema[])])
    found.push(...argvPaths(sub, path));
  return [...new Set(found)];
}

describe('command_allowlist covers every argv a policy can introduce', () => {
  it('the policy schemas hold argv only where validateCommandAllowlist looks (hooks, restart start commands)', () => {
    expect(argvPaths(GlobalPolicySchema).sort()).toEqual([
      'defaults.on_failure[].argv',
      'defaults.on_rollback[].argv',
      'defaults.post_update[].argv',
      'defaults.pre_update[].argv',
      'defaults.restart.processes[].start',
    ]);
    expect(argvPaths(ContainerPolicySchema).sort()).toEqual([
      'on_failure[].argv',
      'on_rollback[].argv',
      'post_update[].argv',
      'pre_update[].argv',
      'restart.processes[].start',
    ]);
  });

  it('every bundled runner and probe whose options carry an argv declares its commands', async () => {
    const roots = readdirSync(PLUGINS)
      .filter((d) => d.startsWith('runner-') || d.startsWith('probe-'))
      .map((d) => join(PLUGINS, d));
    const entries = [...(await discoverRunners(roots)).values(), ...(await discoverProbes(roots)).values()];
    const withArgv = entries.filter((e) => argvPaths(e.optionsSchema).length > 0);
    expect(withArgv.map((e) => e.id).sort()).toEqual(expect.arrayContaining(['cmd', 'custom']));
    for (const e of withArgv) expect({ id: e.id, declares: typeof e.declaredCommands }).toEqual({ id: e.id, declares: 'function' });
  });
});
