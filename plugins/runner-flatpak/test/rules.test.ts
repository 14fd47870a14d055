// Parsers and rules, offline. Tool outputs come from the real recordings of
// fixtures/contract-scenarios.json (see fixtures/README.md); the hostile names are exactly what
// must never reach argv, and the few hand-made rows say which flatpak behaviour they stand for.
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { silentLogger, type Update } from '@unrot/sdk';
import type { RunnerScenario } from '@unrot/sdk/testing';
import { createLocalExec } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { changesIn } from '../src/apply.js';
import { carriedAlong, classifyPending, excludedBy, type InstallationState } from '../src/check.js';
import { assertUserName, commands, flatpakArgv, installationsOf, parseScope } from '../src/installation.js';
import { pendingLabels, updateLabels } from '../src/labels.js';
import { maskFor, maskMatches } from '../src/mask.js';
import { type FlatpakOptions, FlatpakOptionsSchema } from '../src/options.js';
import { parseExtensionPoints, parseList, parseMasks, parseRemotes, parseUpdates } from '../src/parse.js';
import { planFlatpak } from '../src/plan.js';
import { assertCommit, type FlatpakRef, parseRef } from '../src/refs.js';
import { remoteEndpoints } from '../src/sources.js';
import { contextFor } from './support/context.js';

const scenarios = JSON.parse(readFileSync(new URL('./fixtures/contract-scenarios.json', import.meta.url), 'utf8')) as RunnerScenario[];

/** The real stdout/stderr of the first recording of `argv` in the scenario whose name contains `name`. */
function recorded(name: string, argv: string, phase = 'check') {
  const scenario = scenarios.find((s) => s.name.includes(name));
  const recording = scenario?.recordings.find((r) => r.argv.join(' ') === argv && r.phase === phase);
  if (!recording) throw new Error(`no recording of ${argv} in ${name}`);
  return recording;
}

const LIST = 'flatpak --system list --columns=ref,active,version,options,runtime';
const UPDATES = 'flatpak --system remote-ls --updates --columns=ref,commit,version';
const ref = (text: string) => parseRef(text) as FlatpakRef;
const options = (o: Partial<FlatpakOptions> = {}) => Value.Default(FlatpakOptionsSchema, structuredClone(o)) as FlatpakOptions;
const planCtx = (o: Partial<FlatpakOptions> = {}) => contextFor(createLocalExec({ dryRun: true }), o);

