// Runs scripts/record-fixtures.ts, the recorder's scenarios for runner-pip, under vitest (which
// loads its TypeScript helpers). Not part of any test project: recording needs python3-venv and
// changes real venvs under /tmp/unrot-runner-pip-capture.
//   npx vitest run --config plugins/runner-pip/scripts/record.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Keep vite's cache out of the plugin's directory.
  cacheDir: '/tmp/unrot-runner-pip-record-cache',
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['record-fixtures.ts'],
    testTimeout: 900_000,
  },
});
