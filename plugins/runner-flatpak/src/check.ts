import { type CheckResult, isExcluded, type RunnerContext, UnrotError } from '@unrot/sdk';
import { commands, formatScope, type Installation, installationsOf } from './installation.js';
import { pendingLabels } from './labels.js';
import { maskFor } from './mask.js';
import type { FlatpakOptions } from './options.js';
import { type InstalledRef, type PendingRef, parseExtensionPoints, parseList, parseMasks, parseUpdates } from './parse.js';
import { type FlatpakRef, fullRef, refName } from './refs.js';

/** A policy exclusion names the app ID, ID/ARCH/BRANCH or the full ref (globs with *). */
export function excludedBy(exclusions: readonly string[], ref: FlatpakRef): boolean {
  return [ref.id, refName(ref), fullRef(ref)].some((name) => isExcluded(name, exclusions));
}

/** What check read from one installation. */
export interface InstallationState {
  scope: string;
  installed: ReadonlyMap<string, InstalledRef>;
  masks: readonly string[];
  pending: readonly PendingRef[];
  /** Full ref → the extension points its installed metadata declares; read only when needed. */
  extensionPoints: ReadonlyMap<string, readonly string[]>;
}

/**
 * Pending runtimes (runtimes and extensions alike) that policy excludes and no mask holds: the
 * ones flatpak would still update along with another ref. A masked one flatpak leaves alone
 * (measured with 1.14.10 for a runtime and for an extension).
 */
export function heldByPolicyOnly(state: Pick<InstallationState, 'masks' | 'pending'>, exclusions: readonly string[]): FlatpakRef[] {
  return state.pending
    .map((p) => p.ref)
    .filter((ref) => ref.kind === 'runtime' && excludedBy(exclusions, ref) && maskFor(state.masks, ref) === undefined);
}

/**
 * Which of `held` `flatpak update REF` would update along with an installed ref (measured: "Updating
 * runtime/…" before "Updating app/…"): an app's runtime, and the extensions of the ref's
 * extension points (`[Extension NAME]` in its metadata; NAME itself or NAME.* as with
 * subdirectories and GL drivers).
 */
export function carriedAlong(
  installed: InstalledRef | undefined,
  points: readonly string[],
  held: readonly FlatpakRef[],
): FlatpakRef | undefined {
  const runtime = installed?.runtime && refName(installed.runtime);
  return held.find(
    (other) =>
      (other.kind === 'runtime' && refName(other) === runtime) ||
      points.some((point) => other.id === point || other.id.startsWith(`${point}.`)),
  );
}

/**
 * Pure: the pending runtimes and extensions flatpak must not update along with anything: those
 * excluded by policy (and not masked), then, until nothing changes, those that would carry one
 * of them along themselves (a runtime whose excluded extension it would update).
 */
export function heldRefs(state: InstallationState, exclusions: readonly string[]): FlatpakRef[] {
  const held = heldByPolicyOnly(state, exclusions);
  const candidates = state.pending.filter(
    (p) => p.ref.kind === 'runtime' && maskFor(state.masks, p.ref) === undefined && !held.includes(p.ref),
  );
  for (let grew = true; grew; ) {
    grew = false;
    for (const { ref } of candidates) {
      const name = fullRef(ref);
      if (held.includes(ref) || !carriedAlong(state.installed.get(name), state.extensionPoints.get(name) ?? [], held)) continue;
      held.push(ref);
      grew = true;
    }
  }
  return held;
}

/**
 * Pure: sorts one installation's pending refs into updates and withheld ones: masked
 * (`flatpak mask`; never unmasked), excluded by policy, or carrying a withheld update along.
 */
export function classifyPending(state: InstallationState, exclusions: readonly string[], result: CheckResult): void {
  const held = heldRefs(state, exclusions);
  for (const { ref, commit, version } of state.pending) {
    const name = fullRef(ref);
    const mask = maskFor(state.masks, ref);
    const current = state.installed.get(name);
    const withhold = (reason: string) => result.withheld.push({ name, reason });
    const along = carriedAlong(current, state.extensionPoints.get(name) ?? [], held);
    if (mask !== undefined) {
      withhold(`masked in ${state.scope} by the flatpak mask pattern ${JSON.stringify(mask)}; unrot never unmasks`);
    } else if (excludedBy(exclusions, ref)) {
      withhold('excluded by policy');
    } else if (!current) {
      withhold(`remote-ls listed an update for a ref flatpak list does not show in ${state.scope}`);
    } else if (along) {
      const why = excludedBy(exclusions, along) ? 'excluded by policy' : 'withheld, as it would carry an excluded update along';
      withhold(`flatpak update would also update ${fullRef(along)}, whose update is ${why}`);
    } else if (current.commit !== commit) {
      result.updates.push({ name, ...pendingLabels(current, { commit, version }), scope: state.scope });
    }
  }
}

async function readInstallation(ctx: RunnerContext<FlatpakOptions>, installation: Installation): Promise<InstallationState | undefined> {
  const read = async (argv: string[]) => (await ctx.exec.read(argv)).stdout;
  const listArgv = commands.list(installation);
  const installed = parseList(await read(listArgv), listArgv.join(' '));
  if (installed.size === 0) return undefined;
  const masks = parseMasks(await read(commands.masks(installation)));
  // remote-ls --updates compares each installed ref with its remote's current summary: it
  // fetches the summary (network), deploys nothing. Masked refs are listed too (measured).
  const updatesArgv = commands.updates(installation);
  const pending = parseUpdates(await read(updatesArgv), updatesArgv.join(' '));
  // Extension points matter only when an excluded update could be carried along.
  const extensionPoints = new Map<string, string[]>();
  if (heldByPolicyOnly({ masks, pending }, ctx.exclusions).length > 0) {
    for (const { ref } of pending) {
      const name = fullRef(ref);
      if (installed.has(name)) extensionPoints.set(name, parseExtensionPoints(await read(commands.metadata(installation, name))));
    }
  }
  return { scope: formatScope(installation), installed, masks, pending, extensionPoints };
}

export async function checkFlatpak(ctx: RunnerContext<FlatpakOptions>): Promise<CheckResult> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'check aborted before it started');
  const result: CheckResult = { updates: [], withheld: [] };
  for (const installation of installationsOf(ctx.options)) {
    const state = await readInstallation(ctx, installation);
    if (state) classifyPending(state, ctx.exclusions, result);
  }
  return result;
}
