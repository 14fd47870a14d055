import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One hash over every file's path and bytes under DIR (symlinks by target path): proves "changed nothing". */
export function treeHash(dir) {
  const hash = createHash('sha256');
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(at, entry.name);
      hash.update(`${relative(dir, path)}\0`);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hash.update(readFileSync(path)).update(String(statSync(path).mode));
    }
  };
  walk(dir);
  return hash.digest('hex');
}
