import { UnrotError } from '@unrot/sdk';

// Go's module.CheckPath rules, narrowed: lower-case-first host element with a dot, then path
// elements of [A-Za-z0-9._~+-] not starting with a dot or dash. Anything else never reaches argv.
const ELEMENT = /^[A-Za-z0-9_~+][A-Za-z0-9._~+-]*$/;
const FIRST = /^[a-z0-9][a-z0-9.-]*$/;
/** Semantic versions as Go writes them (v1.2.3, v1.2.3-pre.1, pseudo-versions, +incompatible). */
const VERSION = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
/** Absolute paths with no shell or control characters and no `..` element. */
const SAFE_PATH = /^\/(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._+@/-]*$/;

export function isModulePath(path: string): boolean {
  if (path.length === 0 || path.length > 500) return false;
  const [first, ...rest] = path.split('/');
  return FIRST.test(first ?? '') && !(first ?? '').startsWith('.') && rest.every((e) => ELEMENT.test(e) && !e.endsWith('.'));
}

/** A module or package path from go's output, checked before it can enter argv. */
export function assertModulePath(path: string): string {
  if (!isModulePath(path))
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `refusing Go module/package path ${JSON.stringify(path.slice(0, 300))}`, {
      name: path.slice(0, 300),
    });
  return path;
}

export function isGoVersion(version: string): boolean {
  return version.length <= 200 && VERSION.test(version);
}

export function assertGoVersion(path: string, version: string): string {
  if (!isGoVersion(version))
    throw new UnrotError(
      'E_RUNNER_UNSAFE_NAME',
      `refusing version ${JSON.stringify(version.slice(0, 100))} of ${path}: not a Go semantic version`,
      {
        name: path,
      },
    );
  return version;
}

export function assertSafePath(path: string, what: string): string {
  if (path.length > 4096 || !SAFE_PATH.test(path))
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `refusing ${what} ${JSON.stringify(path.slice(0, 300))}: not a plain absolute path`, {
      name: path.slice(0, 300),
    });
  return path;
}
