import type { ContainerInfo } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { ContainerReport } from '../../src/lifecycle/container-result.js';
import { assignWaves } from '../../src/rollout/assign-waves.js';
import { holdToCanary, recordCanaryPins } from '../../src/rollout/canary-pins.js';
import { stopConditionMet, tallyWave } from '../../src/rollout/stop-conditions.js';
import { configDir, configError } from '../config/helpers.js';

const ct = (vmid: number, name: string, tags: string[] = []): ContainerInfo =>
  ({ vmid, name, status: 'running', tags, template: false, unprivileged: true }) as ContainerInfo;

const outcome = (vmid: number, o: ContainerReport['outcome'], changed: Array<{ name: string; to: string }> = []): ContainerReport =>
  ({
    vmid,
    name: `ct${vmid}`,
    outcome: o,
    runners: [
      {
        id: 'apt',
        applicable: true,
        updates: [],
        withheld: [],
        plan: [],
        changed: changed.map((c) => ({ ...c, from: '1' })),
        durationsMs: {},
      },
    ],
    changingCommands: 0,
    durationMs: 0,
  }) as unknown as ContainerReport;

describe('assignWaves', () => {
  const fleet = [ct(101, 'db-1', ['db']), ct(102, 'web-1', ['web']), ct(103, 'web-2', ['web', 'canary']), ct(104, 'misc')];

  it('puts each container in the first wave that selects it (ids, tags, name globs), rest takes the remainder', () => {
    const { waves, unassigned } = assignWaves(
      {
        waves: [
          { name: 'canary', tags: ['CANARY'], ids: [104] },
          { name: 'web', names: ['web-*'] },
          { name: 'rest', rest: true },
        ],
      },
      fleet,
    );
    expect(waves.map((w) => [w.policy.name, w.vmids])).toEqual([
      ['canary', [103, 104]],
      ['web', [102]],
      ['rest', [101]],
    ]);
    expect(unassigned).toEqual([]);
  });

  it('without a rest wave, containers no wave selects are left out', () => {
    expect(assignWaves({ waves: [{ name: 'web', tags: ['web'] }] }, fleet).unassigned).toEqual([101, 104]);
  });
});

describe('stop conditions', () => {
  const tally = (...o: Array<ContainerReport['outcome']>) => tallyWave(o.map((x, i) => outcome(101 + i, x)));

  it('counts failed and rolled-back containers among those that ran; skipped ones are not counted', () => {
    expect(tally('updated', 'failed', 'rolled-back', 'skipped', 'nothing-to-do')).toEqual({ ran: 4, failed: 2, rolledBack: 1 });
  });

  it('defaults: any failure or rollback halts', () => {
    expect(stopConditionMet({ name: 'a', rest: true }, tally('updated', 'updated'))).toBeUndefined();
    expect(stopConditionMet({ name: 'a', rest: true }, tally('updated', 'failed'))).toContain('more than max_failures 0');
    expect(stopConditionMet({ name: 'a', rest: true, max_failures: 5 }, tally('rolled-back'))).toContain('halt_on_rollback');
  });

  it('max_failures and max_failure_ratio: either one met halts; with only a ratio the count is not checked', () => {
    const w = { name: 'a', rest: true, halt_on_rollback: false };
    expect(stopConditionMet({ ...w, max_failures: 2 }, tally('failed', 'failed', 'updated'))).toBeUndefined();
    expect(stopConditionMet({ ...w, max_failures: 2, max_failure_ratio: 0.5 }, tally('failed', 'failed', 'updated'))).toContain(
      'a ratio above max_failure_ratio 0.5',
    );
    expect(stopConditionMet({ ...w, max_failure_ratio: 0.5 }, tally('failed', 'updated'))).toBeUndefined();
    expect(stopConditionMet({ ...w, max_failure_ratio: 0 }, tally('failed', 'updated', 'updated'))).toContain('ratio above');
  });
});

describe('canary pins', () => {
  it('records what updated canaries installed (not rolled-back ones), replacing older pins of the same package', () => {
    const pins = recordCanaryPins({ apt: { curl: ['7.0'], bash: ['5.1'] } }, [
      outcome(101, 'updated', [{ name: 'curl', to: '7.88.1-10+deb12u5' }]),
      outcome(102, 'rolled-back', [{ name: 'openssl', to: '3.0.99' }]),
    ]);
    expect(pins).toEqual({ apt: { curl: ['7.88.1-10+deb12u5'], bash: ['5.1'] } });
  });

  it('withholds another version than the canary installed, says whether it is newer, lets unpinned packages through', () => {
    const held = holdToCanary(
      {
        updates: [
          { name: 'curl', from: '7.0', to: '7.88.1-10+deb12u6' },
          { name: 'bash', from: '5.0', to: '5.1' },
          { name: 'zlib', from: '1.2', to: '1.3' },
          { name: 'tar', from: '1.30', to: '1.33' },
        ],
        withheld: [{ name: 'linux-image', reason: 'excluded by policy' }],
      },
      { curl: ['7.88.1-10+deb12u5'], bash: ['5.1'], tar: ['1.34'] },
    );
    expect(held.updates.map((u) => u.name)).toEqual(['bash', 'zlib']);
    expect(held.withheld).toEqual([
      { name: 'linux-image', reason: 'excluded by policy' },
      { name: 'curl', reason: "newer than the canary's (7.88.1-10+deb12u5)" },
      { name: 'tar', reason: "not the canary's version (1.34)" },
    ]);
  });
});

describe('rollout configuration', () => {
  it('refuses duplicate wave names, a wave that selects nobody, rest mixed with selectors, a soak out of range (file:line)', async () => {
    const dir = await configDir({
      'global.yml': [
        'rollout:',
        '  waves:',
        '    - name: canary',
        '      ids: [101]',
        '    - name: canary',
        '      tags: [web]',
        '    - name: empty',
        '    - name: mixed',
        '      rest: true',
        '      ids: [102]',
        '      soak: 0m',
        '',
      ].join('\n'),
    });
    const error = await configError(() => loadConfig(dir));
    expect(error.problems.map((p) => [p.line, p.path, p.message])).toEqual([
      [5, 'rollout.waves[1].name', "wave name 'canary' is used twice"],
      [7, 'rollout.waves[2]', 'the wave selects no container'],
      [9, 'rollout.waves[3].rest', 'rest: true takes every remaining container'],
      [11, 'rollout.waves[3].soak', "'0m' is out of range"],
    ]);
  });

  it('refuses unknown keys in a wave and a ratio above 1 (strict schema)', async () => {
    const dir = await configDir({
      'global.yml': 'rollout:\n  waves:\n    - name: a\n      rest: true\n      max_failure_ratio: 2\n      sok: 1h\n',
    });
    const error = await configError(() => loadConfig(dir));
    expect(error.problems.map((p) => p.path).sort()).toEqual(['rollout.waves[0].max_failure_ratio', 'rollout.waves[0].sok']);
  });
});
