import { isIP } from 'node:net';
import { type Exec, isUnrotError, type SourceEndpoint, UnrotError } from '@unrot/sdk';
import { mapLimit } from '../host/map-limit.js';
import {
  batchProbeArgv,
  CONNECT_PROBES,
  type ConnectFailure,
  type ConnectProbe,
  type ProbeMethod,
  type ProbeOutcome,
  parseBatchProbes,
  resolveArgv,
} from './connect-probes.js';
import { assertProbeTarget, formatTarget } from './probe-target.js';

export type { ProbeMethod } from './connect-probes.js';
export { assertProbeTarget } from './probe-target.js';

/** A read-only exec inside the container: the engine passes its exec's `read`. */
export type ReadExec = Exec['read'];

export interface ReachabilityOptions {
  /** Seconds one connection attempt may take (integer 1–600); name lookups get the same plus 5 s. */
  timeoutS: number;
  /** Stops before the next endpoint; a command already running is bounded by timeoutS. */
  signal?: AbortSignal;
  /** Endpoints probed at once (default 4). */
  concurrency?: number;
}

export type ReachabilityReason = 'connected' | ConnectFailure | 'no-probe-tool';

export interface ReachabilityResult {
  endpoint: SourceEndpoint;
  /** 'unverifiable': the container has no tool to test with (a warning, not a failure). */
  ok: boolean | 'unverifiable';
  /** One line for the report: what happened, and for a failure why (DNS, refused, timeout, …). */
  detail: string;
  durationMs: number;
  reason: ReachabilityReason;
  /** The tool that answered; absent when none could. */
  method?: ProbeMethod;
}

export const DEFAULT_REACHABILITY_CONCURRENCY = 4;
const MAX_TIMEOUT_S = 600;
// Every exit code is an answer here (refused, timeout, tool missing); none may become an exec error.
const ANY_EXIT = Array.from({ length: 256 }, (_, i) => i);

type Resolution = { status: 'resolved'; address: string } | { status: 'unresolved'; detail: string } | { status: 'unknown' };

/**
 * Tests from inside the container that each endpoint accepts a TCP connection: bash's /dev/tcp
 * under `timeout`, else `nc -z`, else `busybox nc -z`; none of them → 'unverifiable'. All
 * endpoints go through one exec per method tried (connect-probes.ts BATCH_PROBE_SCRIPT), so a
 * container with bash costs one round trip; an endpoint whose record did not come back is probed
 * on its own. A failed connection to a name is followed by `getent hosts NAME`, so a name that
 * does not resolve is reported as a DNS failure rather than as refused or timed out. Every
 * endpoint is validated before anything runs (E_RUNNER_INVALID_OUTPUT); the same host:port is
 * probed once. Results keep the order of `endpoints`.
 */
export async function checkReachability(
  read: ReadExec,
  endpoints: readonly SourceEndpoint[],
  options: ReachabilityOptions,
): Promise<ReachabilityResult[]> {
  const { timeoutS, signal } = options;
  if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > MAX_TIMEOUT_S) {
    throw new UnrotError('E_INTERNAL', `reachability timeoutS must be an integer 1–${MAX_TIMEOUT_S}, got ${timeoutS}`);
  }
  for (const endpoint of endpoints) assertProbeTarget(endpoint);

  const unique = new Map<string, SourceEndpoint>();
  for (const e of endpoints) if (!unique.has(key(e))) unique.set(key(e), e);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_REACHABILITY_CONCURRENCY));
  const started = Date.now();

  const found = new Map<string, Omit<ReachabilityResult, 'endpoint' | 'durationMs'>>();
  let open = [...unique.values()];
  for (const probe of CONNECT_PROBES) {
    if (open.length === 0) break;
    if (signal?.aborted) throw new UnrotError('E_EXEC_ABORTED', 'reachability check aborted');
    const outcomes = await probeAll(read, probe, open, timeoutS, concurrency);
    const failed: [SourceEndpoint, Extract<ProbeOutcome, { kind: 'failed' }>][] = [];
    for (const [i, e] of open.entries()) {
      const outcome = outcomes[i] as ProbeOutcome;
      if (outcome.kind === 'connected') {
        const detail = `connected to ${formatTarget(e.host, e.port)} from inside the container`;
        found.set(key(e), { ok: true, reason: 'connected', method: probe.method, detail });
      } else if (outcome.kind === 'failed') failed.push([e, outcome]);
    }
    // Refused means the name resolved; for every other failure ask the resolver what it thinks.
    await mapLimit(failed, concurrency, async ([e, outcome]) => {
      const resolution =
        outcome.failure === 'refused' || isIP(e.host) !== 0 ? ({ status: 'unknown' } as const) : await resolve(read, e.host, timeoutS);
      found.set(key(e), { ok: false, method: probe.method, ...explain(formatTarget(e.host, e.port), timeoutS, outcome, resolution) });
    });
    open = open.filter((e) => !found.has(key(e)));
  }
  const durationMs = Date.now() - started;
  return endpoints.map((endpoint) => {
    const r = found.get(key(endpoint)) ?? {
      ok: 'unverifiable' as const,
      reason: 'no-probe-tool' as const,
      detail: `cannot test ${formatTarget(endpoint.host, endpoint.port)} from inside the container: it has neither bash with /dev/tcp (and timeout) nor an nc or busybox nc that knows -z`,
    };
    return { ...r, endpoint, durationMs };
  });
}

