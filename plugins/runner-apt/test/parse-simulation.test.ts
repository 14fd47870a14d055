import { readFileSync } from 'node:fs';
import { isUnrotError } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { parseSimulation } from '../src/parse-simulation.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isUnrotError(error) ? error.code : `not coded: ${String(error)}`;
  }
  return undefined;
}

describe('parseSimulation on real apt-get -s output', () => {
  it('reads every upgrade of a large host simulation, including lines with broken-dependency markers', () => {
    const sim = parseSimulation(fixture('host-simulate-upgrade.txt'));
    expect(sim.installs).toHaveLength(131); // apt's summary: "131 upgraded, 0 newly installed"
    expect(sim.removals).toEqual([]);
    // "Inst libperl5.36 [5.36.0-7+deb12u2] (5.36.0-7+deb12u4 Debian-Security:… [amd64]) [perl:amd64 ]"
    expect(sim.installs).toContainEqual({ name: 'libperl5.36', from: '5.36.0-7+deb12u2', to: '5.36.0-7+deb12u4' });
    expect(sim.installs).toContainEqual({ name: 'perl', from: '5.36.0-7+deb12u2', to: '5.36.0-7+deb12u4' });
    expect(new Set(sim.installs.map((i) => i.name)).size).toBe(131);
  });

  it('reads new packages (from null) and removals', () => {
    const sim = parseSimulation(fixture('host-simulate-install-sysvinit-core.txt'));
    expect(sim.installs).toHaveLength(11); // "5 upgraded, 6 newly installed, 11 to remove"
    expect(sim.installs.filter((i) => i.from === null)).toHaveLength(6);
    expect(sim.installs).toContainEqual({ name: 'insserv', from: null, to: '1.24.0-1' });
    expect(sim.removals).toHaveLength(11);
    expect(sim.removals).toContainEqual({ name: 'systemd-sysv', version: '252.38-1~deb12u1' });
  });

  it('reads a simulation with nothing to do', () => {
    const scenarios = JSON.parse(fixture('contract-scenarios.json')) as {
      name: string;
      recordings: { argv: string[]; stdout: string }[];
    }[];
    const none = scenarios.find((s) => s.name === 'nothing pending after the upgrade');
    const out = none?.recordings.find((r) => r.argv.includes('upgrade'))?.stdout ?? '';
    expect(parseSimulation(out)).toEqual({ installs: [], removals: [], keptBack: [] });
  });

  it('reads the kept-back list of apt-get upgrade', () => {
    const scenarios = JSON.parse(fixture('contract-scenarios.json')) as {
      name: string;
      recordings: { argv: string[]; stdout: string }[];
    }[];
    const kept = scenarios.find((s) => s.name === 'kept back in mode upgrade');
    const out = kept?.recordings.find((r) => r.argv.includes('upgrade'))?.stdout ?? '';
    expect(out).toContain('The following packages have been kept back:');
    expect(parseSimulation(out)).toEqual({ installs: [], removals: [], keptBack: ['unrot-demo-app'] });
  });

  it('fails with E_RUNNER_PARSE when the summary is missing or disagrees with the lines', () => {
    const real = fixture('host-simulate-upgrade.txt');
    expect(codeOf(() => parseSimulation(real.replace(/^\d+ upgraded.*$/m, '')))).toBe('E_RUNNER_PARSE');
    // One Inst line dropped: the summary still says 131.
    expect(codeOf(() => parseSimulation(real.replace(/^Inst bash .*\n/m, '')))).toBe('E_RUNNER_PARSE');
    expect(codeOf(() => parseSimulation(real.replace(/^Inst bash .*$/m, 'Inst bash garbage')))).toBe('E_RUNNER_PARSE');
  });

  // The hostile names below are edits of a real captured line: apt itself never prints them,
  // this proves the guard in front of argv.
  it.each(['foo;reboot', '$(reboot)', '`reboot`', 'foo bar', 'Foo', '-oAPT::Foo=1', 'a', 'foo/bar', "o'neil"])(
    'rejects the package name %j with E_RUNNER_UNSAFE_NAME',
    (name) => {
      const real = fixture('host-simulate-upgrade.txt');
      expect(codeOf(() => parseSimulation(real.replace(/^Inst bash /m, `Inst ${name} `)))).toBe('E_RUNNER_UNSAFE_NAME');
      expect(codeOf(() => parseSimulation(real.replace(/^Conf bash /m, `Conf ${name} `)))).toBe('E_RUNNER_UNSAFE_NAME');
    },
  );

  it('accepts architecture-qualified names', () => {
    const real = fixture('host-simulate-upgrade.txt');
    const sim = parseSimulation(real.replace(/^Inst bash /m, 'Inst bash:amd64 '));
    expect(sim.installs.map((i) => i.name)).toContain('bash:amd64');
  });
});
