import type { ExecResult } from '@unrot/sdk';

export type ProbeMethod = 'bash' | 'nc' | 'busybox-nc';
export type ConnectFailure = 'dns' | 'refused' | 'timeout' | 'unreachable' | 'failed';

/** What one probe command said: the tool is not usable here, it connected, or it could not connect. */
export type ProbeOutcome = { kind: 'unusable' } | { kind: 'connected' } | { kind: 'failed'; failure: ConnectFailure; message: string };

/**
 * A constant script: host and port reach it as $1 and $2 (positional parameters), never as
 * part of the script text, so nothing from a runner is ever parsed by a shell. $0 names the
 * probe in bash's error messages.
 */
export const BASH_PROBE_SCRIPT = 'exec 3<>"/dev/tcp/$1/$2"';

/**
 * Every endpoint of one pre-flight in ONE exec (issue 16: each round trip into a container is a
 * `pct` process on the host). A constant POSIX sh script: $1 the timeout, $2 the probe method,
 * $3 how many run at once, then host and port pairs, all positional parameters. It runs exactly
 * the command the method's argv() runs, for every pair, and prints one line per pair:
 * `@unrot-probe INDEX EXIT STDERR`, the command's stderr with its line breaks turned into
 * \x1f (so one record stays one line). Each line is written by one printf after its probe
 * ended; a line that comes out garbled or twice is treated as missing (probed again on its own).
 */
export const BATCH_PROBE_SCRIPT = [
  't=$1; m=$2; c=$3; shift 3',
  'one() {',
  '  case $m in',
  `    bash) timeout "$t" bash -c '${BASH_PROBE_SCRIPT}' unrot-probe "$1" "$2" ;;`,
  '    nc) nc -z -v -w "$t" "$1" "$2" ;;',
  '    busybox-nc) busybox nc -z -v -w "$t" "$1" "$2" ;;',
  '  esac',
  '}',
  "us=$(printf '\\037')",
  "flat() { set -f; IFS='",
  '\'; set -- $1; IFS=$us; printf %s "$*"; }',
  'i=0',
  'while [ $# -ge 2 ]; do',
  '  ( e=$(one "$1" "$2" 2>&1 >/dev/null); rc=$?; printf "@unrot-probe %s %s %s\\n" "$i" "$rc" "$(flat "$e")" ) &',
  '  i=$((i + 1)); shift 2',
  '  if [ $((i % c)) -eq 0 ]; then wait; fi',
  'done',
  'wait',
].join('\n');

/** The batch exec: `sh -c SCRIPT unrot-probes TIMEOUT METHOD CONCURRENCY HOST PORT …`. */
export const batchProbeArgv = (
  method: ProbeMethod,
  targets: readonly { host: string; port: number }[],
  timeoutS: number,
  concurrency: number,
): string[] => [
  'sh',
  '-c',
  BATCH_PROBE_SCRIPT,
  'unrot-probes',
  String(timeoutS),
  method,
  String(concurrency),
  ...targets.flatMap((t) => [t.host, String(t.port)]),
];

const RECORD = /^@unrot-probe (\d+) (\d{1,3}) (.*)$/;

/** The batch's stdout → exit code and stderr per target index; garbled or repeated indexes are left out. */
export function parseBatchProbes(stdout: string, count: number): Map<number, { exitCode: number; stderr: string }> {
  const seen = new Map<number, { exitCode: number; stderr: string } | null>();
  for (const line of stdout.split('\n')) {
    const m = RECORD.exec(line);
    if (!m) continue;
    const index = Number(m[1]);
    const exitCode = Number(m[2]);
    if (index >= count || exitCode > 255) continue;
    seen.set(index, seen.has(index) ? null : { exitCode, stderr: (m[3] as string).replaceAll('\x1f', '\n') });
  }
  const out = new Map<number, { exitCode: number; stderr: string }>();
  for (const [index, r] of seen) if (r) out.set(index, r);
  return out;
}

export interface ConnectProbe {
  method: ProbeMethod;
  argv(host: string, port: number, timeoutS: number): string[];
  interpret(result: Pick<ExecResult, 'exitCode' | 'stderr'>, timeoutS: number): ProbeOutcome;
}

const NOT_THERE = new Set([126, 127]);
// An nc without -z (Debian's busybox, for one) exits 1 with its usage text: that is no answer about the network.
const NO_ZERO_IO = /invalid option|unrecognized option|illegal option|unknown option|usage:/i;

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.at(-1) ?? '').slice(0, 300);
}

/** Reads the C-locale messages of bash, OpenBSD/traditional nc and busybox nc (the engine runs commands with LC_ALL=C). */
export function classifyConnectError(stderr: string): ConnectFailure {
  if (/connection refused/i.test(stderr)) return 'refused';
  if (/timed out|timeout/i.test(stderr)) return 'timeout';
  if (
    /name or service not known|temporary failure in name resolution|no address associated|bad address|could not resolve|unknown host|host not found|servname not supported/i.test(
      stderr,
    )
  )
    return 'dns';
  if (/network is unreachable|no route to host|host is unreachable/i.test(stderr)) return 'unreachable';
  return 'failed';
}

function failedFrom(stderr: string): ProbeOutcome {
  return { kind: 'failed', failure: classifyConnectError(stderr), message: lastLine(stderr) };
}

const bash: ConnectProbe = {
  method: 'bash',
  // `timeout` bounds connect and name lookup together; bash gives up on neither by itself.
  argv: (host, port, t) => ['timeout', String(t), 'bash', '-c', BASH_PROBE_SCRIPT, 'unrot-probe', host, String(port)],
  interpret({ exitCode, stderr }, t) {
    if (exitCode === 0) return { kind: 'connected' };
    // 127/126: bash (or timeout) missing, e.g. Alpine; 125: timeout itself failed.
    if (NOT_THERE.has(exitCode) || exitCode === 125) return { kind: 'unusable' };
    if (exitCode === 124) return { kind: 'failed', failure: 'timeout', message: `no answer within ${t} s` };
    // A bash built without network redirections treats /dev/tcp/... as a file name.
    if (/\/dev\/tcp\/.*No such file or directory/.test(stderr)) return { kind: 'unusable' };
    return failedFrom(stderr);
  },
};

function ncProbe(method: ProbeMethod, prefix: readonly string[]): ConnectProbe {
  return {
    method,
    // -z: connect and close without sending; -v: say why a connect failed; -w: connect timeout.
    argv: (host, port, t) => [...prefix, '-z', '-v', '-w', String(t), host, String(port)],
    interpret({ exitCode, stderr }) {
      if (exitCode === 0) return { kind: 'connected' };
      if (NOT_THERE.has(exitCode) || /applet not found/i.test(stderr)) return { kind: 'unusable' };
      if (NO_ZERO_IO.test(stderr)) return { kind: 'unusable' };
      return failedFrom(stderr);
    },
  };
}

/** Tried in this order; the first usable one answers. */
export const CONNECT_PROBES: readonly ConnectProbe[] = [bash, ncProbe('nc', ['nc']), ncProbe('busybox-nc', ['busybox', 'nc'])];

/** `getent hosts NAME`: exit 2 means the name does not resolve. */
export const resolveArgv = (host: string): string[] => ['getent', 'hosts', host];
