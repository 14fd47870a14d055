import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Exec, type Logger, UnrotError, type Update } from '@unrot/sdk';
import { hostToolEnv } from '../host/pct-host.js';
import { runTool } from '../host/run-tool.js';
import { HOOK_VETO_EXIT_CODE, type HookCommand } from '../policy/commands-schema.js';
import { CONTEXT_PATH, WRITE_CONTEXT_SCRIPT } from './hook-context-script.js';
import { outputTail } from './output-tail.js';

/** Which hook list runs; also UNROT_PHASE. */
export type HookPhase = 'pre_update' | 'post_update' | 'on_rollback' | 'on_failure';

/** One package in the hook context (UNROT_CONTEXT): the runner that owns it and the Update fields. */
export interface HookUpdate {
  runner: string;
  scope?: string;
  name: string;
  from: string | null;
  to: string;
}

/** The JSON file UNROT_CONTEXT names (docs/scheduling.md, "Hooks"). */
export interface HookContext {
  version: 1;
  ctid: number;
  runId: string;
  phase: HookPhase;
  /** What the runners' plans will install (pre_update) or were to install. */
  planned: HookUpdate[];
  /** What the runners' apply read back as changed; empty before apply. */
  changed: HookUpdate[];
  /** on_rollback / on_failure: the failure that ended the update. */
  failure?: { step: string; code: string; message: string };
  /** on_rollback / on_failure: whether the container was restored to its backup. */
  rolledBack?: boolean;
}

/** One hook's entry in the report, filled in as it runs. */
export interface HookEntry {
  exitCode?: number;
  durationMs?: number;
  vetoed?: boolean;
  warning?: string;
}

export interface HookRunDeps {
  vmid: number;
  /** The engine exec with change() allowed: hooks change the container. */
  exec: Exec;
  /** argv[0] of a `where: host` hook must be on it. */
  hostAllowlist: readonly string[];
  defaultTimeoutMs: number;
  signal: AbortSignal;
  log: Logger;
}

/** How a list ended: every hook exited 0, one vetoed (pre_update, exit 75), or one failed. */
export type HookListResult =
  | { kind: 'ok' }
  | { kind: 'vetoed'; hook: HookCommand; reason: string }
  | { kind: 'failed'; hook: HookCommand; error: UnrotError };

export const hookUpdates = (runner: string, updates: readonly Update[]): HookUpdate[] =>
  updates.map((u) => ({ runner, ...(u.scope !== undefined ? { scope: u.scope } : {}), name: u.name, from: u.from, to: u.to }));

/** Values passed as NAME=VALUE argv to `env`: plain, so no hook sees a surprise. */
const ENV_VALUE = /^[A-Za-z0-9_./:+-]*$/;

const HOST_HOOK_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Runs one hook list in order with its context: UNROT_CTID, UNROT_RUN_ID, UNROT_PHASE and
 * UNROT_CONTEXT (a JSON file, in the container for container hooks, on the host for host hooks,
 * written before the first hook that needs it and removed after the list). Stops at the first
 * hook that does not exit 0. `entries[i]` gets hook i's exit code and duration as it finishes.
 */
export async function runHookList(
  list: readonly HookCommand[],
  context: HookContext,
  deps: HookRunDeps,
  entries: HookEntry[],
): Promise<HookListResult> {
  // container: the path, or null when it could not be written (the hooks run without UNROT_CONTEXT).
  const files: { container?: string | null; host?: string } = {};
  try {
    for (const [i, hook] of list.entries()) {
      const entry = entries[i] ?? {};
      const where = hook.where ?? 'container';
      let result: { exitCode: number; stdout: string; stderr: string; durationMs: number };
      try {
        if (where === 'host') {
          assertHostAllowed(hook, deps.hostAllowlist);
          files.host ??= await writeHostContext(context);
          result = await runHostHook(hook, context, files.host, deps);
        } else {
          if (files.container === undefined) files.container = await writeContainerContext(context, deps);
          result = await deps.exec.change(withEnv(hook.argv, context, files.container ?? undefined), {
            timeoutMs: hook.timeout ? hook.timeout * 1000 : deps.defaultTimeoutMs,
            okExitCodes: ALL_EXIT_CODES,
          });
        }
      } catch (error) {
        // Could not run at all (context not written, allowlist, timeout, container gone).
        const e = error instanceof UnrotError ? error : new UnrotError('E_HOOK_FAILED', String(error));
        return { kind: 'failed', hook, error: e };
      }
      Object.assign(entry, { exitCode: result.exitCode, durationMs: result.durationMs });
      if (result.exitCode === 0) continue;
      if (context.phase === 'pre_update' && result.exitCode === HOOK_VETO_EXIT_CODE) {
        entry.vetoed = true;
        return { kind: 'vetoed', hook, reason: lastLine(result.stderr) ?? lastLine(result.stdout) ?? 'no reason given' };
      }
      const stderr = result.stderr.trim();
      return {
        kind: 'failed',
        hook,
        error: new UnrotError(
          'E_HOOK_FAILED',
          `${context.phase.replace('_', '-')} hook ${JSON.stringify(hook.argv)} exited ${result.exitCode}${stderr ? `: ${stderr.slice(-500)}` : ''}`,
          { argv: hook.argv, exitCode: result.exitCode, output: outputTail(result.stdout, result.stderr) },
        ),
      };
    }
    return { kind: 'ok' };
  } finally {
    await removeContexts(files, deps);
  }
}

