// What `npm publish` would ship, for every public @unrot/* package (a loop over the workspaces,
// no list to keep in sync): `npm pack --dry-run --json` in the package's directory, after the
// build. A user installing one gets its built code, README, CHANGELOG and licence, never our
// tests, fixtures or sources; it declares the Node it needs, and its ranges on the other @unrot
// packages are carets that the versions in this repository satisfy.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..');

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
const root = read(repo);
const dirs = ['packages', 'plugins']
  .flatMap((group) => readdirSync(join(repo, group)).map((name) => join(repo, group, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')));
const versions = new Map(dirs.map((dir) => [read(dir).name, read(dir).version]));
const published = dirs.filter((dir) => !read(dir).private);

/** `^a.b.c` accepts `v` (npm semantics, releases only): same left-most non-zero part, not lower. */
function caretAccepts(range: string, v: string): boolean {
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const n = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m || !n) return false;
  const [a, b, c] = m.slice(1).map(Number) as [number, number, number];
  const [x, y, z] = n.slice(1).map(Number) as [number, number, number];
  const notLower = x > a || (x === a && (y > b || (y === b && z >= c)));
  if (a > 0) return x === a && notLower;
  if (b > 0) return x === 0 && y === b && notLower;
  return x === 0 && y === 0 && z === c;
}

it('finds the public packages', () => {
  expect(published.length).toBeGreaterThan(3);
});

describe.each(published.map((dir) => [read(dir).name, dir] as const))('%s', (_name, dir) => {
  const manifest = read(dir);

  it('ships its build, README, CHANGELOG and licence, and no tests, fixtures or sources', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
    expect(files).toContain('package.json');
    expect(files).toContain('LICENSE');
    expect(files).toContain('CHANGELOG.md');
    expect(files.some((f) => /^readme\.md$/i.test(f))).toBe(true);
    expect(files.some((f) => /^dist\/.+\.js$/.test(f))).toBe(true);
    const unwanted = files.filter(
      (f) => /(^|\/)(test|tests|__tests__|fixtures|scripts|src)\//.test(f) || /\.(test|spec)\.[cm]?[jt]s$|\.tsbuildinfo$|\.map$/.test(f),
    );
    expect(unwanted).toEqual([]);
  });

  it('declares the Node it needs and the MIT licence', () => {
    expect(manifest.engines?.node).toBe(root.engines?.node);
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(repo, 'LICENSE'), 'utf8'));
  });

  it('depends on the other @unrot packages by caret ranges that this repository satisfies', () => {
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies'] as const) {
      for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
        if (!dep.startsWith('@unrot/')) continue;
        const have = versions.get(dep);
        expect(have, `${field}.${dep}`).toBeDefined();
        expect(caretAccepts(range, have as string), `${field}.${dep}: ${range} for ${have}`).toBe(true);
      }
    }
  });
});
