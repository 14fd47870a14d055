import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { allowlistProblems, allowsUnlisted } from '../config/command-allowlist.js';
import { ConfigError, type ConfigProblem } from '../config/config-error.js';
import { containerLevelFiles } from '../config/group-files.js';
import { formatPath, type KeyPath } from '../config/key-path.js';
import type { LoadedConfig } from '../config/load-config.js';
import { schemaProblems } from '../config/schema-problems.js';
import { type HealthCheckPolicySchema, type RestartPolicy, restartProblems } from '../policy/index.js';
import type { ProbeEntry } from './discover-probes.js';
import { healthCheckName, resolveHealthCheck, scheduleProblems } from './policy-schema.js';

type CheckPolicy = Static<typeof HealthCheckPolicySchema>;

/**
 * Checks every `health_checks:` list (global `defaults` and each container's) against the
 * installed probes, like runner options: unknown probe ids, each probe's options against its
 * own schema (defaults applied first), schedule rules JSON schema cannot state, and duplicate
 * check names; the commands a probe declares (cmd: argv) against command_allowlist; and every
 * `restart:` block for rules its schema cannot state (restartProblems).
 * Throws one ConfigError with every problem (file, line, key path).
 */
export function validateHealthPolicy(config: LoadedConfig, probes: ReadonlyMap<string, ProbeEntry>): void {
  const problems: ConfigProblem[] = [];
  const installed = [...probes.keys()].sort().join(', ') || 'none';

  const check = (file: string, list: readonly CheckPolicy[] | undefined, prefix: KeyPath): void => {
    if (!list) return;
    const at = (path: KeyPath, key = false) => {
      const pos = config.locate(file, path, { key });
      return { file, ...(pos && { line: pos.line, column: pos.column }), path: formatPath(path) };
    };
    const site = { file, locate: (p: KeyPath, opts?: { key?: boolean }) => config.locate(file, p, opts) };
    const seen = new Map<string, number>();
    for (const [i, raw] of list.entries()) {
      const path = [...prefix, i];
      const name = healthCheckName(raw, i);
      const first = seen.get(name);
      if (first !== undefined)
        problems.push({
          ...at([...path, raw.name ? 'name' : 'probe']),
          message: `check name '${name}' is used twice (first at item ${first + 1})`,
          expected: 'a unique name per check',
        });
      seen.set(name, i);
      const entry = probes.get(raw.probe);
      if (!entry)
        problems.push({
          ...at([...path, 'probe']),
          message: `unknown probe '${raw.probe}' (installed: ${installed})`,
          expected: 'the id of an installed probe plugin',
        });
      else {
        const options = Value.Default(entry.optionsSchema, Value.Clone(raw.options ?? {}));
        const optionProblems = schemaProblems(entry.optionsSchema, options, site, [...path, 'options']);
        problems.push(...optionProblems);
        // A probe's own commands (cmd: argv) run in the container before the backup, so they
        // answer to command_allowlist like hooks do; only once the options are known to be valid.
        if (optionProblems.length === 0 && entry.declaredCommands) {
          const commands = entry.declaredCommands(options).map((c) => ({ argv: c.argv, path: [...path, 'options', ...c.path] }));
          problems.push(...allowlistProblems(config, file, commands, allowsUnlisted(config, file)));
        }
      }
      for (const message of scheduleProblems(resolveHealthCheck(raw).schedule))
        problems.push({ ...at([...path, 'schedule']), message, expected: 'a schedule whose thresholds fit its attempts' });
    }
  };

  const restart = (file: string, block: RestartPolicy | undefined, prefix: KeyPath): void => {
    for (const problem of restartProblems(block ?? {})) {
      const path = [...prefix, ...problem.path];
      const pos = config.locate(file, path);
      problems.push({
        file,
        ...(pos && { line: pos.line, column: pos.column }),
        path: formatPath(path),
        message: problem.message,
        expected: problem.expected,
      });
    }
  };

  if (config.globalFile) {
    check(config.globalFile, config.global.defaults?.health_checks, ['defaults', 'health_checks']);
    restart(config.globalFile, config.global.defaults?.restart, ['defaults', 'restart']);
  }
  for (const { file, policy } of containerLevelFiles(config)) {
    check(file, policy.health_checks, ['health_checks']);
    restart(file, policy.restart, ['restart']);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
