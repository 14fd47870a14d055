import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { type LifecycleEvents, type PlanStep, type Probe, type Runner, silentLogger, UnrotError } from '@unrot/sdk';
import type { TaskHealthCheck } from '../../src/health/pipeline-health.js';
import { type HealthSchedule, HealthScheduleSchema } from '../../src/health/policy-schema.js';
import { MemoryHost, type MemoryHostOptions } from '../../src/host/memory-host.js';
import { type ContainerTask, runContainerPipeline } from '../../src/lifecycle/container-pipeline.js';
import type { ContainerReport } from '../../src/lifecycle/container-result.js';

// Shared set-up for the fast pipeline tests: runContainerPipeline against the in-memory host,
// with runners written here. Each "package" of a file runner is a file in the container holding
// its version; an update copies /staged/<id> over it, so a rollback is visible in the files.

export const VMID = 101;
export const RUN_ID = '20261202T143000Z-abc123';

export interface FileRunnerScript {
  /** detect: throws, or says the runner does not apply */
  detect?: 'throws' | 'not-applicable';
  /** check: throws every time, or only the first time (a flaky mirror) */
  check?: 'throws' | 'throws-once';
  /** apply: fails after copying (a change), or claims the change without making it */
  apply?: 'fails-after-change' | 'changes-nothing';
}

/** A runner over one file: /pkg/<id> holds the installed version, /staged/<id> the new one. */
export function fileRunner(id: string, script: FileRunnerScript = {}): Runner<TSchema> & { checks: number } {
  const file = `/pkg/${id}`;
  const staged = `/staged/${id}`;
  const runner = {
    id,
    sdk: 1,
    kind: 'app' as const,
    description: `file runner ${id} (test)`,
    optionsSchema: Type.Object({}),
    checks: 0,
    async detect(ctx: Parameters<Runner<TSchema>['detect']>[0]) {
      if (script.detect === 'throws') throw new UnrotError('E_EXEC_FAILED', `${id}: detect failed`);
      if (script.detect === 'not-applicable') return { applicable: false, reason: `${id} is not installed` };
      const r = await ctx.exec.read(['test', '-f', file], { okExitCodes: [0, 1] });
      return r.exitCode === 0 ? { applicable: true } : { applicable: false, reason: `${file} missing` };
    },
    async check(ctx: Parameters<Runner<TSchema>['check']>[0]) {
      runner.checks++;
      if (script.check === 'throws' || (script.check === 'throws-once' && runner.checks === 1)) {
        throw new UnrotError('E_EXEC_FAILED', `${id}: mirror down`);
      }
      const have = (await ctx.exec.read(['cat', file])).stdout.trim();
      const want = (await ctx.exec.read(['cat', staged], { okExitCodes: [0, 1] })).stdout.trim();
      if (!want || want === have) return { updates: [], withheld: [] };
      return { updates: [{ name: id, from: have, to: want }], withheld: [] };
    },
    async plan(_ctx: unknown, check: { updates: PlanStep['updates'] }) {
      if (check.updates.length === 0) return [];
      return [{ id: 'copy', title: `update ${id}`, argv: ['cp', staged, file], updates: check.updates }];
    },
    async apply(ctx: Parameters<Runner<TSchema>['apply']>[0], plan: PlanStep[]) {
      const steps = [];
      for (const step of plan) {
        if (script.apply === 'changes-nothing') continue;
        const r = await ctx.exec.change(step.argv);
        steps.push({ id: step.id, argv: step.argv, exitCode: r.exitCode, durationMs: r.durationMs });
        if (script.apply === 'fails-after-change') await ctx.exec.change(['false']);
      }
      return { changed: plan.flatMap((s) => s.updates), steps };
    },
  };
  return runner as unknown as Runner<TSchema> & { checks: number };
}

export interface Recorded {
  name: keyof LifecycleEvents;
  payload: Record<string, unknown>;
}

