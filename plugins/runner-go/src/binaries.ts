import { type Exec, UnrotError } from '@unrot/sdk';
import { goArgv } from './go-argv.js';
import { assertSafePath } from './names.js';
import type { GoOptions } from './options.js';
import { type BuildInfo, parseBuildInfo } from './parse-buildinfo.js';
import { type GoEnv, parseGoEnv } from './parse-go-json.js';

export async function readGoEnv(exec: Exec, options: GoOptions): Promise<GoEnv> {
  return parseGoEnv((await exec.read(goArgv.env(options.go))).stdout);
}

/** Where go install writes binaries by default: GOBIN, else the first GOPATH entry's bin. */
export function defaultBinDir(env: GoEnv): string | undefined {
  if (env.GOBIN) return env.GOBIN;
  const first = env.GOPATH.split(':').find(Boolean);
  return first ? `${first.replace(/\/+$/, '')}/bin` : undefined;
}

export interface ScannedBinaries {
  /** The paths given to go version -m (configured, or the default directory). */
  paths: string[];
  /** True when the paths came from go env, not the policy. */
  defaulted: boolean;
  infos: BuildInfo[];
  /** What go version -m said on stderr about paths it could not read, one line each. */
  problems: string[];
}

/** `go version -m` over the configured binaries/directories (or go install's default directory). */
export async function scanBinaries(exec: Exec, options: GoOptions, env?: GoEnv): Promise<ScannedBinaries> {
  let paths = options.binaries.map((p) => assertSafePath(p.length > 1 ? p.replace(/\/+$/, '') : p, 'binary path'));
  const defaulted = paths.length === 0;
  if (defaulted) {
    const dir = defaultBinDir(env ?? (await readGoEnv(exec, options)));
    if (!dir) throw new UnrotError('E_RUNNER_PARSE', 'go env printed neither GOBIN nor GOPATH: no directory to look for binaries in');
    paths = [assertSafePath(dir, 'GOBIN/GOPATH directory')];
  }
  // Exit 1 when a path is missing or unreadable; the readable ones are still printed.
  const res = await exec.read(goArgv.buildInfo(options.go, paths), { okExitCodes: [0, 1] });
  const problems = res.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    // go install's default directory not existing yet just means nothing was installed.
    .filter((l) => !(defaulted && /^stat .*: no such file or directory$/.test(l)));
  return { paths, defaulted, infos: parseBuildInfo(res.stdout), problems };
}
