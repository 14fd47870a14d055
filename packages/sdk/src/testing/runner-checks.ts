// Assertions the runner contract kit applies to argv and to the optional Runner methods
// (sources, declaredCommands, validateOptions). Kept apart from contract-kit.ts so each can be
// proven to refuse a bad runner (packages/sdk/test) without registering a whole contract.
import { isDeepStrictEqual } from 'node:util';
import type { TSchema } from '@sinclair/typebox';
import { expect } from 'vitest';
import { isUnrotError } from '../errors.js';
import type { ExecRecord } from '../exec.js';
import type { DeclaredCommand, OptionsProblem, Runner, RunnerContext, SourceEndpoint } from '../runner.js';
import { isSourceHost, isSourcePort } from '../source-endpoint.js';

type OptionsPath = ReadonlyArray<string | number>;

const SHELL_NAMES = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh', 'mksh']);
// `sh -c`, but also the clusters scripts use: `sh -ec`, `bash -lc`, `sh -xc`.
const COMMAND_STRING_FLAG = /^-[A-Za-z]*c[A-Za-z]*$/;
const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const basename = (arg: string | undefined) => (arg ?? '').split('/').pop() ?? '';

/**
 * Refuses argv that hands a command string to a shell: directly, behind `env NAME=value` (the
 * documented way to set variables) or `busybox`, by bare name or path (`/usr/bin/bash -c`), and
 * with the flag in a cluster (`sh -ec`). Only the shell's own options count: `bash script.sh -c`
 * passes `-c` to the script. A command string that is one of `scripts` (the runner's declared
 * constant scripts, Runner.scripts) passes: its arguments are positional parameters.
 */
export function assertNoShell(argv: readonly string[], scripts: readonly string[] = []): void {
  let i = 0;
  if (basename(argv[0]) === 'env') {
    i = 1;
    while (i < argv.length && (ENV_ASSIGNMENT.test(argv[i] as string) || (argv[i] as string).startsWith('-'))) i++;
  }
  if (basename(argv[i]) === 'busybox') i++;
  if (!SHELL_NAMES.has(basename(argv[i]))) return;
  for (let j = i + 1; j < argv.length; j++) {
    const arg = argv[j] as string;
    if (arg === '--' || !/^[-+]/.test(arg)) return;
    if (COMMAND_STRING_FLAG.test(arg)) {
      if (scripts.includes(argv[j + 1] as string)) return;
      throw new Error(`runner built a shell command: ${JSON.stringify(argv)}`);
    }
    // `-o NAME` / `+o NAME` take the next argument.
    if (arg === '-o' || arg === '+o' || arg === '-O' || arg === '+O') j++;
  }
}

/** An argv the exec may receive: a non-empty array of strings, no shell command string. */
export function assertArgv(argv: unknown, what: string, scripts: readonly string[] = []): void {
  expect(Array.isArray(argv), `${what}: argv is an array, got ${JSON.stringify(argv)}`).toBe(true);
  const list = argv as unknown[];
  expect(list.length, `${what}: argv is not empty`).toBeGreaterThan(0);
  for (const arg of list) expect(typeof arg, `${what}: every argv element is a string, got ${JSON.stringify(argv)}`).toBe('string');
  assertNoShell(list as string[], scripts);
}