describe('parseList (real flatpak list output)', () => {
  it('reads apps and runtimes, their commits and runtimes; the runtime row lacks its empty last cell', () => {
    const { stdout } = recorded('Other withheld by an exclusion glob', LIST);
    expect(stdout.split('\n')[2]?.split('\t')).toHaveLength(4);
    const listed = parseList(stdout, LIST);
    expect([...listed.keys()]).toEqual([
      'app/org.unrot.Demo/x86_64/stable',
      'app/org.unrot.Other/x86_64/stable',
      'runtime/org.unrot.Platform/x86_64/1',
    ]);
    expect(listed.get('app/org.unrot.Demo/x86_64/stable')).toMatchObject({
      version: '1.0',
      runtime: { kind: 'runtime', id: 'org.unrot.Platform', arch: 'x86_64', branch: '1' },
    });
    expect(listed.get('app/org.unrot.Demo/x86_64/stable')?.commit).toMatch(/^[0-9a-f]{12}$/);
    expect(listed.get('runtime/org.unrot.Platform/x86_64/1')).toMatchObject({ version: '', runtime: undefined });
  });

  it('an empty installation prints nothing', () => {
    const { stdout } = recorded(
      'only an empty per-user installation',
      'flatpak --user list --columns=ref,active,version,options,runtime',
      'detect',
    );
    expect(parseList(stdout, 'list').size).toBe(0);
  });

  it('a row whose trailing cells are empty (an app on a non-current branch has no options) is padded, not refused', () => {
    const listed = parseList('org.unrot.Demo/x86_64/beta\t0123456789ab\t2.0\n', 'list');
    expect(listed.get('app/org.unrot.Demo/x86_64/beta')).toMatchObject({ commit: '0123456789ab', version: '2.0', runtime: undefined });
  });

  it('refuses rows that are not flatpak list rows, with a parse code', () => {
    expect(() => parseList('error: something\n', 'list')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
    expect(() => parseList('a\tb\tc\td\te\tf\n', 'list')).toThrow(expect.objectContaining({ code: 'E_RUNNER_PARSE' }));
  });

  it('refuses hostile refs and commits with E_RUNNER_UNSAFE_NAME', () => {
    for (const line of [
      'org.unrot.Demo;rm -rf //x86_64/stable\t0123456789ab\t1.0\tcurrent',
      '--help/x86_64/stable\t0123456789ab\t1.0\tcurrent',
      'org.unrot.Demo/x86_64/$(reboot)\t0123456789ab\t1.0\tcurrent',
      'org.unrot.Demo/x86_64/stable\t0123`id`\t1.0\tcurrent',
      'org.unrot.Demo/x86_64/stable\t0123456789ab\t1.0\tcurrent\torg.x.Y/x86_64/1 && id',
    ]) {
      expect(() => parseList(line, 'list'), line).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
    }
  });
});

describe('parseUpdates, parseMasks, parseRemotes (real outputs)', () => {
  it('remote-ls --updates: full refs with their new commit', () => {
    const { stdout } = recorded('an excluded runtime update withholds', UPDATES);
    expect(parseUpdates(stdout, UPDATES).map((p) => `${p.ref.kind} ${p.ref.id}`)).toEqual([
      'app org.unrot.Demo',
      'app org.unrot.Other',
      'runtime org.unrot.Platform',
    ]);
  });

  it('remote-ls --updates with nothing pending prints nothing', () => {
    expect(parseUpdates(recorded('nothing pending right after install', UPDATES).stdout, UPDATES)).toEqual([]);
  });

  it('a ref without its kind in remote-ls output is refused (it always prints app/ or runtime/)', () => {
    expect(() => parseUpdates('org.unrot.Demo/x86_64/stable\t0123456789ab\n', UPDATES)).toThrow(
      expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }),
    );
  });

  it('flatpak mask lists the patterns indented, and nothing when there are none', () => {
    expect(parseMasks(recorded('a masked ref is withheld', 'flatpak --system mask').stdout)).toEqual(['org.unrot.Other//stable']);
    expect(parseMasks(recorded('nothing pending right after install', 'flatpak --system mask').stdout)).toEqual([]);
  });

  it('flatpak remotes: name and url; a remote without a URL keeps an empty one', () => {
    const argv = 'flatpak --system remotes --columns=name,url';
    const { stdout } = recorded('nothing pending right after install', argv, 'sources');
    expect(parseRemotes(stdout, argv)).toEqual([{ name: 'demo', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/repo$/) }]);
    expect(parseRemotes('local\n', argv)).toEqual([{ name: 'local', url: '' }]);
  });
});

