#!/usr/bin/env node
// Regenerates docs/run-report.schema.json from RunReportSchema (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { RunReportSchema } from '../dist/index.js';

const doc = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://unrot.dev/schemas/run-report-v1.json',
  title: 'unrot run report v1',
  ...RunReportSchema,
};
writeFileSync(new URL('../../../docs/run-report.schema.json', import.meta.url), `${JSON.stringify(doc, null, 2)}\n`);
