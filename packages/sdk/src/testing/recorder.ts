// The recorder: runs a runner's whole lifecycle against a real system (this machine, a chroot,
// a container through `pct exec`) and keeps every command's real output as the captures the
// contract kit replays. No vitest here: scenario files run it with plain node.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ContainerInfo } from '../container.js';
import { UnrotError } from '../errors.js';
import type { Exec, ExecOptions, ExecResult } from '../exec.js';
import { silentLogger } from '../logger.js';
import type { CheckResult, PlanStep } from '../results.js';
import type { Runner, RunnerContext, SourceEndpoint } from '../runner.js';
import type { RunnerScenario } from './contract-kit.js';
import type { LifecyclePhase, Recording } from './replay-exec.js';

/** Where a scenario's recordings came from, written by the recorder. */
export interface ScenarioProvenance {
  /** ISO 8601 time the scenario was recorded. */
  recordedAt: string;
  /** The command that recorded it (paths relative to the working directory). */
  recorder: string[];
  /** Where the commands ran: the machine, the root, the container. */
  where: string;
  /** The tool's version as the recorder read it from the target, and the argv that read it. */
  tool: { argv: string[]; version: string };
}

/** The real system a scenario runs on. */
export interface RecorderTarget {
  /** A real exec: createLocalExec(), with `prefix: ['chroot', ROOT]` or `['pct', 'exec', VMID, '--']` for a root or a container. */
  exec: Exec;
  /** Where the commands run, for the provenance. */
  where: string;
  /** argv that prints the tool's version on the target, e.g. ['apt-get', '--version']; its first line is kept. */
  toolVersion: readonly string[];
}

/** One situation to record: what is special about the state, what the runner must make of it. */
export interface ScenarioToRecord {
  name: string;
  /** What was special about the system when it ran; `source` starts with it. */
  how: string;
  options?: unknown;
  exclusions?: string[];
  container?: Partial<ContainerInfo>;
  /** Checked while recording: a capture never holds a run that behaved otherwise. */
  expect: RunnerScenario['expect'];
}

export interface Recorder {
  /** Records one scenario on `target` (the recorder's own unless given) and keeps it. */
  record(scenario: ScenarioToRecord, target?: RecorderTarget): Promise<RunnerScenario>;
  readonly scenarios: RunnerScenario[];
  /** Writes the kept scenarios as JSON, the file the plugin's contract test hands the kit. */
  write(file: string | URL): void;
}

export interface RecorderOptions {
  target?: RecorderTarget;
  /** The recording command for the provenance; default this process's argv. */
  command?: string[];
  log?: (line: string) => void;
}

const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);
const updateKey = (u: { name: string; scope?: string | undefined }) => `${u.scope ?? ''}\u0000${u.name}`;
const endpointKeys = (list: readonly SourceEndpoint[]) => list.map((e) => JSON.stringify([e.host, e.port, e.origin])).sort();

function refuse(scenario: string, message: string): never {
  throw new Error(`recorder: ${scenario}: ${message}`);
}

function recorderCommand(): string[] {
  const [node, ...rest] = process.argv;
  return [node?.split('/').pop() ?? 'node', ...rest.map((a) => (a.startsWith('/') ? relative(process.cwd(), a) || '.' : a))];
}

/**
 * Wraps a real exec: runs every command with any exit code accepted so its output is kept, then
 * applies the caller's rule as the replay exec will. change() outside apply is refused like the
 * engine's exec does, so a recording never holds a run the engine would have stopped.
 */
export function createRecordingExec(
  inner: Exec,
): Exec & { phase: LifecyclePhase; readonly recordings: Recording[]; readonly refused: string[] } {
  const recordings: Recording[] = [];
  // Kept apart from the thrown error, so a runner that catches the refusal is still caught.
  const refused: string[] = [];
  const run = async (kind: 'read' | 'change', argv: readonly string[], opts: ExecOptions | undefined): Promise<ExecResult> => {
    const result = await inner[kind](argv, { ...opts, okExitCodes: ANY_EXIT });
    recordings.push({
      argv: [...argv],
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      ...(kind === 'change' ? { change: true } : {}),
      phase: exec.phase,
    });
    const ok = opts?.okExitCodes ?? [0];
    if (!ok.includes(result.exitCode)) {
      throw new UnrotError('E_EXEC_FAILED', `${argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim().slice(0, 500)}`, {
        argv,
        exitCode: result.exitCode,
        stderr: result.stderr,
      });
    }
    return result;
  };
  const exec = {
    dryRun: false,
    phase: 'detect' as LifecyclePhase,
    recordings,
    refused,
    read: (argv: readonly string[], opts?: ExecOptions) => run('read', argv, opts),
    async change(argv: readonly string[], opts?: ExecOptions) {
      if (exec.phase !== 'apply') {
        refused.push(`${exec.phase}: ${argv.join(' ')}`);
        throw new UnrotError('E_DRY_RUN_VIOLATION', `a changing command was attempted outside apply (${exec.phase}): ${argv.join(' ')}`, {
          argv,
        });
      }
      return run('change', argv, opts);
    },
  };
  return exec;
}