describe('refs', () => {
  it('parses full refs and partial ones with a default kind', () => {
    expect(parseRef('app/org.gnome.Maps/x86_64/stable')).toEqual({ kind: 'app', id: 'org.gnome.Maps', arch: 'x86_64', branch: 'stable' });
    expect(parseRef('org.gnome.Platform/aarch64/46', 'runtime')).toMatchObject({ kind: 'runtime', branch: '46' });
    expect(parseRef('org.gnome.Maps/x86_64/stable')).toBeUndefined();
  });

  it('refuses names flatpak would refuse and anything that could read as an option or shell', () => {
    for (const text of [
      'app/org.gnome/x86_64/stable', // an ID needs three elements
      'app/-org.gnome.Maps/x86_64/stable',
      'app/org.gnome.Maps/x86_64/-stable',
      'app/org.gnome.Maps/x86_64/stable beta',
      'app/org.gnome.Maps/x86 64/stable',
      'app/org.gnome.Maps;id/x86_64/stable',
      'app/org.gnome.Maps/x86_64/stable/extra',
      'extension/org.gnome.Maps/x86_64/stable',
      'app/org..Maps/x86_64/stable',
      `app/org.${'a'.repeat(260)}.Maps/x86_64/stable`,
    ]) {
      expect(parseRef(text), text).toBeUndefined();
    }
  });

  it('commits are 12 to 64 lowercase hex digits', () => {
    expect(assertCommit('x', 'f6ba8bdb7185', 'test')).toBe('f6ba8bdb7185');
    expect(() => assertCommit('x', 'F6BA8BDB7185', 'test')).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
    expect(() => assertCommit('x', 'abc', 'test')).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
  });
});

describe('masks (flatpak-mask(1) patterns)', () => {
  const demo = ref('app/org.some.App/x86_64/stable');
  it.each([
    ['org.some.App', true],
    ['org.some.App//stable', true],
    ['org.some.App//unstable', false],
    ['org.some.App/arm', false],
    ['org.some.App/x86_64', true],
    ['app/org.some.*', true],
    ['runtime/org.some.*', false],
    ['org.some.*//stable', true],
    ['org.other.App', false],
    ['org.some.App.Locale', false],
  ])('%s matches app/org.some.App/x86_64/stable: %s', (pattern, matches) => {
    expect(maskMatches(pattern, demo)).toBe(matches);
  });

  it('the first matching pattern is named', () => {
    expect(maskFor(['org.x.Y', 'org.some.*'], demo)).toBe('org.some.*');
    expect(maskFor([], demo)).toBeUndefined();
  });
});

describe('exclusions', () => {
  const demo = ref('app/org.unrot.Demo/x86_64/stable');
  it('match the app ID, ID/ARCH/BRANCH or the full ref, with * globs', () => {
    for (const pattern of ['org.unrot.Demo', 'org.unrot.*', 'org.unrot.Demo/x86_64/stable', 'app/org.unrot.Demo/*', '*']) {
      expect(excludedBy([pattern], demo), pattern).toBe(true);
    }
    for (const pattern of ['org.unrot.Other', 'runtime/*', 'org.unrot.Demo/aarch64/stable', 'Demo']) {
      expect(excludedBy([pattern], demo), pattern).toBe(false);
    }
  });
});

