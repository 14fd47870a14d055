import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as sdk from '../src/index.js';

// The SDK's exports are a promise to plugin authors (docs/plugin-authoring.md, "The SDK's public
// surface"): the documented list and the index stay equal, and every export says what it is.
const SRC = join(import.meta.dirname, '../src');
const DOC = join(import.meta.dirname, '../../../docs/plugin-authoring.md');

/** name → the module it comes from, as src/index.ts exports it. */
function indexExports(): Map<string, string> {
  const text = readFileSync(join(SRC, 'index.ts'), 'utf8');
  const out = new Map<string, string>();
  for (const m of text.matchAll(/export\s*\{([^}]*)\}\s*from\s*'\.\/([a-z-]+)\.js'/g)) {
    for (const item of m[1]!.split(',')) {
      const name = item.replace(/^\s*type\s+/, '').trim();
      if (name) out.set(name, m[2]!);
    }
  }
  return out;
}

/** The identifiers the doc's surface section names in backticks. */
function documentedNames(): Set<string> {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf("## The SDK's public surface");
  const end = doc.indexOf('### Versioning', start);
  expect(start, 'the section exists').toBeGreaterThan(-1);
  const table = doc
    .slice(start, end)
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| group'));
  return new Set(table.flatMap((row) => [...row.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1]!)));
}

describe('@unrot/sdk public surface', () => {
  it('exports exactly what docs/plugin-authoring.md lists', () => {
    expect([...documentedNames()].sort()).toEqual([...indexExports().keys()].sort());
  });

  it('has every runtime export in the index list (no export * leaks a name)', () => {
    const names = indexExports();
    for (const key of Object.keys(sdk)) expect(names.has(key), key).toBe(true);
  });

  it('stays small: a few dozen names, none of the engine policy schemas', () => {
    const names = [...indexExports().keys()];
    expect(names.length).toBeLessThanOrEqual(70);
    expect(names.filter((n) => /Policy|OS_RUNNERS|Hook|Health|Maintenance|hasShellMetacharacters/.test(n))).toEqual([]);
  });

  it('documents each export where it is declared', () => {
    const undocumented: string[] = [];
    for (const [name, module] of indexExports()) {
      const lines = readFileSync(join(SRC, `${module}.ts`), 'utf8').split('\n');
      const at = lines.findIndex((l) => new RegExp(`^export (?:async )?(?:const|function|type|interface|class) ${name}\\b`).test(l));
      expect(at, `${name} is declared in src/${module}.ts`).toBeGreaterThan(-1);
      if (!lines[at - 1]?.trimEnd().endsWith('*/')) undocumented.push(`${module}.ts: ${name}`);
    }
    expect(undocumented).toEqual([]);
  });
});
