import { COMMAND_NAME_PATTERN, type DeclaredCommand } from '@unrot/sdk';
import type { HookCommand, RestartPolicy } from '../policy/index.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { containerLevelFiles } from './group-files.js';
import { formatPath, type KeyPath } from './key-path.js';
import type { LoadedConfig } from './load-config.js';
import { type RunnerCatalog, withOptionDefaults } from './runner-options.js';

const COMMAND_NAME = new RegExp(COMMAND_NAME_PATTERN);

/**
 * A bare allowlist entry allows argv[0] written as that bare name; an absolute entry allows
 * exactly that path. `systemctl` does not allow `/tmp/x/systemctl`: a path is never trusted
 * for its last component.
 */
export function isAllowed(argv0: string, allowlist: readonly string[]): boolean {
  return allowlist.includes(argv0);
}

const HOOK_KEYS = ['pre_update', 'post_update', 'on_rollback', 'on_failure'] as const;
type HookKey = (typeof HOOK_KEYS)[number];

function hookLists(policy: Partial<Record<HookKey, HookCommand[] | undefined>>): Partial<Record<HookKey, HookCommand[]>> {
  const lists: Partial<Record<HookKey, HookCommand[]>> = {};
  for (const key of HOOK_KEYS) {
    const list = policy[key];
    if (list) lists[key] = list;
  }
  return lists;
}

interface Block {
  file: string;
  prefix: KeyPath;
  runners?: Record<string, unknown>;
  hooks: Partial<Record<HookKey, HookCommand[]>>;
  restart?: RestartPolicy;
  optOut: boolean;
}

/**
 * Every command a policy names (pre_update/post_update/on_rollback/on_failure hooks, restart.processes[].start, and custom
 * runner commands via the runner's declaredCommands; cmd health probes are checked by
 * validateHealthPolicy with allowlistProblems) must run a binary on global.yml's command_allowlist, unless
 * the policy says allow_unlisted_commands: true. Problems name the file, line and binary.
 * Runs after validateRunnerOptions, so runner options are known to be valid here.
 */
export function validateCommandAllowlist(config: LoadedConfig, runners: RunnerCatalog): void {
  const defaults = config.global.defaults ?? {};
  const blocks: Block[] = [];
  if (config.globalFile) {
    blocks.push({
      file: config.globalFile,
      prefix: ['defaults'],
      ...(defaults.runners ? { runners: defaults.runners } : {}),
      hooks: hookLists(defaults),
      ...(defaults.restart ? { restart: defaults.restart } : {}),
      optOut: defaults.allow_unlisted_commands === true,
    });
  }
  for (const { file, policy } of containerLevelFiles(config)) {
    blocks.push({
      file,
      prefix: [],
      ...(policy.runners ? { runners: policy.runners } : {}),
      hooks: hookLists(policy),
      ...(policy.restart ? { restart: policy.restart } : {}),
      optOut: (policy.allow_unlisted_commands ?? defaults.allow_unlisted_commands) === true,
    });
  }

  const problems: ConfigProblem[] = [];
  for (const block of blocks) {
    const commands: Array<{ argv: readonly string[]; path: KeyPath }> = [];
    // A `where: host` hook runs as root on the Proxmox host: allow_unlisted_commands never opens that.
    const hostHooks: Array<{ argv: readonly string[]; path: KeyPath }> = [];
    for (const key of HOOK_KEYS) {
      for (const [i, hook] of (block.hooks[key] ?? []).entries()) {
        (hook.where === 'host' ? hostHooks : commands).push({ argv: hook.argv, path: [...block.prefix, key, i, 'argv'] });
      }
    }
    problems.push(...allowlistProblems(config, block.file, hostHooks, false));
    // A process restart's `start` command is written by the admin and runs as root, like a hook.
    for (const [i, proc] of (block.restart?.processes ?? []).entries()) {
      if (proc.start) commands.push({ argv: proc.start, path: [...block.prefix, 'restart', 'processes', i, 'start'] });
    }
    for (const [id, options] of Object.entries(block.runners ?? {})) {
      const entry = runners.get(id);
      if (id === 'os' || !entry?.declaredCommands) continue;
      const declared: DeclaredCommand[] = entry.declaredCommands(withOptionDefaults(entry, options));
      for (const cmd of declared) commands.push({ argv: cmd.argv, path: [...block.prefix, 'runners', id, ...cmd.path] });
    }
    problems.push(...allowlistProblems(config, block.file, commands, block.optOut));
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Whether a policy block in `file` may run binaries that are not on command_allowlist:
 * `prefix` [] is a container file (its own allow_unlisted_commands, else the defaults'),
 * ['defaults'] is global.yml's defaults block.
 */
export function allowsUnlisted(config: LoadedConfig, file: string): boolean {
  const defaults = config.global.defaults?.allow_unlisted_commands;
  if (file === config.globalFile) return defaults === true;
  const policy = containerLevelFiles(config).find((c) => c.file === file)?.policy;
  return (policy?.allow_unlisted_commands ?? defaults) === true;
}

/**
 * The problems of commands found in one file: argv[0] must be a command name or an absolute
 * path, and on command_allowlist unless `optOut`. Each problem points at argv[0] (file, line, key path).
 * Shared by hooks, restart commands, custom runner steps and probes that run commands (cmd).
 */
export function allowlistProblems(
  config: LoadedConfig,
  file: string,
  commands: ReadonlyArray<{ argv: readonly string[]; path: KeyPath }>,
  optOut: boolean,
): ConfigProblem[] {
  const allowlist = config.global.command_allowlist ?? [];
  const globalName = config.globalFile ?? 'global.yml';
  const problems: ConfigProblem[] = [];
  for (const { argv, path } of commands) {
    const argv0 = argv[0] ?? '';
    const at = [...path, 0];
    const pos = config.locate(file, at);
    const where = { file, ...(pos && { line: pos.line, column: pos.column }), path: formatPath(at) };
    if (!COMMAND_NAME.test(argv0)) {
      problems.push({
        ...where,
        message: `'${argv0}' is not a command name or an absolute path`,
        expected: 'argv[0] as a bare command name or an absolute path, without shell characters',
      });
    } else if (!optOut && !isAllowed(argv0, allowlist)) {
      problems.push({
        ...where,
        message: `binary '${argv0}' is not on command_allowlist in ${globalName}`,
        expected: `add '${argv0}' to command_allowlist, or set allow_unlisted_commands: true in this policy`,
      });
    }
  }
  return problems;
}