describe('classifyPending', () => {
  const platform = ref('runtime/org.unrot.Platform/x86_64/1');
  const installed = parseList(
    [
      'org.unrot.Demo/x86_64/stable\taaaaaaaaaaaa\t1.0\tcurrent\torg.unrot.Platform/x86_64/1',
      'org.unrot.Other/x86_64/stable\tbbbbbbbbbbbb\t1.0\tcurrent\torg.unrot.Platform/x86_64/1',
      'org.unrot.Platform/x86_64/1\tcccccccccccc\t\truntime',
    ].join('\n'),
    'list',
  );
  const pending = parseUpdates(
    [
      'app/org.unrot.Demo/x86_64/stable\tdddddddddddd',
      'runtime/org.unrot.Platform/x86_64/1\teeeeeeeeeeee',
      'app/org.unrot.Ghost/x86_64/stable\tffffffffffff',
    ].join('\n'),
    'remote-ls',
  );
  const classify = (exclusions: string[], masks: string[] = []) => {
    const result = { updates: [] as Update[], withheld: [] as { name: string; reason: string }[] };
    const state: InstallationState = { scope: 'system', installed, masks, pending, extensionPoints: new Map() };
    classifyPending(state, exclusions, result);
    return result;
  };

  it('offers every installed pending ref with from/to short commits when remote-ls has no version, and withholds one flatpak list does not show', () => {
    const result = classify([]);
    expect(result.updates).toEqual([
      { name: 'app/org.unrot.Demo/x86_64/stable', from: 'aaaaaaaaaaaa', to: 'dddddddddddd', scope: 'system' },
      { name: 'runtime/org.unrot.Platform/x86_64/1', from: 'cccccccccccc', to: 'eeeeeeeeeeee', scope: 'system' },
    ]);
    expect(result.withheld).toEqual([{ name: 'app/org.unrot.Ghost/x86_64/stable', reason: expect.stringContaining('does not show') }]);
  });

  it('an excluded runtime withholds the apps on it; a masked one does not (flatpak leaves masked runtimes alone)', () => {
    const excluded = classify([platform.id]);
    expect(excluded.updates).toEqual([]);
    expect(excluded.withheld.map((w) => w.name)).toEqual([
      'app/org.unrot.Demo/x86_64/stable',
      'runtime/org.unrot.Platform/x86_64/1',
      'app/org.unrot.Ghost/x86_64/stable',
    ]);
    expect(excluded.withheld[0]?.reason).toBe(
      'flatpak update would also update runtime/org.unrot.Platform/x86_64/1, whose update is excluded by policy',
    );
    const masked = classify([], ['org.unrot.Platform']);
    expect(masked.updates.map((u) => u.name)).toEqual(['app/org.unrot.Demo/x86_64/stable']);
    expect(masked.withheld[0]).toEqual({
      name: 'runtime/org.unrot.Platform/x86_64/1',
      reason: 'masked in system by the flatpak mask pattern "org.unrot.Platform"; unrot never unmasks',
    });
    expect(classify([platform.id], ['org.unrot.Platform']).updates.map((u) => u.name)).toEqual(['app/org.unrot.Demo/x86_64/stable']);
  });
});

