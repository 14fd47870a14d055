import { UnrotError } from '@unrot/sdk';

/** One thing wrong with the configuration, pointing at the exact place to fix it. */
export interface ConfigProblem {
  file: string;
  /** 1-based; absent when the problem is about the file as a whole (e.g. its name). */
  line?: number;
  column?: number;
  /** Dotted key path, `[n]` for list items; '' for the whole file. */
  path: string;
  message: string;
  expected?: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  const key = p.path === '' ? '' : ` ${p.path}`;
  const expected = p.expected === undefined ? '' : ` (expected ${p.expected})`;
  return `${where}${key}: ${p.message}${expected}`;
}

/** Collects every problem of a load so an admin fixes them in one pass, not one per run. */
export class ConfigError extends UnrotError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[], heading?: string) {
    const sorted = sortProblems(problems);
    const title = heading ?? `invalid configuration (${sorted.length} problem${sorted.length === 1 ? '' : 's'})`;
    super('E_CONFIG', [title, ...sorted.map((p) => `  ${formatProblem(p)}`)].join('\n'), { problems: sorted });
    this.name = 'UnrotError';
    this.problems = sorted;
  }
}

/** Stable order: by file, then position, so messages and tests do not depend on I/O timing. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}
