import type { Recording, RunnerScenario } from '@unrot/sdk/testing';
import applyFailureApk3 from './fixtures/apply-failure.apk3.json' with { type: 'json' };
import applyFailure from './fixtures/apply-failure.json' with { type: 'json' };
import scenariosApk3 from './fixtures/contract-scenarios.apk3.json' with { type: 'json' };
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };
import worldEffectsApk3 from './fixtures/world-effects.apk3.json' with { type: 'json' };
import worldEffects from './fixtures/world-effects.json' with { type: 'json' };

export const all = scenarios as RunnerScenario[];

/** The recordings of each apk-tools version, with what that version prints where the tests look. */
export const SETS = [
  {
    tool: 'apk-tools 2.14.10',
    scenarios: scenarios as RunnerScenario[],
    applyFailure,
    worldEffects,
    words: {
      unreachable: 'could not connect to server',
      corrupt: 'IO ERROR',
      script: 'ERROR: unrot-sandbox-broken-1.1-r0.post-upgrade: script exited with error 1',
      summary: 'OK: 0 MiB in 6 packages',
      errorSummary: '1 error; 0 MiB in 6 packages',
    },
  },
  {
    tool: 'apk-tools 3.0.6',
    scenarios: scenariosApk3 as RunnerScenario[],
    applyFailure: applyFailureApk3,
    worldEffects: worldEffectsApk3,
    words: {
      unreachable: 'Connection refused',
      corrupt: 'file format is invalid or inconsistent',
      script: 'ERROR: lib/apk/exec/unrot-sandbox-broken-1.1-r0.post-upgrade: exited with error 1',
      summary: 'OK: 42 B in 6 packages',
      errorSummary: '1 error; 42 B in 6 packages',
    },
  },
];

export function scenario(name: string, from: readonly RunnerScenario[] = all): RunnerScenario {
  const s = from.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}

/** The first recording (in the given phase) whose argv starts with `prefix`. */
export function recording(s: RunnerScenario, prefix: readonly string[], phase = 'check'): Recording {
  const r = s.recordings.find((x) => x.phase === phase && prefix.every((p, i) => x.argv[i] === p));
  if (!r) throw new Error(`${s.name}: no ${phase} recording of ${prefix.join(' ')}`);
  return r;
}