describe('extensions carried along (real recordings)', () => {
  const name = 'an excluded extension update withholds';
  const metadata = (ref: string) => recorded(name, `flatpak --system info --show-metadata ${ref}`).stdout;

  it('parseExtensionPoints reads the [Extension NAME] groups of flatpak info --show-metadata', () => {
    expect(parseExtensionPoints(metadata('app/org.unrot.Other/x86_64/stable'))).toEqual(['org.unrot.Other.Plugin']);
    expect(parseExtensionPoints(metadata('app/org.unrot.Demo/x86_64/stable'))).toEqual([]);
    expect(parseExtensionPoints(metadata('runtime/org.unrot.Other.Plugin/x86_64/stable'))).toEqual([]);
  });

  it('withholds the app whose extension update is excluded, from the recorded list, mask, remote-ls and metadata', () => {
    const installed = parseList(recorded(name, LIST).stdout, LIST);
    const pending = parseUpdates(recorded(name, UPDATES).stdout, UPDATES);
    const extensionPoints = new Map(
      pending.map((p) => [
        `${p.ref.kind}/${p.ref.id}/${p.ref.arch}/${p.ref.branch}`,
        parseExtensionPoints(metadata(`${p.ref.kind}/${p.ref.id}/${p.ref.arch}/${p.ref.branch}`)),
      ]),
    );
    const state: InstallationState = {
      scope: 'system',
      installed,
      masks: parseMasks(recorded(name, 'flatpak --system mask').stdout),
      pending,
      extensionPoints,
    };
    const excluded = { updates: [] as Update[], withheld: [] as { name: string; reason: string }[] };
    classifyPending(state, ['org.unrot.Demo', 'org.unrot.Other.Plugin'], excluded);
    expect(excluded.updates).toEqual([]);
    expect(excluded.withheld).toEqual([
      { name: 'app/org.unrot.Demo/x86_64/stable', reason: 'excluded by policy' },
      {
        name: 'app/org.unrot.Other/x86_64/stable',
        reason: 'flatpak update would also update runtime/org.unrot.Other.Plugin/x86_64/stable, whose update is excluded by policy',
      },
      { name: 'runtime/org.unrot.Other.Plugin/x86_64/stable', reason: 'excluded by policy' },
    ]);
    const masked = { updates: [] as Update[], withheld: [] as { name: string; reason: string }[] };
    classifyPending({ ...state, masks: ['org.unrot.Other.Plugin'] }, ['org.unrot.Demo', 'org.unrot.Other.Plugin'], masked);
    expect(masked.updates.map((u) => u.name)).toEqual(['app/org.unrot.Other/x86_64/stable']);
  });

  it("transitively: an app is withheld when its runtime would carry the runtime's excluded extension along", () => {
    // Rows shaped like the recorded ones; the runtime declares a GL extension point as freedesktop's does.
    const installed = parseList(
      [
        'org.x.App/x86_64/stable\taaaaaaaaaaaa\t1.0\tcurrent\torg.x.Platform/x86_64/23',
        'org.x.Platform/x86_64/23\tbbbbbbbbbbbb\t\truntime',
        'org.x.Platform.GL.default/x86_64/23\tcccccccccccc\t\truntime',
      ].join('\n'),
      'list',
    );
    const pending = parseUpdates(
      [
        'app/org.x.App/x86_64/stable\tdddddddddddd',
        'runtime/org.x.Platform/x86_64/23\teeeeeeeeeeee',
        'runtime/org.x.Platform.GL.default/x86_64/23\tffffffffffff',
      ].join('\n'),
      'remote-ls',
    );
    const extensionPoints = new Map([
      ['app/org.x.App/x86_64/stable', []],
      [
        'runtime/org.x.Platform/x86_64/23',
        parseExtensionPoints('[Runtime]\nname=org.x.Platform\n\n[Extension org.x.Platform.GL]\nversions=23;1.4\n'),
      ],
      ['runtime/org.x.Platform.GL.default/x86_64/23', []],
    ]);
    const result = { updates: [] as Update[], withheld: [] as { name: string; reason: string }[] };
    classifyPending({ scope: 'system', installed, masks: [], pending, extensionPoints }, ['org.x.Platform.GL.*'], result);
    expect(result.updates).toEqual([]);
    expect(result.withheld).toEqual([
      {
        name: 'app/org.x.App/x86_64/stable',
        reason:
          'flatpak update would also update runtime/org.x.Platform/x86_64/23, whose update is withheld, as it would carry an excluded update along',
      },
      {
        name: 'runtime/org.x.Platform/x86_64/23',
        reason: 'flatpak update would also update runtime/org.x.Platform.GL.default/x86_64/23, whose update is excluded by policy',
      },
      { name: 'runtime/org.x.Platform.GL.default/x86_64/23', reason: 'excluded by policy' },
    ]);
  });

  it('an extension point covers NAME and NAME.* (subdirectories, GL drivers), nothing else', () => {
    const gl = ref('runtime/org.freedesktop.Platform.GL.default/x86_64/23.08');
    expect(carriedAlong(undefined, ['org.freedesktop.Platform.GL'], [gl])).toBe(gl);
    expect(carriedAlong(undefined, ['org.freedesktop.Platform.GL.default'], [gl])).toBe(gl);
    expect(carriedAlong(undefined, ['org.freedesktop.Platform.G'], [gl])).toBeUndefined();
    expect(carriedAlong(undefined, [], [gl])).toBeUndefined();
  });
});