const key = (e: SourceEndpoint): string => `${e.host.toLowerCase()}|${e.port}`;

/** One method for every open endpoint in one exec; an endpoint without a clean record is probed alone. */
async function probeAll(
  read: ReadExec,
  probe: ConnectProbe,
  targets: readonly SourceEndpoint[],
  timeoutS: number,
  concurrency: number,
): Promise<ProbeOutcome[]> {
  const rounds = Math.ceil(targets.length / concurrency);
  let records = new Map<number, { exitCode: number; stderr: string }>();
  try {
    // The script bounds each probe; this is the backstop should the container not answer at all.
    const r = await read(batchProbeArgv(probe.method, targets, timeoutS, concurrency), {
      okExitCodes: ANY_EXIT,
      timeoutMs: (timeoutS + 5) * 1000 * rounds,
    });
    records = parseBatchProbes(r.stdout, targets.length);
  } catch (error) {
    if (!isUnrotError(error)) throw error;
    if (error.code === 'E_EXEC_TIMEOUT') {
      return targets.map(() => ({ kind: 'failed', failure: 'timeout', message: `no answer within ${timeoutS} s` }) as const);
    }
    // No sh to run the batch (126/127 as errors): each endpoint is probed on its own below.
    if (error.code !== 'E_EXEC_NOT_FOUND' && error.code !== 'E_EXEC_NOT_EXECUTABLE') throw error;
  }
  return mapLimit([...targets.entries()], concurrency, async ([i, e]) => {
    const record = records.get(i);
    if (record) return probe.interpret(record, timeoutS);
    return runProbe(read, probe.argv(e.host, e.port, timeoutS), (r) => probe.interpret(r, timeoutS), timeoutS);
  });
}

function explain(
  target: string,
  timeoutS: number,
  outcome: Extract<ProbeOutcome, { kind: 'failed' }>,
  resolution: Resolution,
): { reason: ConnectFailure; detail: string } {
  if (resolution.status === 'unresolved') return { reason: 'dns', detail: `DNS failure: ${resolution.detail}` };
  const via = resolution.status === 'resolved' ? ` (resolves to ${resolution.address})` : '';
  const why = outcome.message ? `: ${outcome.message}` : '';
  switch (outcome.failure) {
    case 'refused':
      return { reason: 'refused', detail: `connection to ${target} refused${why}` };
    case 'timeout':
      return { reason: 'timeout', detail: `no answer from ${target}${via} within ${timeoutS} s (timeout)` };
    case 'dns':
      return { reason: 'dns', detail: `DNS failure: the name of ${target} does not resolve in the container${why}` };
    case 'unreachable':
      return { reason: 'unreachable', detail: `${target}${via} is unreachable from the container${why}` };
    case 'failed':
      return { reason: 'failed', detail: `could not connect to ${target}${via}${why || ' (the probe gave no reason)'}` };
  }
}

async function runProbe(
  read: ReadExec,
  argv: string[],
  interpret: (r: { exitCode: number; stderr: string }) => ProbeOutcome,
  timeoutS: number,
): Promise<ProbeOutcome> {
  try {
    // The command bounds itself; this is the backstop should the container not answer at all.
    const r = await read(argv, { okExitCodes: ANY_EXIT, timeoutMs: (timeoutS + 5) * 1000 });
    return interpret(r);
  } catch (error) {
    if (!isUnrotError(error)) throw error;
    if (error.code === 'E_EXEC_TIMEOUT') return { kind: 'failed', failure: 'timeout', message: `no answer within ${timeoutS} s` };
    // An exec that does not accept every exit code reports a missing tool this way.
    if (error.code === 'E_EXEC_NOT_FOUND' || error.code === 'E_EXEC_NOT_EXECUTABLE') return { kind: 'unusable' };
    throw error;
  }
}

async function resolve(read: ReadExec, host: string, timeoutS: number): Promise<Resolution> {
  try {
    const r = await read(resolveArgv(host), { okExitCodes: ANY_EXIT, timeoutMs: (timeoutS + 5) * 1000 });
    if (r.exitCode === 0) {
      const address = r.stdout.trim().split(/\s+/)[0];
      return address ? { status: 'resolved', address } : { status: 'unknown' };
    }
    if (r.exitCode === 2) return { status: 'unresolved', detail: `${host} does not resolve in the container (getent hosts exit 2)` };
    return { status: 'unknown' };
  } catch (error) {
    if (isUnrotError(error) && error.code === 'E_EXEC_TIMEOUT') {
      return { status: 'unresolved', detail: `looking up ${host} in the container did not finish within ${timeoutS + 5} s` };
    }
    if (isUnrotError(error) && error.code !== 'E_EXEC_ABORTED' && error.code !== 'E_EXEC_SPAWN') return { status: 'unknown' };
    throw error;
  }
}
