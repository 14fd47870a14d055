import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory of the Proxmox CLI fixtures (see its README for where each came from). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pct');

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}
