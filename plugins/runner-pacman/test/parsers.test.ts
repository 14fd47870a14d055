import { describe, expect, it } from 'vitest';
import { isPacmanPackageName } from '../src/names.js';
import { parsePacmanConf } from '../src/parse-pacman-conf.js';
import { parseInstalled, parsePrintTargets } from '../src/parse-print.js';
import { parseQueryUpgrades } from '../src/parse-query-upgrades.js';
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };

/** The stdout pacman printed for a command (first recording whose argv contains `part`) in a recorded scenario. */
function stdoutOf(scenario: string, part: string, phase = 'check'): string {
  const s = scenarios.find((x) => x.name === scenario);
  const r = s?.recordings.find((x) => x.phase === phase && x.argv.includes(part));
  if (!r) throw new Error(`no ${part} in ${scenario}`);
  return r.stdout;
}

describe('pacman -Qu (real output)', () => {
  it('parses name old -> new', () => {
    expect(parseQueryUpgrades(stdoutOf('glob exclusion unrot-sandbox-k* keeps unrot-sandbox-keep (--ignore), applied', '-Qu'))).toEqual([
      { name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1', ignored: false },
      { name: 'unrot-sandbox-keep', from: '1.0-1', to: '1.1-1', ignored: false },
    ]);
  });

  it('marks a package IgnorePkg holds', () => {
    expect(parseQueryUpgrades(stdoutOf('IgnorePkg in pacman.conf is reported as held', '-Qu'))).toEqual([
      { name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1', ignored: false },
      { name: 'unrot-sandbox-keep', from: '1.0-1', to: '1.1-1', ignored: true },
    ]);
  });

  it('nothing pending is empty output', () => {
    expect(parseQueryUpgrades(stdoutOf('nothing pending after the upgrade', '-Qu'))).toEqual([]);
  });

  it('refuses a line it does not know instead of skipping it', () => {
    const real = stdoutOf('pre-flight: the [unrot] mirror, then updates pending, applied', '-Qu');
    expect(() => parseQueryUpgrades(`${real}warning: something new\n`)).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
  });

  it('accepts epochs and refuses versions pacman cannot print', () => {
    expect(parseQueryUpgrades('systemd 1:254.5-1 -> 1:254.6-1\n')[0]).toMatchObject({ from: '1:254.5-1', to: '1:254.6-1' });
    expect(() => parseQueryUpgrades('systemd 254/5-1 -> 254.6-1\n')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
  });
});

describe('pacman -Su --print (real output)', () => {
  it('parses the targets', () => {
    expect(parsePrintTargets(stdoutOf('pre-flight: the [unrot] mirror, then updates pending, applied', '-Su'))).toEqual([
      { name: 'unrot-sandbox-demo', version: '1.1-1' },
    ]);
  });

  it('skips the questions --noconfirm answers (lines starting with ::)', () => {
    const real = stdoutOf('pre-flight: the [unrot] mirror, then updates pending, applied', '-Su');
    expect(parsePrintTargets(`:: Replace foo with unrot/bar? [Y/n] \n${real}`)).toHaveLength(1);
  });

  it('parses pacman -Q readback', () => {
    expect(parseInstalled(stdoutOf('pre-flight: the [unrot] mirror, then updates pending, applied', '-Q', 'apply'))).toEqual(
      new Map([['unrot-sandbox-demo', '1.1-1']]),
    );
  });
});

describe('pacman-conf (real output)', () => {
  it('reads [options] and the Server lines of each repository (Include resolved by pacman-conf)', () => {
    const conf = parsePacmanConf(stdoutOf('IgnorePkg in pacman.conf is reported as held', 'pacman-conf'));
    expect(conf.options.get('DBPath')).toEqual(['/var/lib/pacman/']);
    expect(conf.options.get('IgnorePkg')).toEqual(['unrot-sandbox-keep']);
    expect(conf.options.get('CheckSpace')).toEqual(['']);
    expect(conf.repos).toHaveLength(1);
    expect(conf.repos[0]?.name).toBe('unrot');
    expect(conf.repos[0]?.servers[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v11$/);
  });
});

describe('package names (makepkg lint_pkgname)', () => {
  it.each(['unrot-sandbox-demo', 'lib32-glibc', 'gtk2+', 'python-zope.interface', 'foo@bar', '0ad', 'R', 'a_b'])('accepts %s', (n) =>
    expect(isPacmanPackageName(n)).toBe(true),
  );
  it.each(['-rf', '.hidden', 'a b', 'a;b', '$(reboot)', 'a/b', 'a:b', '', 'ä'])('refuses %j', (n) =>
    expect(isPacmanPackageName(n)).toBe(false),
  );
});
