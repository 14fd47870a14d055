// docs/runner-options.md must be exactly what the runners' own schemas say (a loop over every
// runner under plugins/, built first). UNROT_WRITE_REFERENCE=1 rewrites it instead.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunnerCatalogEntry } from '@unrot/engine';
import { renderRunnerOptions } from '@unrot/engine';
import { expect, it } from 'vitest';
// @ts-expect-error plain .mjs helper shared with scripts/render-runner-options.mjs
import { loadRunnerCatalog } from '../scripts/runner-catalog.mjs';

const doc = join(import.meta.dirname, '..', 'docs', 'runner-options.md');

it('docs/runner-options.md lists the options of every runner, as their schemas define them', async () => {
  const catalog = (await loadRunnerCatalog()) as RunnerCatalogEntry[];
  expect(catalog.map((r) => r.id)).toEqual(expect.arrayContaining(['apt', 'dnf', 'apk', 'pacman', 'npm', 'pip']));
  const rendered = renderRunnerOptions(catalog);
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: a developer's switch to rewrite the doc, never set in CI
  if (process.env['UNROT_WRITE_REFERENCE'] === '1') writeFileSync(doc, rendered);
  expect(readFileSync(doc, 'utf8')).toBe(rendered);
  for (const r of catalog) expect(rendered).toContain(`## Runner \`${r.id}\``);
});
