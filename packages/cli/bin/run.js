#!/usr/bin/env node
// oclif's stock entry, except that `--version` and `<command> --help` load no plugin (src/lib/start.ts).
import { start } from '../dist/lib/start.js';

await start(import.meta.url);
