#!/usr/bin/env node
// Regenerates docs/runner-options.md from every runner's optionsSchema. Needs the engine and plugins built.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderRunnerOptions } from '../packages/engine/dist/config/render-reference.js';
import { loadRunnerCatalog } from './runner-catalog.mjs';

const target = join(import.meta.dirname, '..', 'docs', 'runner-options.md');
writeFileSync(target, renderRunnerOptions(await loadRunnerCatalog()));
console.log(`wrote ${target}`);
