import { describe, expect, it } from 'vitest';
import { assertSafeName, assertSafeVersion, isMajorBump, normalizeName } from '../src/names.js';
import { indexUnreachable, parsePipVersion, versionAtLeast } from '../src/parse-pip.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('PEP 508 names and PEP 440 versions before argv', () => {
  it('accepts real project names', () => {
    for (const n of ['pip', 'unrot-demo-lib', 'zope.interface', 'Pygments', 'lazr.restfulclient', 'ruamel.yaml.clib', 'a', 'A1_b-2.c']) {
      expect(assertSafeName(n)).toBe(n);
    }
  });

  it('refuses anything that could be an option, a path or a shell word', () => {
    for (const n of ['-e', '--index-url=http://x', '../x', 'a b', 'a;rm', '$(id)', 'pkg==1', 'pkg[extra]', 'x-', '.x', '']) {
      expect(
        code(() => assertSafeName(n)),
        n,
      ).toBe('E_RUNNER_UNSAFE_NAME');
    }
  });

  it('accepts PEP 440 versions pip prints and refuses others', () => {
    for (const v of ['1.0', '23.0.1', '2.0.0rc1', '1.0.post2', '1.0.dev3', '1!2.0', '0.20.4', '1.3.2+deb12u1', '2024.1.1', '1.0a1']) {
      expect(assertSafeVersion('p', v)).toBe(v);
    }
    for (const v of ['1.0 ; rm', '-1', 'latest', '1.0==2', ''])
      expect(
        code(() => assertSafeVersion('p', v)),
        v,
      ).toBe('E_RUNNER_UNSAFE_NAME');
  });

  it('normalises names the way PEP 503 does', () => {
    expect(normalizeName('Unrot_Demo.Lib')).toBe('unrot-demo-lib');
    expect(normalizeName('ruamel.yaml')).toBe('ruamel-yaml');
  });

  it('treats a higher first release number or a new epoch as a major upgrade', () => {
    expect(isMajorBump('1.0', '2.0')).toBe(true);
    expect(isMajorBump('1.0.0', '1.9.9')).toBe(false);
    expect(isMajorBump('0.20.4', '0.22.0')).toBe(false);
    expect(isMajorBump('2023.1', '2024.1')).toBe(true);
    expect(isMajorBump('1.5', '1!1.6')).toBe(true);
  });
});

describe('pip output helpers', () => {
  it('reads pip --version as Debian 12 prints it', () => {
    expect(parsePipVersion('pip 23.0.1 from /usr/lib/python3/dist-packages/pip (python 3.11)\n')).toEqual({
      pip: '23.0.1',
      python: '3.11',
    });
    expect(code(() => parsePipVersion('Traceback (most recent call last):'))).toBe('E_RUNNER_PARSE');
  });

  it('gates features by pip version', () => {
    expect(versionAtLeast('23.0.1', '22.2')).toBe(true);
    expect(versionAtLeast('22.2', '22.2')).toBe(true);
    expect(versionAtLeast('20.3.4', '22.2')).toBe(false);
  });

  it("recognises pip's retry warnings as an unreachable index", () => {
    expect(indexUnreachable('')).toBeNull();
    expect(
      indexUnreachable(
        "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError'",
      ),
    ).toContain('Retrying');
  });
});
