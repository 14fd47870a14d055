import type { DetectResult, Exec } from '@unrot/sdk';
import type { PipOptions } from './options.js';
import { type PipTarget, pipArgv, pipTargets, pipxArgv } from './targets.js';

/** Why a target cannot be used, or null when its pip answers. */
export async function probeTarget(exec: Exec, target: PipTarget): Promise<string | null> {
  const res = await exec.read(pipArgv.version(target), { okExitCodes: [0, 1, 2, 126, 127] });
  if (res.exitCode === 0) return null;
  const where = target.kind === 'venv' ? `venv ${target.scope}` : 'the system interpreter (python3)';
  if (res.exitCode === 127 || res.exitCode === 126) return `${where}: ${target.python} is missing or not executable (exit ${res.exitCode})`;
  if (/No module named pip/.test(res.stderr)) return `${where} has no pip (No module named pip)`;
  return `${where}: ${target.python} -m pip --version exited ${res.exitCode}: ${res.stderr.trim().slice(0, 200)}`;
}

export async function pipxPresent(exec: Exec): Promise<boolean> {
  const res = await exec.read(pipxArgv.version(), { okExitCodes: [0, 126, 127] });
  return res.exitCode === 0;
}

/**
 * Applicable when every configured target answers; a configured venv that is missing is
 * reported (not silently skipped), since the policy names it. pipx only counts when present.
 */
export async function detect(exec: Exec, options: PipOptions): Promise<DetectResult> {
  const targets = pipTargets(options);
  if (targets.length === 0 && !options.pipx) {
    return { applicable: false, reason: 'nothing to update: no venvs configured, system and pipx are off' };
  }
  for (const target of targets) {
    const reason = await probeTarget(exec, target);
    if (reason) return { applicable: false, reason };
  }
  if (targets.length === 0 && !(await pipxPresent(exec))) {
    return { applicable: false, reason: 'pipx is not installed (pipx: true, but no pipx on PATH) and no venvs are configured' };
  }
  return { applicable: true };
}
