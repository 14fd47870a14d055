import { UnrotError } from '@unrot/sdk';

/** Release directory names this runner accepts: plain x.y.z, so a name from `ls` can never carry anything else into argv. */
const VERSION = /^(\d{1,9})\.(\d{1,9})\.(\d{1,9})$/;

export function isVersion(name: string): boolean {
  return VERSION.test(name);
}

export function compareVersions(a: string, b: string): number {
  const pa = VERSION.exec(a)?.slice(1).map(Number) ?? [];
  const pb = VERSION.exec(b)?.slice(1).map(Number) ?? [];
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `readlink <dir>/current` prints `releases/<version>` (relative, as this runner writes it); anything else is refused. */
export function versionOfLink(target: string): string {
  const m = /^(?:.*\/)?releases\/([^/]+)\/?$/.exec(target.trim());
  const version = m?.[1];
  if (version === undefined)
    throw new UnrotError('E_RUNNER_PARSE', `current points to '${target.trim().slice(0, 200)}', not releases/<version>`);
  if (!isVersion(version)) throw new UnrotError('E_RUNNER_UNSAFE_NAME', `current points to release '${version.slice(0, 100)}', not x.y.z`);
  return version;
}

/** The newest x.y.z among the names `ls -1` printed; other names (notes, partial uploads) are ignored. */
export function newestRelease(lsOutput: string): string | undefined {
  const names = lsOutput
    .split('\n')
    .map((l) => l.trim())
    .filter(isVersion);
  return names.sort(compareVersions).at(-1);
}
