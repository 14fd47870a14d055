import { UnrotError } from '@unrot/sdk';

/** One binary as `go version -m` describes it. */
export interface BuildInfo {
  file: string;
  /** The toolchain that built it (go1.19.8). */
  goVersion: string;
  /** The main package's import path (`path` line); `command-line-arguments` for `go build x.go`. */
  path?: string;
  /** The main module (`mod` line): version `(devel)` for a build from a checkout. */
  mod?: { path: string; version: string };
  /** The main module's replacement (`=>` line after `mod`), when it has one. */
  replacedBy?: string;
}

// "FILE: go1.19.8" starts a binary; its details follow, indented with a tab, tab-separated.
const HEADER = /^(.+): (go\d[^\s]*|devel [^\n]*)$/;

/**
 * Parses `go version -m FILE|DIR…` (Go ≥ 1.13 format, measured with Go 1.19 and 1.24). Files go
 * cannot read are reported on stderr (`FILE: not executable file`, `stat FILE: no such file…`),
 * not here; a directory is walked recursively and silently skips non-Go files.
 */
export function parseBuildInfo(stdout: string): BuildInfo[] {
  const out: BuildInfo[] = [];
  let current: BuildInfo | undefined;
  let last: 'mod' | 'dep' | undefined;
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    if (!line.startsWith('\t')) {
      const m = HEADER.exec(line);
      if (!m?.[1] || !m[2])
        throw new UnrotError('E_RUNNER_PARSE', `go version -m printed an unexpected line: ${JSON.stringify(line.slice(0, 200))}`);
      current = { file: m[1], goVersion: m[2] };
      out.push(current);
      last = undefined;
      continue;
    }
    if (!current)
      throw new UnrotError('E_RUNNER_PARSE', `go version -m printed details before a file name: ${JSON.stringify(line.slice(0, 200))}`);
    const [key, ...fields] = line.slice(1).split('\t');
    if (key === 'path') current.path = fields[0] ?? '';
    else if (key === 'mod') {
      current.mod = { path: fields[0] ?? '', version: fields[1] ?? '' };
      last = 'mod';
      continue;
    } else if (key === '=>' && last === 'mod') current.replacedBy = fields.slice(0, 2).filter(Boolean).join(' ');
    last = key === 'dep' ? 'dep' : key === '=>' ? last : undefined;
  }
  return out;
}
