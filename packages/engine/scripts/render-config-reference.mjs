#!/usr/bin/env node
// Regenerates docs/config-reference.md from the policy schemas. Needs the engine built (npx tsc -p packages/engine);
// without a build use: UNROT_WRITE_REFERENCE=1 npx vitest run packages/engine/test/config/reference.test.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from '../dist/config/render-reference.js';

const target = fileURLToPath(new URL('../../../docs/config-reference.md', import.meta.url));
writeFileSync(target, renderConfigReference());
console.log(`wrote ${target}`);
