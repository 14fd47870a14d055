import { type CheckResult, type Exec, isExcluded, UnrotError, type Update } from '@unrot/sdk';
import { readOutdated } from './check-pip.js';
import { pipxPresent } from './detect.js';
import { assertSafeName, isMajorBump, normalizeName } from './names.js';
import type { PipOptions } from './options.js';
import { type PipxApp, parsePipxList } from './parse-pipx.js';
import { PIPX_SCOPE_PREFIX, type PipTarget, pipxArgv } from './targets.js';

const SAFE_DIR = /^\/(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9._+@/-]*$/;

/** Each pipx app with the venv target its pip runs in; none when pipx is absent. Names and the venvs dir are validated (they go into argv). */
export async function pipxAppTargets(exec: Exec): Promise<{ app: PipxApp; target: PipTarget }[]> {
  if (!(await pipxPresent(exec))) return [];
  const dir = (await exec.read(pipxArgv.venvsDir())).stdout.trim();
  if (!SAFE_DIR.test(dir))
    throw new UnrotError('E_RUNNER_PARSE', `pipx printed an unexpected venvs directory: ${JSON.stringify(dir.slice(0, 200))}`);
  return parsePipxList((await exec.read(pipxArgv.list())).stdout).map((app) => {
    assertSafeName(app.venv);
    assertSafeName(app.package);
    return { app, target: { kind: 'venv' as const, scope: `${PIPX_SCOPE_PREFIX}${app.venv}`, python: `${dir}/${app.venv}/bin/python` } };
  });
}

/**
 * pipx has no "outdated" command: each app's own venv is asked with pip list --outdated,
 * and only the app's main package counts, since `pipx upgrade NAME` upgrades just that.
 */
export async function checkPipx(exec: Exec, options: PipOptions, exclusions: readonly string[]): Promise<CheckResult> {
  const updates: Update[] = [];
  const withheld: CheckResult['withheld'] = [];
  for (const { app, target } of await pipxAppTargets(exec)) {
    const outdated = await readOutdated(exec, target);
    const main = outdated.find((p) => normalizeName(p.name) === normalizeName(app.package));
    if (!main) continue;
    const from = main.version;
    const to = main.latest;
    if (isExcluded(app.package, exclusions) || isExcluded(normalizeName(app.package), exclusions)) {
      withheld.push({ name: app.package, reason: `excluded by policy (${from} → ${to}, pipx app ${app.venv})` });
    } else if (!options.allow_major && isMajorBump(from, to)) {
      // pipx upgrade always takes the newest release; it cannot be capped below a major.
      withheld.push({ name: app.package, reason: `major upgrade ${from} → ${to} not allowed (allow_major: false), pipx app ${app.venv}` });
    } else {
      updates.push({ name: app.package, from, to, scope: target.scope });
    }
  }
  return { updates, withheld };
}
