import { defineConfig } from 'vitest/config';

// This package's own config (so vitest does not walk up into a monorepo that holds it as an example).
export default defineConfig({ test: { include: ['test/**/*.test.ts'] } });
