import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDpkgQuery } from '../src/parse-dpkg-query.js';

describe('parseDpkgQuery on real dpkg-query -W output', () => {
  it('keeps installed packages and drops removed ones (status rc)', () => {
    const out = readFileSync(new URL('./fixtures/dpkg-query-removed.txt', import.meta.url), 'utf8');
    expect(parseDpkgQuery(out)).toEqual([
      { name: 'libapt-pkg6.0', arch: 'amd64', version: '2.6.1' },
      { name: 'tzdata', arch: 'all', version: '2026b-0+deb12u1' },
    ]);
  });

  it('fails with E_RUNNER_PARSE on output in another format', () => {
    expect(() => parseDpkgQuery('apt 2.6.1\n')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
  });
});