describe('installations and argv', () => {
  it('system by default; users reached with --user, root directly, others through runuser', () => {
    expect(installationsOf(options())).toEqual([{ kind: 'system' }]);
    expect(installationsOf(options({ system: false, users: ['root', 'alice'] }))).toEqual([
      { kind: 'user', user: 'root' },
      { kind: 'user', user: 'alice' },
    ]);
    expect(commands.list({ kind: 'system' })).toEqual(['flatpak', '--system', 'list', '--columns=ref,active,version,options,runtime']);
    expect(flatpakArgv({ kind: 'user', user: 'root' }, ['mask'])).toEqual(['flatpak', '--user', 'mask']);
    expect(commands.update({ kind: 'user', user: 'alice' }, ['app/org.a.B/x86_64/stable'])).toEqual([
      'runuser',
      '-u',
      'alice',
      '--',
      'flatpak',
      '--user',
      'update',
      '-y',
      '--noninteractive',
      'app/org.a.B/x86_64/stable',
    ]);
  });

  it('refuses user names that could be options or shell, in options and in scopes read back', () => {
    for (const user of ['-u', 'alice;id', 'Alice', 'a b', '$(id)', '', 'a'.repeat(33)]) {
      expect(() => assertUserName(user), user).toThrow(expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }));
      expect(Value.Check(FlatpakOptionsSchema, { users: [user] }), user).toBe(false);
      expect(parseScope(`user:${user}`), user).toBeUndefined();
    }
    expect(parseScope('system')).toEqual({ kind: 'system' });
    expect(parseScope('user:alice')).toEqual({ kind: 'user', user: 'alice' });
  });
});

describe('planFlatpak', () => {
  const update = (name: string, scope = 'system', to = '0123456789ab'): Update => ({ name, from: 'aaaaaaaaaaaa', to, scope });

  it('one flatpak update per installation naming exactly the pending refs', () => {
    const ctx = planCtx({ users: ['alice'] });
    const plan = planFlatpak(ctx, {
      updates: [update('app/org.a.B/x86_64/stable'), update('runtime/org.a.P/x86_64/1'), update('app/org.a.B/x86_64/stable', 'user:alice')],
      withheld: [],
    });
    expect(plan.map((s) => [s.id, s.argv.join(' ')])).toEqual([
      ['update:system', 'flatpak --system update -y --noninteractive app/org.a.B/x86_64/stable runtime/org.a.P/x86_64/1'],
      ['update:user:alice', 'runuser -u alice -- flatpak --user update -y --noninteractive app/org.a.B/x86_64/stable'],
    ]);
    expect(planFlatpak(ctx, { updates: [], withheld: [] })).toEqual([]);
  });

  it('takes a version or a commit as the target (neither goes into argv)', () => {
    const plan = planFlatpak(planCtx(), { updates: [update('app/org.a.B/x86_64/stable', 'system', '1.1')], withheld: [] });
    expect(plan[0]?.argv).toEqual(['flatpak', '--system', 'update', '-y', '--noninteractive', 'app/org.a.B/x86_64/stable']);
  });

  it('re-validates a stored check result: hostile names, targets or scopes never reach argv', () => {
    const ctx = planCtx();
    const bad: Update[] = [
      update('app/org.a.B/x86_64/stable;reboot'),
      update('--from=/etc'),
      update('app/org.a.B/x86_64/stable', 'system', '$(id)'),
    ];
    for (const u of bad) {
      expect(() => planFlatpak(ctx, { updates: [u], withheld: [] }), u.name).toThrow(
        expect.objectContaining({ code: 'E_RUNNER_UNSAFE_NAME' }),
      );
    }
    for (const scope of ['user:alice', 'user:root;id', 'elsewhere']) {
      expect(() => planFlatpak(ctx, { updates: [update('app/org.a.B/x86_64/stable', scope)], withheld: [] }), scope).toThrow(
        expect.objectContaining({ code: 'E_RUNNER_INVALID_OUTPUT' }),
      );
    }
  });
});

