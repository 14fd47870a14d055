import { type CheckResult, type Exec, isExcluded, UnrotError, type Update } from '@unrot/sdk';
import { scanBinaries } from './binaries.js';
import { goArgv } from './go-argv.js';
import { saysModuleAbsent } from './go-errors.js';
import { installName, nextMajorPath, packageInModule } from './module-path.js';
import { assertGoVersion, assertModulePath, assertSafePath } from './names.js';
import type { GoOptions } from './options.js';
import type { BuildInfo } from './parse-buildinfo.js';
import { parseModuleQuery } from './parse-go-json.js';
import { redactCredentials } from './redact.js';
import { compareGoVersions, goMajor } from './semver.js';

type Withheld = CheckResult['withheld'][number];
type Found = { path: string; version: string } | null;

const basename = (file: string) => file.slice(file.lastIndexOf('/') + 1);

function goFailure(argv: readonly string[], exitCode: number, stderr: string, what: string): UnrotError {
  const tail = redactCredentials(stderr.trim().slice(-2000));
  return new UnrotError('E_EXEC_FAILED', `${what}: ${tail.slice(-500)}`, { argv, exitCode, stderr: tail });
}

/** Asks the module proxy (through the container's go and its GOPROXY/GOPRIVATE/GOFLAGS) for MODULE@QUERY, each once. */
class ProxyQueries {
  private readonly cache = new Map<string, Promise<Found>>();
  constructor(
    private readonly exec: Exec,
    private readonly go: string,
  ) {}

  /** MODULE@QUERY's version, or null when `absentOk` and go says there is none; any other failure throws with go's words. */
  lookup(modulePath: string, query: string, absentOk: boolean): Promise<Found> {
    const key = `${modulePath}@${query}|${absentOk}`;
    let found = this.cache.get(key);
    if (!found) {
      found = this.run(modulePath, query, absentOk);
      this.cache.set(key, found);
    }
    return found;
  }

  private async run(modulePath: string, query: string, absentOk: boolean): Promise<Found> {
    const argv = goArgv.query(this.go, modulePath, query);
    const res = await this.exec.read(argv, { okExitCodes: [0, 1] });
    if (res.exitCode !== 0) {
      if (absentOk && saysModuleAbsent(res.stderr)) return null;
      throw goFailure(argv, res.exitCode, res.stderr, `go could not look up ${modulePath}@${query}`);
    }
    const q = parseModuleQuery(res.stdout);
    return { path: assertModulePath(q.path), version: assertGoVersion(q.path, q.version) };
  }
}

/** Why a binary cannot be updated with go install, or null with its validated identity. */
function identify(info: BuildInfo): { withheld: Withheld } | { file: string; pkg: string; mod: string; version: string } {
  const file = assertSafePath(info.file, 'binary path');
  if (!info.path || !info.mod) {
    return {
      withheld: {
        name: info.path && info.path !== 'command-line-arguments' ? info.path.slice(0, 300) : file,
        reason: `${file} has no main module in its build info (built with go build of files, or in GOPATH mode): no version to compare`,
      },
    };
  }
  if (info.mod.version === '(devel)')
    return {
      withheld: {
        name: info.path.slice(0, 300),
        reason: `${file} was built from a local checkout (version (devel)), not installed from a module version`,
      },
    };
  if (info.replacedBy)
    return {
      withheld: {
        name: info.path.slice(0, 300),
        reason: `${file} was built with its main module replaced (=> ${info.replacedBy}); go install module@version cannot rebuild that`,
      },
    };
  const pkg = assertModulePath(info.path);
  const mod = assertModulePath(info.mod.path);
  const version = assertGoVersion(mod, info.mod.version);
  if (pkg !== mod && !pkg.startsWith(`${mod}/`))
    throw new UnrotError('E_RUNNER_PARSE', `${file}: package ${pkg} is not inside its module ${mod}`);
  if (basename(file) !== installName(pkg)) {
    return {
      withheld: {
        name: pkg,
        reason: `${file} was renamed: go install would write ${installName(pkg)} next to it and leave ${basename(file)} at ${version}`,
      },
    };
  }
  return { file, pkg, mod, version };
}

/** Read-only: each Go binary's module version against the proxy's latest (the module cache may be filled). */
export async function checkBinaries(exec: Exec, options: GoOptions, exclusions: readonly string[]): Promise<CheckResult> {
  const updates: Update[] = [];
  const withheld: Withheld[] = [];
  const scanned = await scanBinaries(exec, options);
  for (const problem of scanned.problems)
    withheld.push({ name: problem.match(/\/\S*[^:\s]/)?.[0] ?? 'go version -m', reason: `go version -m: ${problem.slice(0, 300)}` });
  const proxy = new ProxyQueries(exec, options.go);

  for (const info of scanned.infos) {
    const id = identify(info);
    if ('withheld' in id) {
      withheld.push(id.withheld);
      continue;
    }
    const { file, pkg, mod, version } = id;
    const excluded = (...names: string[]) => [...names, basename(file)].some((n) => isExcluded(n, exclusions));
    if (excluded(pkg, mod)) {
      withheld.push({ name: pkg, reason: `excluded by policy (${pkg} ${version} in ${file})` });
      continue;
    }
    const latest = await proxy.lookup(mod, 'latest', false);
    const nextPath = nextMajorPath(mod);
    const next = nextPath ? await proxy.lookup(nextPath, 'latest', true) : null;
    const nextPkg = next ? packageInModule(pkg, mod, next.path) : undefined;
    if (next && nextPkg) {
      if (!options.allow_major) {
        withheld.push({ name: pkg, reason: `major upgrade to ${nextPkg}@${next.version} not allowed (allow_major: false) for ${file}` });
      } else if (excluded(nextPkg, next.path)) {
        withheld.push({ name: nextPkg, reason: `excluded by policy (major upgrade of ${pkg} ${version} in ${file})` });
      } else {
        updates.push({ name: assertModulePath(nextPkg), from: version, to: next.version, scope: file });
        continue;
      }
    }
    if (!latest || compareGoVersions(latest.version, version) <= 0) continue;
    const major = goMajor(version) ?? 0;
    if (options.allow_major || (goMajor(latest.version) ?? 0) <= major) {
      updates.push({ name: pkg, from: version, to: latest.version, scope: file });
      continue;
    }
    // The same path crossed a major (v0 → v1, or a module without go.mod: v2.1.0+incompatible →
    // v3.0.0+incompatible): withhold it and offer the newest of the installed major (M@vN).
    withheld.push({ name: pkg, reason: `major upgrade ${version} → ${latest.version} not allowed (allow_major: false) for ${file}` });
    const same = await proxy.lookup(mod, `v${major}`, true);
    if (same && compareGoVersions(same.version, version) > 0) updates.push({ name: pkg, from: version, to: same.version, scope: file });
  }
  return { updates, withheld };
}
