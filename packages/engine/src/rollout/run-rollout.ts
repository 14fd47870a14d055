import type { ContainerInfo, SkipReason } from '@unrot/sdk';
import type { ContainerReport } from '../lifecycle/container-result.js';
import type { RolloutPolicy } from '../policy/rollout-schema.js';
import { isCutShort } from '../report/exit-codes.js';
import type { AdmissionControl } from '../run/admit.js';
import { runContainers } from '../run/run-containers.js';
import type { RunContext } from '../run/run-context.js';
import { skippedContainer } from '../run/run-report-builder.js';
import { parseDuration } from '../schedule/duration.js';
import type { TargetDecision } from '../targets/resolve-targets.js';
import { assignWaves, type WaveMembers } from './assign-waves.js';
import { recordCanaryPins } from './canary-pins.js';
import type { RolloutReport, WaveReport } from './rollout-report.js';
import { type CanaryPins, freshState, loadRolloutState, peekRolloutState, type RolloutState, saveRolloutState } from './rollout-state.js';
import { soakProbeFailures } from './soak-probes.js';
import { stopConditionMet, tallyWave } from './stop-conditions.js';

export interface RolloutOutcome {
  containers: ContainerReport[];
  rollout: RolloutReport;
}

/** What the run does with every wave: built up in order, then written into the report. */
class RolloutRun {
  readonly reports = new Map<number, ContainerReport>();
  readonly waveReports: WaveReport[];

  constructor(
    private readonly ctx: RunContext,
    private readonly fleet: ReadonlyMap<number, ContainerInfo>,
    readonly waves: readonly WaveMembers[],
  ) {
    this.waveReports = waves.map((w) => ({ name: w.policy.name, vmids: w.vmids, status: 'planned' }));
  }

  /** Not started, for a stated reason: no host call is made for these containers. */
  skip(vmids: readonly number[], reason: SkipReason, detail: string): void {
    for (const vmid of vmids) {
      this.ctx.events.emit('container:skip', { runId: this.ctx.runId, vmid, reason, detail });
      this.reports.set(vmid, skippedContainer(this.fleet.get(vmid) as ContainerInfo, { reason, detail }));
    }
  }

  skipWaves(from: number, reason: SkipReason, detail: string, status: WaveReport['status'] = 'skipped'): void {
    for (const w of this.waves.slice(from)) {
      this.skip(w.vmids, reason, detail);
      this.waveReports[w.index] = { ...(this.waveReports[w.index] as WaveReport), status, detail };
    }
  }

  containers(decisions: readonly TargetDecision[]): ContainerReport[] {
    return decisions.map((d) => this.reports.get(d.vmid) ?? skippedContainer(this.fleet.get(d.vmid) as ContainerInfo, d));
  }
}

function selectedContainers(fleet: ReadonlyMap<number, ContainerInfo>, decisions: readonly TargetDecision[]): ContainerInfo[] {
  return decisions.filter((d) => d.selected).map((d) => fleet.get(d.vmid) as ContainerInfo);
}

const pinsFor = (rollout: RolloutPolicy, index: number, pins: CanaryPins) =>
  index > 0 && rollout.pin_to_canary !== false ? { canaryPins: pins } : {};

/**
 * Phase 4 with `rollout:` in global.yml: the waves in order, each at its own concurrency. After
 * each wave its stop conditions are judged; one met halts every later wave (skipped with the
 * reason, no host call). The first wave is the canary: the versions it installed are what later
 * waves may install. A wave with a soak ends the run; a later run resumes at the next wave once
 * the soak is over and the wave's health checks pass again. Progress is kept in
 * <state_dir>/rollout-state.json.
 */
