import { UnrotError } from '@unrot/sdk';

export interface BundleOutdatedEntry {
  name: string;
  newest: string;
  installed: string;
  /** The Gemfile requirement, for gems the Gemfile names with one. */
  requested?: string;
  /** Git-sourced gems print `VERSION REVISION`. */
  git: boolean;
}

// bundler 2.3 lib/bundler/cli/outdated.rb print_gem: "NAME (newest V, installed V[, requested REQ])".
// A requirement with several parts is joined with ", ", so `requested` runs to the closing paren.
const OUTDATED_LINE = /^(\S+) \(newest ([^,()]+), installed ([^,()]+)(?:, requested (.+))?\)$/;

/** `bundle outdated --parseable`; lines without "(newest " are Bundler's messages and are skipped. */
export function parseBundleOutdated(stdout: string, source: string): BundleOutdatedEntry[] {
  const entries: BundleOutdatedEntry[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (!line.includes('(newest ')) continue;
    const match = OUTDATED_LINE.exec(line);
    if (!match) throw new UnrotError('E_RUNNER_PARSE', `${source}: cannot read the line ${JSON.stringify(line.slice(0, 200))}`, { source });
    const [, name, newest, installed, requested] = match as unknown as [string, string, string, string, string | undefined];
    entries.push({
      name,
      newest,
      installed,
      ...(requested !== undefined ? { requested } : {}),
      git: newest.includes(' ') || installed.includes(' '),
    });
  }
  return entries;
}

export interface LockfileSource {
  /** GEM, GIT or PATH. */
  kind: string;
  remote: string;
}

export interface Lockfile {
  /** name → locked version (the highest, when platforms list one gem twice). */
  specs: Map<string, string>;
  sources: LockfileSource[];
}

// `    nokogiri (1.15.4-x86_64-linux)`: the platform follows the version after a dash.
const SPEC_LINE = /^ {4}([^\s(]+) \(([^)\s]+)\)$/;
const PLATFORM_SUFFIX = /^([0-9][0-9A-Za-z.]*)-[A-Za-z_].*$/;

/** Gemfile.lock: the specs of every GEM/GIT/PATH section and each section's remote. */
export function parseLockfile(text: string): Lockfile {
  const specs = new Map<string, string>();
  const sources: LockfileSource[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (/^[A-Z]/.test(line)) {
      section = line.trim();
      continue;
    }
    if (section !== 'GEM' && section !== 'GIT' && section !== 'PATH') continue;
    const remote = /^ {2}remote: (\S+)$/.exec(line);
    if (remote) {
      sources.push({ kind: section, remote: remote[1] as string });
      continue;
    }
    const spec = SPEC_LINE.exec(line);
    if (!spec) continue;
    const name = spec[1] as string;
    const version = PLATFORM_SUFFIX.exec(spec[2] as string)?.[1] ?? (spec[2] as string);
    specs.set(name, version);
  }
  return { specs, sources };
}

/** `bundle config list --parseable`: `mirror.SOURCE_URL=MIRROR_URL` lines. */
export function parseBundleMirrors(stdout: string): Map<string, string> {
  const mirrors = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^mirror\.(\S+?)=(\S+)$/.exec(line.trim());
    if (match) mirrors.set(normalizeSourceUrl(match[1] as string), match[2] as string);
  }
  return mirrors;
}

/** Bundler keys mirrors by the source URL with a trailing slash. */
export function normalizeSourceUrl(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
