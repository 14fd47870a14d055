import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareEvr, formatEvr, rpmvercmp } from '../src/evr.js';
import { parseDnfVersion } from '../src/flavour.js';
import { parseRepoquery, parseRpmQuery } from '../src/parse-query.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('dnf repoquery --upgrades (real dnf 4.14 output, see fixtures/README.md)', () => {
  it('parses every entry, skips the empty line dnf 4 prints after each', () => {
    const out = parseRepoquery(fixture('repoquery-upgrades.txt'));
    expect(out).toEqual([
      { name: 'unrot-sandbox-demo', epoch: 0, version: '1.1', release: '1', arch: 'noarch', repo: 'unrot-sandbox' },
      { name: 'unrot-sandbox-extra', epoch: 2, version: '1.1', release: '1', arch: 'noarch', repo: 'unrot-sandbox' },
      { name: 'unrot-sandbox-failing', epoch: 0, version: '1.1', release: '1', arch: 'noarch', repo: 'unrot-sandbox' },
    ]);
  });

  it('accepts the same lines without the empty ones (dnf5 prints no extra newline)', () => {
    const dnf4 = fixture('repoquery-upgrades.txt');
    expect(parseRepoquery(dnf4.replace(/\n\n/g, '\n'))).toEqual(parseRepoquery(dnf4));
  });

  it.each([
    ['a shell word', 'unrot-sandbox-demo;reboot'],
    ['command substitution', '$(reboot)'],
    ['an option', '--setopt=x'],
    ['a glob', 'unrot*'],
  ])('refuses a name that is %s with E_RUNNER_UNSAFE_NAME', (_what, name) => {
    const hostile = fixture('repoquery-upgrades.txt').replace('unrot-sandbox-demo', name);
    expect(() => parseRepoquery(hostile)).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
  });

  it('refuses a line with another number of fields or a bad version with E_RUNNER_PARSE', () => {
    const line = fixture('repoquery-upgrades.txt').split('\n')[0] as string;
    expect(() => parseRepoquery(`${line} extra`)).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(() => parseRepoquery(line.replace(' 1.1 ', ' 1.1-rc '))).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(() => parseRepoquery(line.replace(' 0 ', ' x '))).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
  });
});

describe('rpm -q --queryformat (real rpm 4.18 output)', () => {
  it('reads "(none)" as epoch 0 and skips "package X is not installed"', () => {
    expect(parseRpmQuery(fixture('rpm-query.txt'))).toEqual([
      { name: 'unrot-sandbox-demo', epoch: 0, version: '1.0', release: '1', arch: 'noarch' },
      { name: 'unrot-sandbox-extra', epoch: 2, version: '1.0', release: '1', arch: 'noarch' },
      { name: 'unrot-sandbox-failing', epoch: 0, version: '1.0', release: '1', arch: 'noarch' },
    ]);
  });
});

describe('dnf --version', () => {
  it('dnf 4 prints its bare version first (real output)', () => {
    expect(parseDnfVersion(fixture('dnf-version.txt'))).toEqual({ major: 4, version: '4.14.0' });
  });
  it('refuses anything else with E_RUNNER_PARSE', () => {
    expect(() => parseDnfVersion('yum 3.4.3\n')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
  });
});

describe('versions as rpm orders and dnf prints them', () => {
  it('omits epoch 0, keeps others', () => {
    expect(formatEvr({ epoch: 0, version: '1.1', release: '1' })).toBe('1.1-1');
    expect(formatEvr({ epoch: 2, version: '1.1', release: '1' })).toBe('2:1.1-1');
  });
  // Each pair checked against real rpm 4.18 (python3-rpm `rpm.labelCompare`) on the Debian 12 host.
  it.each([
    ['1.0', '1.0', 0],
    ['1.0', '2.0', -1],
    ['2.0.1', '2.0', 1],
    ['5.5p1', '5.5p10', -1],
    ['10xyz', '10.1xyz', -1],
    ['xyz10', 'xyz10.1', -1],
    ['1.0aa', '1.0a', 1],
    ['10a2', '10b2', -1],
    ['1.0a', '1.0.1', -1],
    ['6.0.rc1', '6.0', 1],
    ['10.0001', '10.1', 0],
    ['1.0~rc1', '1.0', -1],
    ['1.0~rc1', '1.0~rc1~git123', 1],
    ['1.0^', '1.0', 1],
    ['1.0^git1', '1.0.1', -1],
    ['1.0^git1~pre', '1.0^git1', -1],
    ['1_0', '1.0', 0],
  ])('rpmvercmp(%s, %s) = %i', (a, b, expected) => {
    expect(rpmvercmp(a, b)).toBe(expected);
    expect(rpmvercmp(b, a)).toBe(-expected || 0);
  });
  it('epoch wins over version', () => {
    expect(compareEvr({ epoch: 1, version: '1.0', release: '1' }, { epoch: 0, version: '9.0', release: '1' })).toBe(1);
  });
});
