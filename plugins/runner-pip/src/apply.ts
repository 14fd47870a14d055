import type { ApplyResult, Exec, PlanStep, StepOutcome, Update } from '@unrot/sdk';
import { normalizeName } from './names.js';
import type { PipOptions } from './options.js';
import { parsePipList } from './parse-pip.js';
import { parsePipxList } from './parse-pipx.js';
import { resolveScope } from './plan.js';
import { pipArgv, pipxArgv } from './targets.js';

/** Runs the plan's argv in order, then reads back the installed versions: `changed` is what pip says now. */
export async function applySteps(exec: Exec, options: PipOptions, plan: readonly PlanStep[]): Promise<ApplyResult> {
  const steps: StepOutcome[] = [];
  let ranForReal = false;
  for (const step of plan) {
    const res = await exec.change(step.argv, step.timeoutMs ? { timeoutMs: step.timeoutMs } : undefined);
    ranForReal ||= !res.dryRun;
    steps.push({ id: step.id, argv: [...step.argv], exitCode: res.exitCode, durationMs: res.durationMs });
  }
  if (!ranForReal) return { changed: [], steps };

  const changed: Update[] = [];
  let pipxApps: Map<string, string> | undefined;
  for (const step of plan) {
    const where = resolveScope(step.updates[0]?.scope, options);
    let installed: Map<string, string>;
    if (where.kind === 'pip') {
      const list = parsePipList((await exec.read(pipArgv.list(where.target))).stdout);
      installed = new Map(list.map((p) => [normalizeName(p.name), p.version]));
    } else {
      pipxApps ??= new Map(parsePipxList((await exec.read(pipxArgv.list())).stdout).map((a) => [normalizeName(a.package), a.version]));
      installed = pipxApps;
    }
    for (const u of step.updates) {
      const now = installed.get(normalizeName(u.name));
      if (now !== undefined && now !== u.from)
        changed.push({ name: u.name, from: u.from, to: now, ...(u.scope ? { scope: u.scope } : {}) });
    }
  }
  return { changed, steps };
}
