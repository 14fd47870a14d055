/**
 * The exec handle the engine gives a plugin. It runs argv arrays inside one
 * container (never a shell string) and splits commands in two kinds:
 * - read():   inspects state; runs in dry-run too.
 * - change(): changes state; in dry-run it is recorded and NOT run.
 * The engine owns the implementation, so dry-run cannot be forgotten by a plugin.
 */
/** Per-command settings for Exec.read and Exec.change. */
export interface ExecOptions {
  /** Kill the command after this many milliseconds (the engine applies a default). */
  timeoutMs?: number;
  /** Exit codes that count as success; default [0]. Others throw E_EXEC_FAILED. */
  okExitCodes?: readonly number[];
  /** Data written to the command's stdin. */
  input?: string;
}

/** What a command returned (also what dry-run pretends for a recorded change). */
export interface ExecResult {
  argv: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** True when the command was recorded instead of run (dry-run). */
  dryRun: boolean;
}

/** read: inspects, runs in dry-run too; change: changes state, only recorded in dry-run. */
export type CommandKind = 'read' | 'change';

/** One command as the engine logs it (the `exec` event, the contract kit's record). */
export interface ExecRecord {
  kind: CommandKind;
  argv: readonly string[];
  /** False when dry-run recorded the command without running it. */
  executed: boolean;
  exitCode?: number;
  durationMs?: number;
}

/** Runs argv arrays inside the container; see the file comment for read vs change. */
export interface Exec {
  readonly dryRun: boolean;
  read(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  change(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

/**
 * argv[0] of a command an admin writes into a policy (hooks, custom runner steps): a bare command
 * name (looked up on the container's PATH) or an absolute path. The engine checks such binaries
 * against its command allowlist; a runner whose options name commands validates them with this.
 */
export const COMMAND_NAME_PATTERN = '^(/[A-Za-z0-9_.+@/-]+|[A-Za-z0-9_.+@-]+)$';