describe('changesIn (what apply reports)', () => {
  it('planned refs that moved, refs flatpak moved or installed along (from null when new), and planned refs that did not move', () => {
    const planned = [update('app/org.a.B/x86_64/stable'), update('app/org.a.C/x86_64/stable'), update('app/org.a.D/x86_64/stable')];
    function update(name: string): Update {
      return { name, from: '1.0', to: '1.1', scope: 'system' };
    }
    const before = new Map([
      ['app/org.a.B/x86_64/stable', { commit: '111111111111', version: '1.0' }],
      ['app/org.a.C/x86_64/stable', { commit: '111111111111', version: '1.0' }],
      ['app/org.a.D/x86_64/stable', { commit: '666666666666', version: '2.0' }],
      ['runtime/org.a.P/x86_64/1', { commit: '333333333333', version: '' }],
    ]);
    const after = new Map([
      ['app/org.a.B/x86_64/stable', { commit: '222222222222', version: '1.1' }],
      ['app/org.a.C/x86_64/stable', { commit: '111111111111', version: '1.0' }],
      // A rebuild: a new commit of the same version.
      ['app/org.a.D/x86_64/stable', { commit: '777777777777', version: '2.0' }],
      ['runtime/org.a.P/x86_64/1', { commit: '444444444444', version: '' }],
      ['runtime/org.a.P/x86_64/2', { commit: '555555555555', version: '' }],
    ]);
    expect(changesIn('system', planned, before, after)).toEqual({
      changed: [
        { name: 'app/org.a.B/x86_64/stable', from: '1.0', to: '1.1', scope: 'system' },
        { name: 'app/org.a.D/x86_64/stable', from: '666666666666', to: '777777777777', scope: 'system' },
      ],
      unchanged: [planned[1]],
      along: [
        { name: 'runtime/org.a.P/x86_64/1', from: '333333333333', to: '444444444444', scope: 'system' },
        { name: 'runtime/org.a.P/x86_64/2', from: null, to: '555555555555', scope: 'system' },
      ],
    });
  });
});

describe('updateLabels (what from/to say)', () => {
  const full = 'abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789';
  it('versions when both sides have one and they differ; short commits otherwise, never a mix', () => {
    expect(updateLabels({ commit: 'aaaaaaaaaaaa', version: '1.0' }, { commit: full, version: '1.1' })).toEqual({ from: '1.0', to: '1.1' });
    // A rebuild, a runtime without versions, a remote whose appstream data was never fetched.
    expect(updateLabels({ commit: 'aaaaaaaaaaaa', version: '1.0' }, { commit: full, version: '1.0' })).toEqual({
      from: 'aaaaaaaaaaaa',
      to: 'abcdef012345',
    });
    expect(updateLabels({ commit: 'aaaaaaaaaaaa', version: '' }, { commit: full, version: '' })).toEqual({
      from: 'aaaaaaaaaaaa',
      to: 'abcdef012345',
    });
    expect(updateLabels({ commit: 'aaaaaaaaaaaa', version: '1.0' }, { commit: full, version: '' })).toEqual({
      from: 'aaaaaaaaaaaa',
      to: 'abcdef012345',
    });
    // Newly installed along: its version if it has one.
    expect(updateLabels(undefined, { commit: full, version: '3.2' })).toEqual({ from: null, to: '3.2' });
    expect(updateLabels(undefined, { commit: full, version: '' })).toEqual({ from: null, to: 'abcdef012345' });
  });

  it('a version from the container that could not be a version is treated as none', () => {
    for (const hostile of ['$(id)', '1.0; reboot', '-rf', 'x'.repeat(65), '1.0\n2.0']) {
      expect(updateLabels({ commit: 'aaaaaaaaaaaa', version: '1.0' }, { commit: full, version: hostile }), hostile).toEqual({
        from: 'aaaaaaaaaaaa',
        to: 'abcdef012345',
      });
    }
  });
});