// scheme://userinfo@ in a URL, and a bare `user:password@host` (a proxy setting printed as-is).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#@]*)@/gi;
const BARE_USERINFO = /(?:^|[\s(,;=])([^\s:/@(),;=]+):([^\s/@]+)@(?=[^\s@])/g;
const REDACTED = /^\*+$/;
// A user name alone is a login for ssh; in an http(s) or ftp URL it is where tokens go.
const LOGIN_SCHEMES = /(?:^|\+)(?:ssh|sftp)$/;
// The origin goes into reports, logs and terminal lines: one line, no terminal escapes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

/** What in `origin` looks like a credential (itself shortened, so the failure message leaks nothing), or undefined. */
export function credentialIn(origin: string): string | undefined {
  for (const m of origin.matchAll(URL_USERINFO)) {
    const scheme = (m[1] as string).toLowerCase();
    const info = m[2] as string;
    const colon = info.indexOf(':');
    if (colon >= 0 && !REDACTED.test(info.slice(colon + 1))) return `${scheme}://${info.slice(0, colon)}:…@ (a password)`;
    if (colon < 0 && info !== '' && !REDACTED.test(info) && !LOGIN_SCHEMES.test(scheme)) return `${scheme}://…@ (a user name or token)`;
  }
  for (const m of origin.matchAll(BARE_USERINFO)) {
    if (!REDACTED.test(m[2] as string)) return `${m[1]}:…@ (a password)`;
  }
  return undefined;
}

/** One endpoint as the engine's pre-flight will accept it, with an origin fit for the report. */
export function assertSourceEndpoint(endpoint: unknown): void {
  const e = endpoint as Partial<SourceEndpoint> | null;
  expect(typeof e === 'object' && e !== null && !Array.isArray(e), `an endpoint is an object, got ${JSON.stringify(endpoint)}`).toBe(true);
  expect(
    isSourceHost(e?.host),
    `host ${JSON.stringify(e?.host)} is a host name or an IP address (no brackets, port or shell characters)`,
  ).toBe(true);
  expect(isSourcePort(e?.port), `port ${JSON.stringify(e?.port)} of ${e?.host} is an integer 1–65535`).toBe(true);
  expect(
    typeof e?.origin === 'string' && e.origin.trim().length > 0,
    `endpoint ${e?.host}:${e?.port} says where it came from (origin)`,
  ).toBe(true);
  const origin = e?.origin as string;
  expect(CONTROL.test(origin), `origin of ${e?.host}:${e?.port} is one line without control characters`).toBe(false);
  const credential = credentialIn(origin);
  expect(credential, `origin of ${e?.host}:${e?.port} carries a credential: ${credential}; redact it (***)`).toBeUndefined();
}

const endpointKey = (e: SourceEndpoint) => `${e.host}\u0000${e.port}\u0000${e.origin}`;

/** Sorted copies, so two lists compare as multisets: the order of sources carries no meaning to the engine. */
export function sortedEndpoints(list: readonly SourceEndpoint[]): SourceEndpoint[] {
  return [...list]
    .map((e) => ({ host: e.host, port: e.port, origin: e.origin }))
    .sort((a, b) => (endpointKey(a) < endpointKey(b) ? -1 : endpointKey(a) > endpointKey(b) ? 1 : 0));
}

/**
 * Calls sources() as the engine's pre-flight does (after detect, with the same kind of context)
 * and checks what it ran and what it returned. `records` is the exec's log; only the entries
 * sources() added are judged.
 */
export async function assertSourcesRun(
  runner: Runner<TSchema>,
  ctx: RunnerContext<unknown>,
  records: readonly ExecRecord[],
  expected: readonly SourceEndpoint[],
): Promise<void> {
  expect(typeof runner.sources, 'the runner implements sources').toBe('function');
  const before = records.length;
  // Called as a method, as the engine binds it: a runner may use `this`.
  const returned: unknown = await runner.sources?.(ctx);
  const ran = records.slice(before);
  expect(
    ran.filter((r) => r.kind === 'change').map((r) => r.argv),
    'sources only reads: no exec.change',
  ).toEqual([]);
  for (const r of ran) assertArgv(r.argv, 'sources', runner.scripts);
  expect(Array.isArray(returned), `sources returns an array, got ${JSON.stringify(returned)}`).toBe(true);
  const endpoints = returned as SourceEndpoint[];
  for (const e of endpoints) assertSourceEndpoint(e);
  for (const e of endpoints)
    expect(Object.keys(e).sort(), `endpoint ${e.host}:${e.port} has only host, port and origin`).toEqual(['host', 'origin', 'port']);
  expect(sortedEndpoints(endpoints), 'sources returns exactly the expected endpoints (in any order)').toEqual(sortedEndpoints(expected));
}

/** sources() on an already aborted signal rejects with a coded error instead of returning or hanging. */
export async function assertSourcesAbort(runner: Runner<TSchema>, ctx: RunnerContext<unknown>): Promise<void> {
  expect(ctx.signal.aborted, 'the context carries an aborted signal').toBe(true);
  // Wrapped so a synchronous throw counts as a rejection too.
  const outcome = await (async () => runner.sources?.(ctx))().then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  expect(
    'error' in outcome,
    `sources must reject when aborted, it returned ${JSON.stringify('value' in outcome ? outcome.value : '')}`,
  ).toBe(true);
  if ('error' in outcome)
    expect(isUnrotError(outcome.error), `sources must reject with a coded UnrotError, got ${String(outcome.error)}`).toBe(true);
}

/** Where `path` leads inside `root`: only own keys of plain objects and in-range indexes of arrays count. */
export function resolveOptionsPath(root: unknown, path: OptionsPath): { found: true; value: unknown } | { found: false } {
  let current: unknown = root;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || !Number.isInteger(segment) || segment < 0 || segment >= current.length) return { found: false };
      current = current[segment];
    } else if (typeof segment === 'string') {
      if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, segment))
        return { found: false };
      current = (current as Record<string, unknown>)[segment];
    } else return { found: false };
  }
  return { found: true, value: current };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

