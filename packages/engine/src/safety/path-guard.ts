import { UnrotError } from '@unrot/sdk';

/**
 * Policy `exclusions.paths`: files an update must never change. Their state is read in ONE exec
 * before the runners apply and in one after (issue 16 counts execs); any difference fails the
 * update (E_PATH_CHANGED) and the safety net rolls it back.
 *
 * A constant POSIX sh script (dash, bash, busybox ash): the paths reach it as positional
 * parameters, never as script text. It prints one line per path, in order:
 *   sha256:HEX    a regular file (symlinks followed), its content hash (`sha256sum < FILE`, so the
 *                 name never appears in the output)
 *   absent        nothing there (creating the file is a change too)
 *   directory     a directory (its content is not hashed: guard the files in it)
 *   special       a device, FIFO or socket (never read: it could block)
 *   broken-link   a symbolic link to nothing
 *   unreadable    sha256sum could not read it
 * Without sha256sum (coreutils or busybox) it exits 127 before printing anything: a guard that
 * cannot hash must not pass silently.
 */
export const PATH_STATE_SCRIPT = [
  "command -v sha256sum >/dev/null 2>&1 || { echo 'sha256sum: not found' >&2; exit 127; }",
  'for p do',
  '  if [ -f "$p" ]; then',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: sh's own ${h%% *} (the hash before sha256sum's "  -"), not a JS template
  '    if h=$(sha256sum < "$p" 2>/dev/null); then echo "sha256:${h%% *}"; else echo unreadable; fi',
  '  elif [ -d "$p" ]; then echo directory',
  '  elif [ -e "$p" ]; then echo special',
  '  elif [ -L "$p" ]; then echo broken-link',
  '  else echo absent',
  '  fi',
  'done',
].join('\n');

/** `sh -c SCRIPT unrot-paths PATH…` ($0 names the script in sh's own messages). */
export const pathStateArgv = (paths: readonly string[]): string[] => ['sh', '-c', PATH_STATE_SCRIPT, 'unrot-paths', ...paths];

const STATE = /^(sha256:[0-9a-f]{64}|absent|directory|special|broken-link|unreadable)$/;

/**
 * The script's stdout → one state per path. Every byte from a container is untrusted: anything
 * but exactly one known state line per path is refused (E_HOST_OUTPUT), never guessed at.
 */
export function parsePathStates(stdout: string, paths: readonly string[]): string[] {
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const bad = lines.findIndex((l) => !STATE.test(l));
  if (lines.length !== paths.length || bad >= 0) {
    const which = bad >= 0 ? ` (line ${bad + 1} is ${JSON.stringify((lines[bad] ?? '').slice(0, 120))})` : '';
    throw new UnrotError('E_HOST_OUTPUT', `exclusions.paths: expected ${paths.length} state line(s), got ${lines.length}${which}`);
  }
  return lines;
}

export interface GuardedPath {
  path: string;
  before?: string;
  after?: string;
}

/** States that prove nothing about the content: the update cannot be guarded, so it does not start. */
export function unguardable(paths: readonly GuardedPath[]): GuardedPath[] {
  return paths.filter((p) => p.before === 'unreadable');
}

/** The paths whose state after the update differs from the state before it. */
export function changedPaths(paths: readonly GuardedPath[]): GuardedPath[] {
  return paths.filter((p) => p.after !== p.before);
}

/** E_PATH_CHANGED naming every changed path with its state before and after. */
export function pathChangedError(changed: readonly GuardedPath[]): UnrotError {
  const what = changed.map((p) => `${p.path}: ${p.before ?? '?'} → ${p.after ?? '?'}`).join('; ');
  return new UnrotError('E_PATH_CHANGED', `the update changed ${changed.length} guarded path(s) (exclusions.paths): ${what}`, {
    paths: changed.map((p) => ({ path: p.path, before: p.before, after: p.after })),
  });
}