async function readToolVersion(target: RecorderTarget): Promise<string> {
  const r = await target.exec.read(target.toolVersion, { okExitCodes: ANY_EXIT });
  const line = `${r.stdout}\n${r.stderr}`.split('\n').find((l) => l.trim() !== '');
  return line?.trim() ?? `(no output, exit ${r.exitCode})`;
}

/**
 * Runs detect → sources (when expected) → check → plan → apply → check again, as the engine does,
 * asserting `expect` on the way, and returns the scenario with every command's real output.
 */
export async function recordScenario(
  runner: Runner<TSchema>,
  target: RecorderTarget,
  scenario: ScenarioToRecord,
  command: string[] = recorderCommand(),
): Promise<RunnerScenario> {
  const { name, expect } = scenario;
  const recordedAt = new Date().toISOString();
  const version = await readToolVersion(target);
  const exec = createRecordingExec(target.exec);
  const signal = new AbortController().signal;
  const ctx: RunnerContext<unknown> = {
    exec,
    log: silentLogger,
    signal,
    options: Value.Default(runner.optionsSchema, structuredClone(scenario.options ?? {})),
    container: { vmid: 101, name: 'ct101', status: 'running', tags: [], unprivileged: true, template: false, ...scenario.container },
    exclusions: scenario.exclusions ?? [],
  };

  const detected = await runner.detect(ctx);
  if (detected.applicable !== expect.applicable) refuse(name, `detect returned ${JSON.stringify(detected)}`);
  if (detected.applicable && expect.sources) {
    exec.phase = 'sources';
    const endpoints = (await runner.sources?.(ctx)) ?? [];
    if (JSON.stringify(endpointKeys(endpoints)) !== JSON.stringify(endpointKeys(expect.sources)))
      refuse(name, `sources returned ${JSON.stringify(endpoints)}`);
  }
  if (detected.applicable) {
    exec.phase = 'check';
    if (expect.checkErrorCode) {
      const error = await runner.check(ctx).then(
        () => undefined,
        (e: unknown) => e as { code?: string; message?: string },
      );
      if (error?.code !== expect.checkErrorCode) refuse(name, `check error ${error?.code} ${error?.message}`);
    } else {
      const checked = await runner.check(ctx);
      assertChecked(name, checked, expect);
      exec.phase = 'plan';
      const steps = await runner.plan(ctx, checked);
      exec.phase = 'apply';
      await runner.apply(ctx, steps);
      if (steps.length > 0) {
        exec.phase = 'after';
        assertNothingLeft(name, steps, await runner.check(ctx));
      }
    }
  }

  if (exec.refused.length > 0) refuse(name, `the runner tried to change the system outside apply: ${exec.refused.join('; ')}`);
  const provenance: ScenarioProvenance = {
    recordedAt,
    recorder: command,
    where: target.where,
    tool: { argv: [...target.toolVersion], version },
  };
  return {
    name,
    source: `${scenario.how} (recorded ${recordedAt.slice(0, 10)} by \`${command.join(' ')}\` on ${target.where}; ${version})`,
    provenance,
    ...(scenario.options !== undefined ? { options: scenario.options } : {}),
    ...(scenario.exclusions !== undefined ? { exclusions: scenario.exclusions } : {}),
    ...(scenario.container !== undefined ? { container: scenario.container } : {}),
    recordings: exec.recordings,
    expect,
  };
}

function assertChecked(name: string, checked: CheckResult, expect: RunnerScenario['expect']): void {
  if (expect.updates !== undefined && checked.updates.length !== expect.updates)
    refuse(name, `check reported ${checked.updates.length} updates, expected ${expect.updates}: ${JSON.stringify(checked.updates)}`);
  const withheld = checked.withheld.map((w) => w.name).sort();
  if (expect.withheld && JSON.stringify(withheld) !== JSON.stringify([...expect.withheld].sort()))
    refuse(name, `check withheld ${JSON.stringify(checked.withheld)}`);
}

/** The engine's verify rule: nothing a plan step carried may be pending after apply. */
function assertNothingLeft(name: string, steps: readonly PlanStep[], after: CheckResult): void {
  const planned = new Set(steps.flatMap((s) => s.updates.map(updateKey)));
  const left = after.updates.filter((u) => planned.has(updateKey(u)));
  if (left.length > 0) refuse(name, `still pending after apply: ${JSON.stringify(left)}`);
}

/** A recorder for one runner: record scenarios in order (set the system up between them), then write. */
export function createRecorder(runner: Runner<TSchema>, options: RecorderOptions = {}): Recorder {
  const scenarios: RunnerScenario[] = [];
  const log = options.log ?? ((line: string) => console.log(line));
  const command = options.command ?? recorderCommand();
  return {
    scenarios,
    async record(scenario, target = options.target) {
      if (!target) throw new Error(`recorder: ${scenario.name}: no target (pass one to createRecorder or to record)`);
      const recorded = await recordScenario(runner, target, scenario, command);
      scenarios.push(recorded);
      log(`recorded: ${scenario.name} (${recorded.recordings.length} commands)`);
      return recorded;
    },
    write(file) {
      writeFileSync(file, `${JSON.stringify(scenarios, null, 2)}\n`);
      log(`wrote ${scenarios.length} scenarios to ${file instanceof URL ? file.pathname : file}`);
    },
  };
}
