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
