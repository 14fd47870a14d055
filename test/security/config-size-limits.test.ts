// Attack: unbounded input in the policy. Before this change `targets.names` took a 10 MB string
// (and any list any length), every string and list of the policy schemas was unbounded in size,
// and a multi-megabyte global.yml was read and parsed in full.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../packages/engine/src/config/config-error.js';
import { MAX_CONFIG_FILE_BYTES } from '../../packages/engine/src/config/file-trust.js';
import { loadConfig } from '../../packages/engine/src/config/load-config.js';
import { ContainerPolicySchema, GlobalPolicySchema } from '../../packages/engine/src/policy/index.js';

type Node = TSchema & Record<string, unknown>;

/** Every string, list and map in a schema that has no upper bound, by key path. */
function unbounded(schema: Node, path: string, out: string[] = []): string[] {
  const s = schema as Record<string, unknown>;
  const isMap = s['type'] === 'object' && (s['patternProperties'] !== undefined || typeof s['additionalProperties'] === 'object');
  if (s['type'] === 'string' && s['const'] === undefined && s['enum'] === undefined && s['maxLength'] === undefined)
    out.push(`${path} (string)`);
  if (s['type'] === 'array' && s['maxItems'] === undefined) out.push(`${path} (list)`);
  if (isMap && s['maxProperties'] === undefined) out.push(`${path} (map)`);
  for (const [k, v] of Object.entries((s['properties'] ?? {}) as Record<string, Node>)) unbounded(v, `${path}.${k}`, out);
  for (const v of Object.values((s['patternProperties'] ?? {}) as Record<string, Node>)) unbounded(v, `${path}.*`, out);
  if (typeof s['additionalProperties'] === 'object') unbounded(s['additionalProperties'] as Node, `${path}.*`, out);
  if (s['items']) unbounded(s['items'] as Node, `${path}[]`, out);
  for (const k of ['anyOf', 'oneOf', 'allOf']) for (const v of (s[k] ?? []) as Node[]) unbounded(v, path, out);
  return out;
}

function configDir(global: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-sec-size-'));
  mkdirSync(join(dir, 'containers'));
  writeFileSync(join(dir, 'global.yml'), global);
  return dir;
}

async function problemsOf(dir: string): Promise<string> {
  const error = await loadConfig(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).message;
}

describe('size limits on policy input', () => {
  it('every string, list and map of the global and container policy schemas has an upper bound', () => {
    expect(unbounded(GlobalPolicySchema as Node, 'global')).toEqual([]);
    expect(unbounded(ContainerPolicySchema as Node, 'containers/CTID')).toEqual([]);
  });

  it('a 10 MB name pattern in targets.names is refused with its key path, and the value is not echoed', async () => {
    const huge = 'a'.repeat(10 * 1024 * 1024);
    // A long value is refused by its schema bound; a file too big to be a policy is refused before it is parsed.
    const message = await problemsOf(configDir(`targets:\n  names: ["${'b'.repeat(300)}"]\n`));
    expect(message).toContain('targets.names[0]');
    expect(message).not.toContain('b'.repeat(300));
    const bigFile = await problemsOf(configDir(`targets:\n  names: ["${huge}"]\n`));
    expect(bigFile).toContain(`at most ${MAX_CONFIG_FILE_BYTES} bytes`);
    expect(bigFile.length).toBeLessThan(2000);
  });

  it('a list past its bound is refused (targets.allow with 10 001 VMIDs)', async () => {
    const ids = Array.from({ length: 10_001 }, (_, i) => 100 + i).join(', ');
    const message = await problemsOf(configDir(`targets:\n  allow: [${ids}]\n`));
    expect(message).toContain('targets.allow');
  });
});