export async function runRollout(
  ctx: RunContext,
  fleet: ReadonlyMap<number, ContainerInfo>,
  decisions: readonly TargetDecision[],
  admission: AdmissionControl,
): Promise<RolloutOutcome> {
  const rollout = ctx.prepared.config.global.rollout as RolloutPolicy;
  const assignment = assignWaves(rollout, selectedContainers(fleet, decisions));
  const run = new RolloutRun(ctx, fleet, assignment.waves);
  run.skip(assignment.unassigned, 'not-in-rollout', 'no wave of rollout.waves selects it');
  if (ctx.options.dryRun) return planRollout(ctx, fleet, decisions, admission, rollout, run, assignment.unassigned);

  const { state, carried } = await loadRolloutState(ctx.stateDir, rollout, ctx.now());
  if (!carried) ctx.log.info('staged rollout: starting at the first wave');
  const result = await advance(ctx, fleet, admission, rollout, run, state);
  // Idempotent: a run that only found the rollout soaking leaves the file exactly as it was.
  if (result.next !== state) await saveRolloutState(ctx.stateDir, { ...result.next, updatedAt: ctx.now().toISOString() });
  const report: RolloutReport = {
    ...result.report,
    waves: run.waveReports,
    unassigned: assignment.unassigned,
    pins: result.next.pins,
  };
  const log = report.status === 'halted' ? ctx.log.error.bind(ctx.log) : ctx.log.info.bind(ctx.log);
  log({ rollout: { status: report.status, detail: report.detail } }, `staged rollout ${report.status}`);
  return { containers: run.containers(decisions), rollout: report };
}

type Advanced = { next: RolloutState; report: Pick<RolloutReport, 'status' | 'detail' | 'soakingUntil'> };

/** Runs what the rollout's state allows now; returns the state for the next run. */
async function advance(
  ctx: RunContext,
  fleet: ReadonlyMap<number, ContainerInfo>,
  admission: AdmissionControl,
  rollout: RolloutPolicy,
  run: RolloutRun,
  state: RolloutState,
): Promise<Advanced> {
  const { waves } = run;
  for (const w of waves.slice(0, state.resumeAt)) {
    run.skip(
      w.vmids,
      'rollout-wave-done',
      `wave '${w.policy.name}' finished earlier in this rollout; it runs again when the rollout starts over`,
    );
    run.waveReports[w.index] = { ...(run.waveReports[w.index] as WaveReport), status: 'done-earlier' };
  }
  let pins = state.pins;
  if (state.soak) {
    const soaked = waves[state.soak.wave] as WaveMembers;
    const until = new Date(state.soak.until);
    if (ctx.now() < until) {
      const detail = `wave '${soaked.policy.name}' soaks until ${state.soak.until}`;
      run.skipWaves(state.resumeAt, 'rollout-soaking', detail);
      return { next: state, report: { status: 'soaking', detail, soakingUntil: state.soak.until } };
    }
    const failures = await soakProbeFailures(ctx, fleet, state.soak.vmids);
    if (failures.length > 0) {
      const detail = `wave '${soaked.policy.name}': health checks failed at the end of its soak: ${failures.join('; ')}`;
      run.skipWaves(state.resumeAt, 'rollout-halted', `rollout halted: ${detail}`);
      // The next run starts over at the first wave (the canary's versions stay pinned).
      return { next: freshState(rollout, ctx.now(), pins), report: { status: 'halted', detail } };
    }
    ctx.log.info({ wave: soaked.policy.name, containers: state.soak.vmids }, 'soak over, health checks pass: next wave');
  }

  for (const wave of waves.slice(state.resumeAt)) {
    const i = wave.index;
    const name = wave.policy.name;
    if (wave.vmids.length === 0) {
      run.waveReports[i] = { name, vmids: [], status: 'done', ran: 0, failed: 0, rolledBack: 0 };
      continue;
    }
    const decided: TargetDecision[] = wave.vmids.map((vmid) => ({ vmid, name: (fleet.get(vmid) as ContainerInfo).name, selected: true }));
    ctx.log.info({ wave: name, containers: wave.vmids }, 'staged rollout: wave starts');
    const results = await runContainers(ctx, fleet, decided, admission, {
      ...(wave.policy.max_concurrency ? { maxConcurrency: wave.policy.max_concurrency } : {}),
      ...pinsFor(rollout, i, pins),
    });
    for (const r of results) run.reports.set(r.vmid, r);
    const tally = tallyWave(results);
    if (i === 0 && rollout.pin_to_canary !== false) pins = recordCanaryPins(pins, results);
    const stop = stopConditionMet(wave.policy, tally);
    const cutShort = ctx.options.stop?.aborted === true || results.some((r) => isCutShort(r.skipReason));
    if (stop) {
      run.waveReports[i] = { name, vmids: wave.vmids, status: 'halted', ...tally, detail: stop };
      run.skipWaves(i + 1, 'rollout-halted', `rollout halted: ${stop}`);
      return { next: freshState(rollout, ctx.now(), pins), report: { status: 'halted', detail: stop } };
    }
    if (cutShort) {
      const detail = `the run was cut short during wave '${name}'; the next run starts with it again`;
      run.waveReports[i] = { name, vmids: wave.vmids, status: 'cut-short', ...tally, detail };
      run.skipWaves(i + 1, 'rollout-halted', detail);
      const { soak: _none, ...rest } = state;
      return { next: { ...rest, resumeAt: i, pins }, report: { status: 'cut-short', detail } };
    }
    run.waveReports[i] = { name, vmids: wave.vmids, status: 'done', ...tally };
    const updated = results.filter((r) => r.outcome === 'updated').map((r) => r.vmid);
    const later = waves.slice(i + 1).some((w) => w.vmids.length > 0);
    if (wave.policy.soak && later && updated.length > 0) {
      const until = new Date(ctx.now().getTime() + parseDuration(wave.policy.soak)).toISOString();
      const detail = `wave '${name}' soaks until ${until}`;
      run.skipWaves(i + 1, 'rollout-soaking', detail);
      const next: RolloutState = { ...state, resumeAt: i + 1, pins, soak: { wave: i, until, vmids: updated } };
      return { next, report: { status: 'soaking', detail, soakingUntil: until } };
    }
  }
  return { next: freshState(rollout, ctx.now(), pins), report: { status: 'completed', detail: `all ${waves.length} waves done` } };
}