const pathText = (path: unknown) => JSON.stringify(path);

function assertPath(path: unknown, what: string): asserts path is OptionsPath {
  expect(
    Array.isArray(path) && path.every((p) => typeof p === 'string' || (typeof p === 'number' && Number.isInteger(p) && p >= 0)),
    `${what}: path is an array of keys and indexes, got ${pathText(path)}`,
  ).toBe(true);
}

/**
 * Runs a pure options method the way the engine does (options only, defaults applied): on a
 * deep-frozen copy, so a method that writes into the options throws, and twice, so a result
 * that depends on anything but the options (time, randomness, state) shows as a difference.
 */
function callPure<T>(method: (options: unknown) => T, options: unknown, name: string): T {
  const call = () => {
    try {
      return method(deepFreeze(structuredClone(options)));
    } catch (error) {
      // Strict-mode code (every ES module) throws a TypeError when it writes into a frozen object.
      if (error instanceof TypeError && /read[- ]only|not extensible|frozen/i.test(error.message))
        throw new Error(`${name} writes into its options (it must be pure): ${error.message}`, { cause: error });
      throw error;
    }
  };
  const first = call();
  const second = call();
  expect(
    isDeepStrictEqual(first, second),
    `${name} returns the same for the same options (pure): ${JSON.stringify(first)} then ${JSON.stringify(second)}`,
  ).toBe(true);
  return first;
}

/** declaredCommands(options): each argv non-empty strings and found in the options at its path. */
export function assertDeclaredCommands(runner: Runner<TSchema>, options: unknown): DeclaredCommand[] {
  const method = runner.declaredCommands as (options: unknown) => unknown;
  const declared = callPure(method.bind(runner), options, 'declaredCommands');
  expect(Array.isArray(declared), `declaredCommands returns an array, got ${JSON.stringify(declared)}`).toBe(true);
  for (const command of declared as DeclaredCommand[]) {
    const what = `declaredCommands ${JSON.stringify(command)}`;
    expect(typeof command === 'object' && command !== null, `${what} is an object`).toBe(true);
    const argv: unknown = command.argv;
    expect(
      Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === 'string'),
      `${what}: argv is a non-empty array of strings`,
    ).toBe(true);
    assertPath(command.path, what);
    const at = resolveOptionsPath(options, command.path);
    expect(at.found, `${what}: path ${pathText(command.path)} exists in the options`).toBe(true);
    if (at.found) expect(at.value, `${what}: the options hold this argv at ${pathText(command.path)}`).toEqual(argv);
  }
  return declared as DeclaredCommand[];
}

/** validateOptions(options): `{ path, message }` problems whose paths exist in the options. */
export function assertValidateOptions(runner: Runner<TSchema>, options: unknown): OptionsProblem[] {
  const method = runner.validateOptions as (options: unknown) => unknown;
  const problems = callPure(method.bind(runner), options, 'validateOptions');
  expect(Array.isArray(problems), `validateOptions returns an array, got ${JSON.stringify(problems)}`).toBe(true);
  for (const problem of problems as OptionsProblem[]) {
    const what = `validateOptions problem ${JSON.stringify(problem)}`;
    expect(typeof problem === 'object' && problem !== null, `${what} is an object`).toBe(true);
    expect(typeof problem.message === 'string' && problem.message.trim().length > 0, `${what}: message says what is wrong`).toBe(true);
    assertPath(problem.path, what);
    expect(resolveOptionsPath(options, problem.path).found, `${what}: path ${pathText(problem.path)} exists in the options`).toBe(true);
  }
  return problems as OptionsProblem[];
}
