import { isUnrotError } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { parseInstalled } from '../src/apply.js';
import { isApkPackageName, splitNameVersion } from '../src/names.js';
import { parseRepositories } from '../src/parse-repositories.js';
import { parseSimulation } from '../src/parse-simulation.js';
import { parseVersionList } from '../src/parse-version-list.js';
import { parseWorld } from '../src/parse-world.js';
import { recording, SETS, scenario } from './recorded.js';

const PENDING = 'updates pending, world pins held, applied';
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return isUnrotError(e) ? e.code : `not coded: ${String(e)}`;
  }
};
const HOSTILE = ['foo;reboot', '$(reboot)', '`reboot`', '-rf', '.hidden', 'a|b'];

describe('apk upgrade --simulate (recorded with apk-tools 2.14.10)', () => {
  const stdout = recording(scenario(PENDING), ['apk', 'upgrade', '--simulate']).stdout;

  it('reads every change line with its versions and the summary', () => {
    expect(parseSimulation(stdout)).toEqual({
      changes: [
        { verb: 'Upgrading', name: 'unrot-sandbox-extra', tag: '', from: '1.0-r0', to: '1.1-r0' },
        { verb: 'Upgrading', name: 'unrot-sandbox-app', tag: '', from: '1.0-r0', to: '1.1-r0' },
        { verb: 'Installing', name: 'unrot-sandbox-lib', tag: '', from: null, to: '1.0-r0' },
        { verb: 'Upgrading', name: 'unrot-sandbox-demo', tag: '', from: '1.0-r0', to: '1.1-r0' },
      ],
      summary: 'OK: 0 MiB in 6 packages',
    });
  });

  it('reads an empty change list', () => {
    const after = recording(scenario(PENDING), ['apk', 'upgrade', '--simulate'], 'after').stdout;
    expect(parseSimulation(after)).toEqual({ changes: [], summary: 'OK: 0 MiB in 6 packages' });
  });

  it('refuses output whose change count disagrees with apk’s own numbering', () => {
    const dropped = stdout.replace(/^\(2\/4\).*\n/m, '');
    expect(codeOf(() => parseSimulation(dropped))).toBe('E_RUNNER_PARSE');
    expect(codeOf(() => parseSimulation(stdout.replace(/^OK:.*$/m, '')))).toBe('E_RUNNER_PARSE');
  });

  it.each(HOSTILE)('refuses the package name %s before it can reach argv', (name) => {
    const edited = stdout.replace('Upgrading unrot-sandbox-demo (', `Upgrading ${name} (`);
    expect(codeOf(() => parseSimulation(edited))).toMatch(/^E_RUNNER_(UNSAFE_NAME|PARSE)$/);
  });

  it('reads the repository tag apk prints after a name', () => {
    const tagged = stdout.replace('Upgrading unrot-sandbox-demo (', 'Upgrading unrot-sandbox-demo@edge (');
    expect(parseSimulation(tagged).changes[3]).toEqual({
      verb: 'Upgrading',
      name: 'unrot-sandbox-demo',
      tag: '@edge',
      from: '1.0-r0',
      to: '1.1-r0',
    });
  });
});

describe.each(SETS)('apk upgrade output of $tool', ({ scenarios, applyFailure, words }) => {
  it('reads the change list and the summary', () => {
    const sim = parseSimulation(recording(scenario(PENDING, scenarios), ['apk', 'upgrade', '--simulate']).stdout);
    expect(sim.changes.map((c) => `${c.verb} ${c.name} ${c.from} ${c.to}`)).toEqual([
      'Upgrading unrot-sandbox-extra 1.0-r0 1.1-r0',
      'Upgrading unrot-sandbox-app 1.0-r0 1.1-r0',
      'Installing unrot-sandbox-lib null 1.0-r0',
      'Upgrading unrot-sandbox-demo 1.0-r0 1.1-r0',
    ]);
    expect(sim.summary).toBe(words.summary);
  });

  it('accepts the "1 error;" summary apk prints after a failed package script', () => {
    const applied = applyFailure.recordings.find((r) => r.phase === 'apply');
    expect(parseSimulation(applied?.stdout ?? '').summary).toBe(words.errorSummary);
  });

  it("reads apk version -l '<' the same way", () => {
    const out = parseVersionList(recording(scenario(PENDING, scenarios), ['apk', 'version']).stdout);
    expect(out.map((o) => `${o.name} ${o.installed} ${o.available}`)).toEqual([
      'unrot-sandbox-app 1.0-r0 1.1-r0',
      'unrot-sandbox-capped 1.0-r0 1.1-r0',
      'unrot-sandbox-demo 1.0-r0 1.1-r0',
      'unrot-sandbox-extra 1.0-r0 1.1-r0',
      'unrot-sandbox-pinned 1.0-r0 1.1-r0',
    ]);
  });
});

