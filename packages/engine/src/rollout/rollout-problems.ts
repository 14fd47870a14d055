import type { ConfigProblem } from '../config/config-error.js';
import { formatPath, type KeyPath } from '../config/key-path.js';
import type { ProblemSite } from '../config/schema-problems.js';
import type { RolloutPolicy } from '../policy/rollout-schema.js';
import { parseDuration } from '../schedule/duration.js';

const MAX_SOAK_MS = 30 * 24 * 3_600_000;

/** What the schema cannot say: unique wave names, every wave selects someone, a soak of 1m–30d. Expects a value the schema accepted. */
export function rolloutProblems(rollout: RolloutPolicy, site: ProblemSite): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const at = (path: KeyPath, message: string, expected: string) => {
    const full: KeyPath = ['rollout', 'waves', ...path];
    problems.push({ file: site.file, ...site.locate(full), path: formatPath(full), message, expected });
  };
  const seen = new Set<string>();
  rollout.waves.forEach((wave, i) => {
    if (seen.has(wave.name)) at([i, 'name'], `wave name '${wave.name}' is used twice`, 'a name of its own for every wave');
    seen.add(wave.name);
    const selects = (wave.tags?.length ?? 0) + (wave.names?.length ?? 0) + (wave.ids?.length ?? 0) > 0;
    if (!selects && wave.rest !== true) at([i], 'the wave selects no container', 'tags, names, ids or rest: true');
    if (selects && wave.rest === true) at([i, 'rest'], 'rest: true takes every remaining container', 'either rest: true or tags/names/ids');
    if (wave.soak !== undefined) {
      const ms = parseDuration(wave.soak);
      if (ms <= 0 || ms > MAX_SOAK_MS) at([i, 'soak'], `'${wave.soak}' is out of range`, 'a duration from 1m to 30d');
    }
  });
  return problems;
}