describe('pendingLabels (check: a cached remote version must be newer)', () => {
  it('versions when the cached remote version sorts after the installed one (numeric-aware), commits when it does not', () => {
    const installed = { commit: 'aaaaaaaaaaaa', version: '1.9' };
    expect(pendingLabels(installed, { commit: 'bbbbbbbbbbbb', version: '1.10' })).toEqual({ from: '1.9', to: '1.10' });
    // Stale appstream data: older than what is installed, or the installed one itself.
    expect(pendingLabels(installed, { commit: 'bbbbbbbbbbbb', version: '1.1' })).toEqual({ from: 'aaaaaaaaaaaa', to: 'bbbbbbbbbbbb' });
    expect(pendingLabels(installed, { commit: 'bbbbbbbbbbbb', version: '1.9' })).toEqual({ from: 'aaaaaaaaaaaa', to: 'bbbbbbbbbbbb' });
    expect(pendingLabels(installed, { commit: 'bbbbbbbbbbbb', version: '' })).toEqual({ from: 'aaaaaaaaaaaa', to: 'bbbbbbbbbbbb' });
  });
});

describe('check from/to on the real recordings', () => {
  const classifyRecorded = (name: string, exclusions: string[]) => {
    const result = { updates: [] as Update[], withheld: [] as { name: string; reason: string }[] };
    const state: InstallationState = {
      scope: 'system',
      installed: parseList(recorded(name, LIST).stdout, LIST),
      masks: parseMasks(recorded(name, 'flatpak --system mask').stdout),
      pending: parseUpdates(recorded(name, UPDATES).stdout, UPDATES),
      extensionPoints: new Map(),
    };
    classifyPending(state, exclusions, result);
    return result.updates;
  };

  it("versions once the host fetched the remote's appstream data (remote-ls prints them)", () => {
    expect(classifyRecorded('Other withheld by an exclusion glob', ['org.unrot.Oth*'])).toEqual([
      { name: 'app/org.unrot.Demo/x86_64/stable', from: '1.0', to: '1.1', scope: 'system' },
    ]);
  });

  it('short commits when that data is stale: remote-ls pairs the new commit with the installed version', () => {
    const updates = classifyRecorded('a masked ref is withheld', []);
    expect(recorded('a masked ref is withheld', UPDATES).stdout).toMatch(/org\.unrot\.Demo\S*\t[0-9a-f]{12}\t1\.1\n/);
    expect(updates).toEqual([
      {
        name: 'app/org.unrot.Demo/x86_64/stable',
        from: expect.stringMatching(/^[0-9a-f]{12}$/),
        to: expect.stringMatching(/^[0-9a-f]{12}$/),
        scope: 'system',
      },
    ]);
  });
});

describe('remoteEndpoints (pre-flight)', () => {
  const system = { kind: 'system' } as const;
  it('one endpoint per host and port; oci+https is https; file:// needs no network; credentials are redacted', () => {
    const seen = new Set<string>();
    const endpoints = remoteEndpoints(
      [
        { name: 'flathub', url: 'https://dl.flathub.org/repo/' },
        { name: 'mirror', url: 'https://dl.flathub.org/beta-repo/' },
        { name: 'oci', url: 'oci+https://registry.example.test:8443' },
        { name: 'local', url: 'file:///srv/repo' },
        { name: 'private', url: 'https://user:s3cret@repo.example.test/repo' },
      ],
      system,
      seen,
      silentLogger,
    );
    expect(endpoints).toEqual([
      { host: 'dl.flathub.org', port: 443, origin: 'flatpak remote flathub https://dl.flathub.org/repo/ (the system installation)' },
      {
        host: 'registry.example.test',
        port: 8443,
        origin: 'flatpak remote oci oci+https://registry.example.test:8443 (the system installation)',
      },
      {
        host: 'repo.example.test',
        port: 443,
        origin: 'flatpak remote private https://***@repo.example.test/repo (the system installation)',
      },
    ]);
    expect(JSON.stringify(endpoints)).not.toContain('s3cret');
    expect(
      remoteEndpoints([{ name: 'again', url: 'https://dl.flathub.org/repo/' }], { kind: 'user', user: 'root' }, seen, silentLogger),
    ).toEqual([]);
  });
});
