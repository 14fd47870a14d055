import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderLifecycleTable } from '../../src/lifecycle/render-lifecycle-table.js';

describe('docs/design.md', () => {
  it('shows the lifecycle table exactly as the code defines it', async () => {
    const doc = await readFile(new URL('../../../../docs/design.md', import.meta.url), 'utf8');
    const between = doc.split('<!-- lifecycle-table:start -->\n')[1]?.split('\n<!-- lifecycle-table:end -->')[0];
    expect(between, 'regenerate with: node -e "import(\'@unrot/engine\').then(m=>console.log(m.renderLifecycleTable()))"').toBe(
      renderLifecycleTable(),
    );
  });
});
