import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RunReportSchema } from '../src/report/run-report.js';

describe('docs/run-report.schema.json', () => {
  it('is the published form of RunReportSchema', async () => {
    const doc = JSON.parse(await readFile(new URL('../../../docs/run-report.schema.json', import.meta.url), 'utf8'));
    const { $schema: _s, $id: _i, title: _t, ...published } = doc;
    expect(published, 'regenerate: see docs/report-format.md').toEqual(JSON.parse(JSON.stringify(RunReportSchema)));
  });
});