/**
 * `unrot plan`: every wave is planned (a plan changes nothing, so no stop condition can be
 * met), later waves held to the canary's versions as the state file knows them; the rollout
 * section says who is in each wave and where the rollout stands.
 */
async function planRollout(
  ctx: RunContext,
  fleet: ReadonlyMap<number, ContainerInfo>,
  decisions: readonly TargetDecision[],
  admission: AdmissionControl,
  rollout: RolloutPolicy,
  run: RolloutRun,
  unassigned: number[],
): Promise<RolloutOutcome> {
  const peeked = await peekRolloutState(ctx.stateDir, rollout);
  const pins = peeked.state?.pins ?? {};
  for (const wave of run.waves) {
    if (wave.vmids.length === 0) continue;
    const decided: TargetDecision[] = wave.vmids.map((vmid) => ({ vmid, name: (fleet.get(vmid) as ContainerInfo).name, selected: true }));
    const results = await runContainers(ctx, fleet, decided, admission, {
      ...(wave.policy.max_concurrency ? { maxConcurrency: wave.policy.max_concurrency } : {}),
      ...pinsFor(rollout, wave.index, pins),
    });
    for (const r of results) run.reports.set(r.vmid, r);
  }
  const where = peeked.problem
    ? `rollout-state.json is not valid (${peeked.problem}): the next run refuses it and quarantines it`
    : peeked.state?.soak
      ? `next run: wave '${run.waves[peeked.state.resumeAt]?.policy.name}' after the soak ends at ${peeked.state.soak.until}`
      : `next run: wave '${run.waves[peeked.state?.resumeAt ?? 0]?.policy.name}'`;
  return {
    containers: run.containers(decisions),
    rollout: {
      status: 'planned',
      detail: where,
      waves: run.waveReports,
      unassigned,
      ...(peeked.state?.soak ? { soakingUntil: peeked.state.soak.until } : {}),
      pins,
    },
  };
}