/** `env NAME=VALUE… argv…`: pct exec has no env option, so `env` as argv[0] carries the context (no shell). */
export function withEnv(argv: readonly string[], context: HookContext, contextPath: string | undefined): string[] {
  const vars = hookEnv(context, contextPath);
  // `env` would take an argv[0] holding '=' for one more variable; command names never hold one.
  if ((argv[0] ?? '').includes('=')) throw new UnrotError('E_CONFIG', `hook command '${argv[0]}' is not a command name`);
  return ['env', ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), ...argv];
}

function hookEnv(context: HookContext, contextPath: string | undefined): Record<string, string> {
  const vars = {
    UNROT_CTID: String(context.ctid),
    UNROT_RUN_ID: context.runId,
    UNROT_PHASE: context.phase,
    ...(contextPath !== undefined ? { UNROT_CONTEXT: contextPath } : {}),
  };
  for (const [k, v] of Object.entries(vars)) {
    if (!ENV_VALUE.test(v)) throw new UnrotError('E_INTERNAL', `hook variable ${k} has an unexpected value`, { [k]: v });
  }
  return vars;
}

/**
 * The context file in the container, or null when it cannot be written (no `sh` or `mktemp`, /run
 * and /tmp read-only): hooks that worked before hooks had a context keep working, without
 * UNROT_CONTEXT, and the log says why.
 */
async function writeContainerContext(context: HookContext, deps: HookRunDeps): Promise<string | null> {
  // A read-kind exec: the file is unrot's own scratch space, removed after the list; the hooks are the changes.
  const res = await deps.exec.read(['sh', '-c', WRITE_CONTEXT_SCRIPT], {
    input: `${JSON.stringify(context, null, 2)}\n`,
    okExitCodes: ALL_EXIT_CODES,
    timeoutMs: Math.min(deps.defaultTimeoutMs, 60_000),
  });
  const path = res.stdout.trim();
  if (res.exitCode === 0 && CONTEXT_PATH.test(path)) return path;
  deps.log.warn(
    { vmid: deps.vmid, phase: context.phase, exitCode: res.exitCode, output: outputTail(res.stdout, res.stderr) },
    'could not write the hook context file in the container; its hooks run without UNROT_CONTEXT',
  );
  return null;
}

async function writeHostContext(context: HookContext): Promise<string> {
  // mkdtemp: a fresh 0700 directory with an unpredictable name; the file in it is 0600.
  const dir = await mkdtemp(join(tmpdir(), 'unrot-hook-'));
  const path = join(dir, 'context.json');
  await writeFile(path, `${JSON.stringify(context, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(path, 0o600);
  return path;
}

async function removeContexts(files: { container?: string | null; host?: string }, deps: HookRunDeps): Promise<void> {
  if (files.host) await rm(join(files.host, '..'), { recursive: true, force: true });
  if (typeof files.container === 'string') {
    try {
      await deps.exec.read(['rm', '-f', '--', files.container], { okExitCodes: ALL_EXIT_CODES, timeoutMs: 30_000 });
    } catch (error) {
      deps.log.warn({ path: files.container, err: String(error) }, 'could not remove the hook context file');
    }
  }
}

async function runHostHook(
  hook: HookCommand,
  context: HookContext,
  contextPath: string,
  deps: HookRunDeps,
): Promise<{ exitCode: number; stdout: string; stderr: string; durationMs: number }> {
  assertHostAllowed(hook, deps.hostAllowlist);
  const env = hostToolEnv(HOST_HOOK_PATH, hookEnv(context, contextPath));
  const res = await runTool(hook.argv, {
    env,
    timeoutMs: hook.timeout ? hook.timeout * 1000 : deps.defaultTimeoutMs,
    signal: deps.signal,
    maxOutputBytes: 1024 * 1024,
    killGraceMs: 5000,
    drainMs: 2000,
  });
  deps.log.info({ runner: 'hook', host: true, argv: hook.argv, exitCode: res.exitCode, durationMs: res.durationMs }, 'host hook ran');
  if (res.exitCode !== 0)
    deps.log.warn({ runner: 'hook', argv: hook.argv, output: outputTail(res.stdout, res.stderr) }, 'host hook exited non-zero');
  return res;
}

/** Checked by `unrot validate` already; again here because a host hook runs as root on the host. */
function assertHostAllowed(hook: HookCommand, allowlist: readonly string[]): void {
  const argv0 = hook.argv[0] ?? '';
  // Exactly as config/command-allowlist.ts isAllowed: a bare name or the exact absolute path.
  if (!allowlist.includes(argv0)) {
    throw new UnrotError('E_CONFIG', `host hook binary '${argv0}' is not on command_allowlist; it was not run`, { argv: hook.argv });
  }
}

/** The hook's own reason: its last non-empty output line, control characters dropped, capped. */
function lastLine(text: string): string | undefined {
  const line = text
    .split('\n')
    .map((l) => l.replace(/[\p{Cc}]/gu, ' ').trim())
    .filter((l) => l !== '')
    .pop();
  return line === undefined ? undefined : line.slice(0, 300);
}

// Every exit code comes back here: the caller tells a veto (75) from a failure.
const ALL_EXIT_CODES = Array.from({ length: 256 }, (_, i) => i);