describe("apk version -l '<' (recorded)", () => {
  it('lists pinned packages too, with installed and available versions', () => {
    const out = parseVersionList(recording(scenario(PENDING), ['apk', 'version']).stdout);
    expect(out.map((o) => o.name)).toEqual([
      'unrot-sandbox-app',
      'unrot-sandbox-capped',
      'unrot-sandbox-demo',
      'unrot-sandbox-extra',
      'unrot-sandbox-pinned',
    ]);
    expect(out[0]).toEqual({ name: 'unrot-sandbox-app', installed: '1.0-r0', available: '1.1-r0' });
  });

  it('refuses a line it cannot read', () => {
    const stdout = recording(scenario(PENDING), ['apk', 'version']).stdout;
    expect(codeOf(() => parseVersionList(`${stdout}garbage\n`))).toBe('E_RUNNER_PARSE');
    expect(codeOf(() => parseVersionList(stdout.replace('unrot-sandbox-app-1.0-r0', '$(reboot)-1.0-r0')))).toBe('E_RUNNER_UNSAFE_NAME');
  });
});

describe('/etc/apk/world (recorded)', () => {
  it('marks version constraints as pins', () => {
    const world = parseWorld(recording(scenario(PENDING), ['cat', '/etc/apk/world']).stdout);
    expect(world.filter((w) => w.pinned).map((w) => w.constraint)).toEqual(['unrot-sandbox-capped<1.1', 'unrot-sandbox-pinned=1.0-r0']);
    expect(world.filter((w) => !w.pinned).map((w) => w.name)).toEqual(['unrot-sandbox-app', 'unrot-sandbox-demo', 'unrot-sandbox-extra']);
  });

  it('marks a repository tag (apk-world(5): name@tag) as a pin', () => {
    expect(parseWorld('busybox@edge nginx~1.26 curl\n')).toEqual([
      { name: 'busybox', constraint: 'busybox@edge', pinned: true },
      { name: 'nginx', constraint: 'nginx~1.26', pinned: true },
      { name: 'curl', constraint: 'curl', pinned: false },
    ]);
  });
});

describe('apk info -v and name-version splitting', () => {
  it('splits at the last "-" followed by a digit (apk-package(5))', () => {
    expect(splitNameVersion('unrot-sandbox-demo-1.1-r0')).toEqual({ name: 'unrot-sandbox-demo', version: '1.1-r0' });
    expect(splitNameVersion('py3-foo-2-2.0_rc1-r3')).toEqual({ name: 'py3-foo-2', version: '2.0_rc1-r3' });
    expect(parseInstalled('unrot-sandbox-demo-1.1-r0\nunrot-sandbox-lib-1.0-r0\n').get('unrot-sandbox-demo')).toBe('1.1-r0');
  });

  it('accepts apk’s name grammar only', () => {
    for (const ok of ['musl', 'libstdc++', 'py3-pillow', 'font-noto-CJK', 'R', 'perl-io-socket-ssl'])
      expect(isApkPackageName(ok)).toBe(true);
    for (const bad of HOSTILE) expect(isApkPackageName(bad)).toBe(false);
  });
});

describe('/etc/apk/repositories', () => {
  it('reads the recorded file', () => {
    const s = scenario(PENDING);
    const r = recording(s, ['cat', '/etc/apk/repositories'], 'sources');
    expect(parseRepositories(r.stdout, '/etc/apk/repositories')).toHaveLength(1);
  });

  it('skips comments and keeps tags (apk-repositories(5))', () => {
    const text =
      '# main\nhttps://dl-cdn.alpinelinux.org/alpine/v3.20/main\n@edge https://dl-cdn.alpinelinux.org/alpine/edge/testing\n\n/media/cdrom/apks\n';
    expect(parseRepositories(text, 'f')).toEqual([
      { url: 'https://dl-cdn.alpinelinux.org/alpine/v3.20/main', tag: undefined, file: 'f' },
      { url: 'https://dl-cdn.alpinelinux.org/alpine/edge/testing', tag: '@edge', file: 'f' },
      { url: '/media/cdrom/apks', tag: undefined, file: 'f' },
    ]);
  });
});
