import { type RunnerContext, UnrotError } from '@unrot/sdk';
import { SOURCES_LIST, SOURCES_PARTS } from './argv.js';

/**
 * apt's read-only discovery in ONE exec: `apt-get --version`, every sources file apt may read,
 * and apt-config's proxy settings. Each round trip into a container is a `pct` process on the
 * host, so detect and the network pre-flight share this one (issue 16).
 *
 * The script is constant; the apt-config keys reach it as positional parameters. Every record is
 * one line, `@unrot-apt KIND EXIT [NAME] BASE64`, so no byte a container prints can end a record
 * early or forge a field: file contents and command output are base64 (coreutils, which Debian and
 * Ubuntu mark Essential). File names are filtered by the script to apt's own part-name characters.
 */
export const DISCOVERY_SCRIPT = [
  'b64() { printf %s "$1" | base64 -w 0; }',
  'rec() { printf "@unrot-apt %s %s %s %s\\n" "$1" "$2" "$3" "$4"; }',
  'out=$(apt-get --version 2>&1); rc=$?',
  'rec version "$rc" - "$(b64 "$out")"',
  '[ "$rc" -eq 127 ] && exit 0',
  `for f in ${SOURCES_LIST} ${SOURCES_PARTS}/*.list ${SOURCES_PARTS}/*.sources; do`,
  '  [ -e "$f" ] || [ -L "$f" ] || continue',
  '  case $f in *[!A-Za-z0-9_./-]*) continue;; esac',
  '  if data=$(base64 -w 0 "$f" 2>/dev/null); then rec file 0 "$f" "$data"',
  '  else rec file 1 "$f" "$(base64 -w 0 "$f" 2>&1 >/dev/null | base64 -w 0)"; fi',
  'done',
  'out=$(apt-config dump "$@" 2>&1); rc=$?',
  'rec apt-config "$rc" - "$(b64 "$out")"',
].join('\n');

/** Only the proxy subtrees: the whole dump is ~300 lines and may hold credentials of other settings. */
export const APT_CONFIG_PROXY_KEYS = [
  'Acquire::http::Proxy',
  'Acquire::https::Proxy',
  'Acquire::ftp::Proxy',
  'Acquire::http::Proxy-Auto-Detect',
  'Acquire::https::Proxy-Auto-Detect',
  'Acquire::http::ProxyAutoDetect',
] as const;

/** `$0` names the script in the shell's own error messages. LC_ALL=C: apt's words in English for the parsers. */
export const discoveryArgv = (): string[] => [
  'env',
  'LC_ALL=C',
  'sh',
  '-c',
  DISCOVERY_SCRIPT,
  'unrot-apt-discovery',
  ...APT_CONFIG_PROXY_KEYS,
];

export interface DiscoveredFile {
  path: string;
  /** false: apt could not read it either; `text` is then the reason (the tool's own words). */
  readable: boolean;
  text: string;
}

export interface AptDiscovery {
  /** `apt-get --version`'s exit code (127: not in the container) and output. */
  version: { exitCode: number; text: string };
  files: DiscoveredFile[];
  /** undefined when apt-get is absent (the script stops there). */
  aptConfig?: { exitCode: number; text: string };
}

const RECORD = /^@unrot-apt (version|file|apt-config) (\d{1,3}) (\S+) ([A-Za-z0-9+/=]*)$/;
// The script prints file names only from this alphabet; anything else is not its output.
const SAFE_PATH = /^\/etc\/apt\/[A-Za-z0-9_./-]+$/;

const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

function invalid(why: string, stdout: string): UnrotError {
  return new UnrotError('E_RUNNER_INVALID_OUTPUT', `apt discovery printed what its script cannot: ${why}`, {
    output: stdout.slice(-500),
  });
}

/** Parses the script's stdout; anything else than its records (exactly one version, at most one apt-config) is refused. */
export function parseDiscovery(stdout: string): AptDiscovery {
  let version: AptDiscovery['version'] | undefined;
  let aptConfig: AptDiscovery['aptConfig'];
  const files: DiscoveredFile[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const m = RECORD.exec(line);
    if (!m) throw invalid(`an unexpected line ${JSON.stringify(line.slice(0, 120))}`, stdout);
    const [, kind, code, name, data] = m as unknown as [string, string, string, string, string];
    const exitCode = Number(code);
    if (kind === 'file') {
      if (!SAFE_PATH.test(name) || name.includes('/../')) throw invalid(`a file name ${JSON.stringify(name)}`, stdout);
      files.push({ path: name, readable: exitCode === 0, text: decode(data) });
    } else if (kind === 'version') {
      if (version) throw invalid('two version records', stdout);
      version = { exitCode, text: decode(data) };
    } else {
      if (aptConfig) throw invalid('two apt-config records', stdout);
      aptConfig = { exitCode, text: decode(data) };
    }
  }
  if (!version) throw invalid('no version record', stdout);
  if (version.exitCode !== 127 && !aptConfig) throw invalid('no apt-config record', stdout);
  return { version, files, ...(aptConfig ? { aptConfig } : {}) };
}

/** Runs the discovery script: one exec. Exit 127 (no sh at all) reads as apt-get absent. */
export async function discover(ctx: RunnerContext<unknown>): Promise<AptDiscovery> {
  if (ctx.signal.aborted) throw new UnrotError('E_EXEC_ABORTED', 'apt discovery aborted');
  const r = await ctx.exec.read(discoveryArgv(), { okExitCodes: [0, 127] });
  if (r.exitCode === 127) return { version: { exitCode: 127, text: r.stderr }, files: [] };
  return parseDiscovery(r.stdout);
}

// detect's discovery, handed to sources() of the same container run (the engine calls sources right
// after a positive detect). Keyed by the ContainerInfo object the engine passes to every step of one
// container; taken once, so a later run (or a context built elsewhere) discovers afresh.
const handedOver = new WeakMap<object, { discovery: AptDiscovery; at: number }>();
const MAX_AGE_MS = 10 * 60_000;

export function handOver(ctx: RunnerContext<unknown>, discovery: AptDiscovery): void {
  handedOver.set(ctx.container, { discovery, at: Date.now() });
}

/** detect's discovery for this container run if it is fresh, else a new one (one exec). */
export async function takeOrDiscover(ctx: RunnerContext<unknown>): Promise<AptDiscovery> {
  const kept = handedOver.get(ctx.container);
  handedOver.delete(ctx.container);
  if (kept && Date.now() - kept.at <= MAX_AGE_MS) return kept.discovery;
  return discover(ctx);
}
