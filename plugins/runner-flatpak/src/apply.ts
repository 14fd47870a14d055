import { type ApplyResult, type PlanStep, type RunnerContext, UnrotError, type Update } from '@unrot/sdk';
import { commands, parseScope } from './installation.js';
import { type Deployed, updateLabels } from './labels.js';
import type { FlatpakOptions } from './options.js';
import { parseList } from './parse.js';

/**
 * flatpak update exits 0 with "Nothing to do." when a remote cannot be reached for a ref that
 * is installed, printing this warning on stderr instead (measured with flatpak 1.14.10).
 */
const NON_FATAL_FETCH = /Treating remote fetch error as non-fatal/;

function tail(text: string): string {
  return text.trim().split('\n').slice(-10).join('\n');
}

/** Full ref → active commit and version of one installation (scope `system` or `user:NAME`). */
async function readDeployed(ctx: RunnerContext<FlatpakOptions>, scope: string): Promise<Map<string, Deployed>> {
  const installation = parseScope(scope);
  if (!installation) return new Map();
  const argv = commands.list(installation);
  const listed = parseList((await ctx.exec.read(argv)).stdout, argv.join(' '));
  return new Map([...listed.entries()].map(([name, { commit, version }]) => [name, { commit, version }]));
}

/**
 * Pure: what moved in one installation, compared by commit (a rebuild keeps its version) and
 * labelled with versions where both sides have differing ones (see labels.ts). Planned refs
 * first, in plan order; then what flatpak updated or installed along with them (an app's
 * runtime, related extensions such as .Locale, a new runtime branch an app now needs), so the
 * report shows every ref that changed.
 */
export function changesIn(
  scope: string,
  planned: readonly Update[],
  before: ReadonlyMap<string, Deployed>,
  after: ReadonlyMap<string, Deployed>,
): { changed: Update[]; unchanged: Update[]; along: Update[] } {
  const changed: Update[] = [];
  const unchanged: Update[] = [];
  const moved = (name: string): Deployed | undefined => {
    const now = after.get(name);
    return now !== undefined && now.commit !== before.get(name)?.commit ? now : undefined;
  };
  for (const update of planned) {
    const now = moved(update.name);
    if (now) changed.push({ name: update.name, ...updateLabels(before.get(update.name), now), scope });
    else unchanged.push(update);
  }
  const plannedNames = new Set(planned.map((u) => u.name));
  const along: Update[] = [];
  for (const name of after.keys()) {
    const now = moved(name);
    if (!plannedNames.has(name) && now) along.push({ name, ...updateLabels(before.get(name), now), scope });
  }
  return { changed, unchanged, along };
}

/** Runs exactly the plan's argv (one `flatpak update` per installation), then reads each installation back. */
export async function applyFlatpak(ctx: RunnerContext<FlatpakOptions>, plan: PlanStep[]): Promise<ApplyResult> {
  const result: ApplyResult = { changed: [], steps: [] };
  for (const step of plan) {
    const scope = step.updates[0]?.scope ?? '';
    // Dry-run: the engine records change() without running it, so there is nothing to compare.
    const before = ctx.exec.dryRun ? new Map<string, Deployed>() : await readDeployed(ctx, scope);
    const ran = await ctx.exec.change(step.argv, step.timeoutMs !== undefined ? { timeoutMs: step.timeoutMs } : undefined);
    result.steps.push({ id: step.id, argv: step.argv, exitCode: ran.exitCode, durationMs: ran.durationMs });
    if (!ctx.exec.dryRun && NON_FATAL_FETCH.test(ran.stderr)) {
      throw new UnrotError(
        'E_EXEC_FAILED',
        `flatpak update could not fetch from a remote and updated nothing it could not reach:\n${tail(ran.stderr)}`,
        { argv: step.argv, exitCode: ran.exitCode },
      );
    }
    if (ctx.exec.dryRun) continue;
    const { changed, unchanged, along } = changesIn(scope, step.updates, before, await readDeployed(ctx, scope));
    for (const update of unchanged) ctx.log.warn({ update }, 'planned update did not change the installed commit');
    if (along.length > 0) ctx.log.info({ along }, 'flatpak update also updated or installed refs the plan did not name');
    result.changed.push(...changed, ...along);
  }
  return result;
}
