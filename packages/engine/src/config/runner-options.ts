import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { DeclaredCommand, OptionsProblem } from '@unrot/sdk';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { containerLevelFiles } from './group-files.js';
import { formatPath, type KeyPath } from './key-path.js';
import type { LoadedConfig } from './load-config.js';
import { schemaProblems } from './schema-problems.js';

export interface RunnerCatalogEntry {
  id: string;
  kind: 'os' | 'app';
  optionsSchema: TSchema;
  /** The commands its options name (custom steps), for the command allowlist. */
  declaredCommands?: (options: unknown) => DeclaredCommand[];
  /** Rules its schema cannot express (Runner.validateOptions). */
  validateOptions?: (options: unknown) => OptionsProblem[];
}

export type RunnerCatalog = ReadonlyMap<string, RunnerCatalogEntry>;

/** Remembers the catalog a config was validated against, so effectivePolicy can apply option defaults. */
const validatedCatalogs = new WeakMap<LoadedConfig, RunnerCatalog>();

export function catalogOf(config: LoadedConfig): RunnerCatalog | undefined {
  return validatedCatalogs.get(config);
}

export const DEFAULT_OS_RUNNER = 'apt';

/** Options as a runner sees them: the plugin schema's defaults filled in. */
export function withOptionDefaults(entry: RunnerCatalogEntry | undefined, options: unknown): unknown {
  const value = Value.Clone(options ?? {});
  return entry ? Value.Default(entry.optionsSchema, value) : value;
}

/**
 * Checks every `runners:` block (global `defaults.runners` and each container's) against the
 * installed plugins: unknown ids, an `os:` that names no installed runner of kind 'os' (the list
 * of os runners is whatever plugins are installed, not fixed by the engine), and each runner's options
 * against its own optionsSchema (defaults applied first). Throws one ConfigError with all problems.
 */
export function validateRunnerOptions(config: LoadedConfig, runners: RunnerCatalog): void {
  const problems: ConfigProblem[] = [];
  const installed = [...runners.keys()].sort().join(', ') || 'none';
  const installedOs =
    [...runners.values()]
      .filter((r) => r.kind === 'os')
      .map((r) => r.id)
      .sort()
      .join(', ') || 'none';
  const globalBlock = config.global.defaults?.runners;
  const globalOs = globalBlock?.os ?? DEFAULT_OS_RUNNER;

  const check = (file: string, block: Record<string, unknown> | undefined, prefix: KeyPath, osId: string): void => {
    if (!block) return;
    const at = (path: KeyPath, key = false) => {
      const pos = config.locate(file, path, { key });
      return { file, ...(pos && { line: pos.line, column: pos.column }), path: formatPath(path) };
    };
    const os = block['os'];
    // `os:` is open: any installed runner that declares kind 'os' (a third party's too), or none.
    if (typeof os === 'string' && os !== 'none') {
      const entry = runners.get(os);
      if (entry?.kind !== 'os')
        problems.push({
          ...at([...prefix, 'os']),
          message: entry
            ? `'${os}' is an app runner, not an os runner (installed os runners: ${installedOs})`
            : `os runner '${os}' is not installed (installed os runners: ${installedOs})`,
          expected: 'the id of an installed os runner, or none',
        });
    }
    for (const [id, options] of Object.entries(block)) {
      if (id === 'os') continue;
      const path = [...prefix, id];
      const entry = runners.get(id);
      if (!entry) {
        problems.push({
          ...at(path, true),
          message: `unknown runner '${id}' (installed: ${installed})`,
          expected: 'the id of an installed runner plugin',
        });
        continue;
      }
      if (entry.kind === 'os' && id !== osId) {
        problems.push({
          ...at(path, true),
          message: `'${id}' is an os runner, but this file's os runner is '${osId}'`,
          expected: `options only for the os runner in use; select it with 'os: ${id}'`,
        });
        continue;
      }
      const site = { file, locate: (p: KeyPath, opts?: { key?: boolean }) => config.locate(file, p, opts) };
      const found = schemaProblems(entry.optionsSchema, withOptionDefaults(entry, options), site, path);
      problems.push(...found);
      // The runner's own rules run only on options its schema accepted.
      if (found.length === 0 && entry.validateOptions) {
        for (const p of entry.validateOptions(withOptionDefaults(entry, options))) {
          const pos = config.locate(file, [...path, ...p.path]);
          problems.push({
            file,
            ...(pos && { line: pos.line, column: pos.column }),
            path: formatPath([...path, ...p.path]),
            message: p.message,
          });
        }
      }
    }
  };

  if (config.globalFile) check(config.globalFile, globalBlock, ['defaults', 'runners'], globalOs);
  for (const { file, policy } of containerLevelFiles(config)) {
    check(file, policy.runners, ['runners'], policy.runners?.os ?? globalOs);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  validatedCatalogs.set(config, runners);
}
