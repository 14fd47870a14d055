import type { DetectResult, Exec } from '@unrot/sdk';
import { readGoEnv, scanBinaries } from './binaries.js';
import { goArgv } from './go-argv.js';
import type { GoOptions } from './options.js';
import type { GoEnv } from './parse-go-json.js';

/**
 * Why go install cannot work with this go env, or null. Measured with Go 1.19 and HOME unset:
 * GOPATH and GOMODCACHE are empty and GOCACHE is "off"; `go list -m` still answers, but
 * `go install` fails ("module cache not found: neither GOMODCACHE nor GOPATH is set",
 * "build cache is disabled by GOCACHE=off, but required").
 */
export function installBlocker(env: GoEnv): string | null {
  if (!env.GOMODCACHE) return 'go has no module cache (neither GOMODCACHE nor GOPATH is set, e.g. HOME is unset): go install would fail';
  if (!env.GOCACHE || env.GOCACHE === 'off') return `go has no build cache (GOCACHE=${env.GOCACHE || '""'}): go install would fail`;
  return null;
}

/** Applicable when go runs, can install, and at least one Go binary is found; a configured path go cannot read is named. */
export async function detect(exec: Exec, options: GoOptions): Promise<DetectResult> {
  const version = await exec.read(goArgv.version(options.go), { okExitCodes: [0, 1, 2, 126, 127] });
  if (version.exitCode !== 0) {
    return {
      applicable: false,
      reason: `${options.go} is not installed or does not run (exit ${version.exitCode}): ${version.stderr.trim().slice(0, 200)}`,
    };
  }
  const env = await readGoEnv(exec, options);
  const blocker = installBlocker(env);
  if (blocker) return { applicable: false, reason: blocker };
  if (options.binaries.length === 0 && !env.GOBIN && !env.GOPATH)
    return { applicable: false, reason: 'go env names neither GOBIN nor GOPATH: set binaries to the installed programs' };
  const scanned = await scanBinaries(exec, options, env);
  const missing = scanned.problems.find((p) => /no such file or directory/.test(p));
  if (missing) return { applicable: false, reason: `a configured binary path does not exist: ${missing.slice(0, 300)}` };
  if (scanned.infos.length === 0) return { applicable: false, reason: `no Go binaries in ${scanned.paths.join(', ')}` };
  return { applicable: true };
}
