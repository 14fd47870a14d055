import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, type TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from '../../src/config/index.js';
import { DOC_DEFAULTS } from '../../src/config/render-reference.js';
import { ContainerPolicySchema, GlobalPolicySchema } from '../../src/policy/index.js';
import { REPO_ROOT } from './helpers.js';

const DOC = join(REPO_ROOT, 'docs/config-reference.md');
const REGENERATE = 'UNROT_WRITE_REFERENCE=1 npx vitest run packages/engine/test/config/reference.test.ts';

/** Every `(default X)` a schema description quotes, by dotted key. */
function quotedDefaults(schema: TSchema, prefix = ''): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, sub] of Object.entries((schema['properties'] ?? {}) as Record<string, TSchema>)) {
    const key = prefix ? `${prefix}.${name}` : name;
    const m = /\(default:? ([^)]*)\)/.exec(String(sub['description'] ?? ''));
    if (m) out.push([key, m[1]!]);
    if (sub[Kind] === 'Object') out.push(...quotedDefaults(sub, key));
  }
  return out;
}

describe('docs/config-reference.md', () => {
  it('is what the schemas render (regenerate when a schema changes)', () => {
    const rendered = renderConfigReference();
    if (process.env['UNROT_WRITE_REFERENCE'] === '1') writeFileSync(DOC, rendered);
    const committed = readFileSync(DOC, 'utf8');
    expect(committed === rendered, `docs/config-reference.md is out of date; regenerate it with:\n  ${REGENERATE}`).toBe(true);
  });

  it('documents every key of both schemas', () => {
    const doc = renderConfigReference();
    for (const key of [
      'max_concurrency',
      'defaults.timeouts.apply',
      'defaults.runners.os',
      'defaults.runners.<runner-id>',
      'targets.deny',
      'exclusions.packages',
    ]) {
      expect(doc).toContain(`| \`${key}\` |`);
    }
    for (const key of ['enabled', 'runners.os', 'runners.<runner-id>', 'timeouts.check', 'retries'])
      expect(doc).toContain(`| \`${key}\` |`);
    expect(doc).toContain('exits with status **2**');
  });

  it('quotes the same defaults the engine applies', () => {
    const globalQuoted = quotedDefaults(GlobalPolicySchema);
    expect(globalQuoted.length).toBeGreaterThanOrEqual(9);
    for (const [key, value] of globalQuoted) expect(DOC_DEFAULTS.global![key], key).toBe(value);
    expect(quotedDefaults(ContainerPolicySchema).find(([k]) => k === 'enabled')).toEqual(['enabled', DOC_DEFAULTS.container!['enabled']]);
  });

  it('appends option tables for installed runners when given', () => {
    const schema = GlobalPolicySchema.properties.targets;
    const doc = renderConfigReference([{ id: 'demo', kind: 'app', optionsSchema: schema }]);
    expect(doc).toContain('## Runner `demo` (app) options');
    expect(doc).toContain('| `runners.demo.tags` |');
  });
});
