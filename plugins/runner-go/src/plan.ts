import type { CheckResult, PlanStep } from '@unrot/sdk';
import { goArgv } from './go-argv.js';
import { assertGoVersion, assertModulePath, assertSafePath } from './names.js';
import type { GoOptions } from './options.js';

/** Pure: one `go install PACKAGE@VERSION` per binary, with GOBIN at the binary's own directory. */
export function planSteps(options: GoOptions, check: CheckResult): PlanStep[] {
  return check.updates.map((u) => {
    const file = assertSafePath(u.scope ?? '', 'binary path');
    const bindir = file.slice(0, file.lastIndexOf('/')) || '/';
    const pkg = assertModulePath(u.name);
    const version = assertGoVersion(pkg, u.to);
    return {
      id: `go:${file}`,
      title: `go install ${pkg}@${version} into ${bindir}`,
      argv: goArgv.install(options.go, bindir, pkg, version),
      timeoutMs: options.install_timeout_s * 1000,
      updates: [u],
    };
  });
}
