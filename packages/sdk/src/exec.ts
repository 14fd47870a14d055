/**
 * The exec handle the engine gives a plugin. It runs argv arrays inside one
 * container (never a shell string) and splits commands in two kinds:
 * - read():   inspects state; runs in dry-run too.
 * - change(): changes state; in dry-run it is recorded and NOT run.
 * The engine owns the implementation, so dry-run cannot be forgotten by a plugin.
 */
export interface ExecOptions {
  /** Kill the command after this many milliseconds (the engine applies a default). */
  timeoutMs?: number;
  /** Exit codes that count as success; default [0]. Others throw E_EXEC_FAILED. */
  okExitCodes?: readonly number[];
  /** Data written to the command's stdin. */
  input?: string;
}

export interface ExecResult {
  argv: readonly string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** True when the command was recorded instead of run (dry-run). */
  dryRun: boolean;
}

export type CommandKind = 'read' | 'change';

export interface ExecRecord {
  kind: CommandKind;
  argv: readonly string[];
  /** False when dry-run recorded the command without running it. */
  executed: boolean;
  exitCode?: number;
  durationMs?: number;
}

export interface Exec {
  readonly dryRun: boolean;
  read(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  change(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

/** Characters a shell would interpret. An argv element never goes through a shell, but
 * names that flow from package-manager output into argv are checked with this anyway. */
export const SHELL_METACHARACTERS = /[\s;&|`$()<>\\'"*?[\]{}!#~]/;

export function hasShellMetacharacters(value: string): boolean {
  return SHELL_METACHARACTERS.test(value);
}
