/**
 * Go's semantic import versioning: from v2 on, a module's path ends in /vN (gopkg.in uses .vN),
 * so the next major release is another module. These helpers say which path that is, and which
 * file name `go install` gives a package's binary.
 */
const SUFFIX = /^(.*)\/v([2-9]|[1-9]\d+)$/;

export function splitMajorSuffix(modulePath: string): { prefix: string; major: number } {
  const m = SUFFIX.exec(modulePath);
  return m ? { prefix: m[1] ?? modulePath, major: Number(m[2]) } : { prefix: modulePath, major: 1 };
}

/** The module path of the next major version, or undefined where Go has no such rule (gopkg.in). */
export function nextMajorPath(modulePath: string): string | undefined {
  if (modulePath.startsWith('gopkg.in/')) return undefined;
  const { prefix, major } = splitMajorSuffix(modulePath);
  return `${prefix}/v${major + 1}`;
}

/** The package path inside another module path: the same directory below the module root. */
export function packageInModule(packagePath: string, fromModule: string, toModule: string): string | undefined {
  if (packagePath === fromModule) return toModule;
  if (!packagePath.startsWith(`${fromModule}/`)) return undefined;
  return `${toModule}${packagePath.slice(fromModule.length)}`;
}

/** The file name go install writes: the last path element, or the one before a /vN major suffix (cmd/go's "go install" naming). */
export function installName(packagePath: string): string {
  const elems = packagePath.split('/');
  const last = elems.at(-1) ?? packagePath;
  if (elems.length > 1 && /^v([2-9]|[1-9]\d+)$/.test(last)) return elems.at(-2) ?? last;
  return last;
}