export interface PipelineCase {
  host: MemoryHost;
  task: ContainerTask;
  events: Recorded[];
  runners: Record<string, Runner<TSchema>>;
  run(): Promise<ContainerReport>;
  /** The steps started, as `step` or `step:runner` (from the step:start events). */
  started(): string[];
}

/** The container's files before any update: every runner's file at 1.0, its staged 2.0. */
export function filesFor(ids: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    ids.flatMap((id) => [
      [`/pkg/${id}`, '1.0\n'],
      [`/staged/${id}`, '2.0\n'],
    ]),
  );
}

export async function pipelineCase(
  options: {
    runners?: Record<string, Runner<TSchema>>;
    task?: Partial<ContainerTask>;
    host?: Partial<MemoryHostOptions>;
    /** The probe every health check of the task loads. */
    probe?: Probe<TSchema>;
  } = {},
): Promise<PipelineCase> {
  const runners = options.runners ?? { os: fileRunner('os') };
  const ids = Object.keys(runners);
  const stateDir = await mkdtemp(join(tmpdir(), 'unrot-pipeline-'));
  const host = new MemoryHost({ containers: [{ vmid: VMID, files: filesFor(ids) }], ...options.host });
  const task: ContainerTask = {
    runId: RUN_ID,
    dryRun: false,
    container: { vmid: VMID, name: `ct${VMID}`, status: 'running', tags: [], unprivileged: true, template: false },
    runners: ids.map((id) => ({ id, modulePath: `memory:${id}`, options: {} })),
    exclusions: [],
    timeoutsMs: { preflight: 5000, detect: 5000, check: 5000, plan: 5000, backup: 5000, apply: 5000, verify: 5000, rollback: 5000 },
    retries: 1,
    stateDir,
    backup: { mode: 'snapshot', onUnsupported: 'skip', keep: 3, vzdumpStorage: 'local', vzdumpMode: 'snapshot', vzdumpCompress: 'zstd' },
    rollback: { onFailure: true, onInterrupt: 'rollback' },
    ...options.task,
  };
  const events: Recorded[] = [];
  return {
    host,
    task,
    events,
    runners,
    run: () =>
      runContainerPipeline(task, {
        host,
        loadRunner: async (id) => {
          const runner = runners[id];
          if (!runner) throw new UnrotError('E_PLUGIN_LOAD', `no runner ${id}`);
          return runner;
        },
        emit: (name, payload) => events.push({ name, payload: payload as Record<string, unknown> }),
        log: silentLogger,
        signal: new AbortController().signal,
        ...(options.probe ? { loadProbe: async () => options.probe as Probe<TSchema> } : {}),
      }),
    started: () =>
      events
        .filter((e) => e.name === 'step:start')
        .map((e) => (e.payload['runner'] ? `${e.payload['step']}:${e.payload['runner']}` : String(e.payload['step']))),
  };
}

/** A probe that passes while the file its options name holds `want` (read inside the container). */
export const fileProbe: Probe<TSchema> = {
  id: 'file',
  sdk: 1,
  description: 'passes while a file holds a value (test)',
  optionsSchema: Type.Object({ path: Type.String(), want: Type.String() }),
  async attempt(ctx) {
    const { path, want } = ctx.options as { path: string; want: string };
    const r = await ctx.exec.read(['cat', path], { okExitCodes: [0, 1] });
    const ok = r.stdout === want;
    return { ok, durationMs: r.durationMs, detail: ok ? `${path} holds ${want.trim()}` : `${path} holds ${r.stdout.trim()}` };
  },
};

/** One health check of the file probe, with a schedule fast enough for tests. */
export function fileCheck(path: string, want: string): TaskHealthCheck {
  return {
    name: 'file',
    probe: 'file',
    modulePath: 'memory:file',
    options: { path, want },
    schedule: Value.Default(HealthScheduleSchema, {
      attempts: 2,
      failure_threshold: 1,
      backoff: { initial_ms: 1, max_ms: 2 },
    }) as HealthSchedule,
    gate: { pre_existing: 'ignore', on_warn: 'ignore' },
  };
}
