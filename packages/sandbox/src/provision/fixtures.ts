import { fileURLToPath } from 'node:url';

/** packages/sandbox/fixtures, resolved from dist/provision/ (and from src/provision/ under vitest). */
export function fixturesDir(): string {
  return fileURLToPath(new URL('../../fixtures/', import.meta.url));
}
