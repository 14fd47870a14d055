import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
// The runners' own demo-source builders (one copy each, shared with their integration tests and
// fixture recorders): the sandbox serves exactly what those tests proved the real tools accept.
import { buildDemoSource as buildComposerSource } from '../../../../plugins/runner-composer/test/support/demo-source.mjs';
import {
  APP_BRANCH,
  arch,
  buildDemoSource as buildFlatpakRepo,
  DEMO_APP,
  OTHER_APP,
  publishDemoApp,
  repoPath,
  run,
} from '../../../../plugins/runner-flatpak/test/support/demo-source.mjs';
import { buildDemoSource as buildGemSource } from '../../../../plugins/runner-gem/test/support/demo-source.mjs';
import { buildDemoSource as buildGoProxy } from '../../../../plugins/runner-go/test/support/demo-source.mjs';
import type { SandboxSettings } from './settings.js';

/** The package sources of the `lang` group; `publish-broken` takes these names. */
export const LANG_SOURCES = ['composer', 'gem', 'go', 'flatpak'] as const;
export type LangSource = (typeof LANG_SOURCES)[number];

export function composerRepoUrl(s: SandboxSettings): string {
  return `http://127.0.0.1:${s.composerPort}`;
}

export function gemSourceUrl(s: SandboxSettings): string {
  return `http://127.0.0.1:${s.gemPort}/`;
}

export function goProxyUrl(s: SandboxSettings): string {
  return `http://127.0.0.1:${s.goproxyPort}`;
}

export function flatpakRemoteUrl(s: SandboxSettings): string {
  return `http://127.0.0.1:${s.flatpakPort}/repo`;
}

/** The directory each source is served from, and the name of its server (servers.ts). */
export function langSourceDir(s: SandboxSettings, source: LangSource): string {
  return { composer: s.composerDir, gem: s.gemDir, go: s.goproxyDir, flatpak: s.flatpakDir }[source];
}

export function langSourcePort(s: SandboxSettings, source: LangSource): number {
  return { composer: s.composerPort, gem: s.gemPort, go: s.goproxyPort, flatpak: s.flatpakPort }[source];
}

export function langServerName(source: LangSource): 'composer' | 'gem' | 'goproxy' | 'flatpak' {
  return source === 'go' ? 'goproxy' : source;
}

/** A file each builder writes last, so a half-built directory is rebuilt by the next `up`. */
function readyFile(s: SandboxSettings, source: LangSource): string {
  if (source === 'composer') return join(s.composerDir, 'packages.json');
  if (source === 'gem') return join(s.gemDir, 'specs.4.8.gz');
  if (source === 'flatpak') return flatpakCommitsFile(s);
  return join(s.goproxyDir, 'example.test', 'stay', '@v', 'list');
}

export function langSourceReady(s: SandboxSettings, source: LangSource): boolean {
  return existsSync(readyFile(s, source));
}

/**
 * Writes one source: Composer's `packages.json` + dist zips (URLs absolute, so the port is baked
 * in), a `gem generate_index` tree (gem build runs on the host: it needs Debian's `ruby`), a Go
 * module proxy of static files. `broken`: with the release that installs but breaks its app.
 */
export async function buildLangSource(s: SandboxSettings, source: LangSource, broken = false): Promise<void> {
  if (source === 'composer') buildComposerSource(s.composerDir, composerRepoUrl(s), { broken });
  else if (source === 'gem') {
    try {
      // A clean environment: the host's GEM_HOME/GEMRC must not steer `gem build`.
      buildGemSource(s.gemDir, { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8' }, { broken });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new UnrotError('E_EXEC_FAILED', `building the gem source needs Debian's ruby on the host (gem build): ${message}`);
    }
  } else if (source === 'go') buildGoProxy(s.goproxyDir, { crashing: broken });
  else if (broken) publishBrokenFlatpakApp(s);
  else buildFlatpakSource(s);
}

/**
 * Publishes the broken 1.2 of one ecosystem into the running sandbox's source (for the rollback
 * drills): the builder runs again over the served directory with the broken release added, so the
 * next check in CT 106 offers it. It installs; the app using it then fails its health check.
 */
export async function publishBrokenLang(s: SandboxSettings, source: LangSource): Promise<string> {
  if (!langSourceReady(s, source)) {
    throw new UnrotError('E_CONFIG', `${readyFile(s, source)} does not exist: is the sandbox up with the lang container?`);
  }
  await buildLangSource(s, source, true);
  return langSourceDir(s, source);
}

// ---- flatpak: an ostree repository made by runner-flatpak's demo-source (flatpak build-export) ----

/** The demo app the drills update (its 1.1 pending, a broken 1.2 published later) and the one the policy excludes. */
export const FLATPAK_APPS = { demo: DEMO_APP, keep: OTHER_APP, from: '1.0', to: '1.1', broken: '1.2' } as const;

/** App ID → version → the full ostree commit that `flatpak build-export` made for it. */
export type FlatpakCommits = Record<string, Record<string, string>>;

/** Outside repo/ (not part of the ostree repository); written last, so it also marks a finished build. */
export function flatpakCommitsFile(s: SandboxSettings): string {
  return join(s.flatpakDir, 'commits.json');
}

export function flatpakAppRef(id: string): string {
  return `app/${id}/${arch()}/${APP_BRANCH}`;
}

export function readFlatpakCommits(s: SandboxSettings): FlatpakCommits {
  return JSON.parse(readFileSync(flatpakCommitsFile(s), 'utf8')) as FlatpakCommits;
}

function recordCommit(s: SandboxSettings, commits: FlatpakCommits, id: string, version: string): void {
  const commit = run(['ostree', `--repo=${repoPath(s.flatpakDir)}`, 'rev-parse', flatpakAppRef(id)]).trim();
  commits[id] = { ...commits[id], [version]: commit };
}

/**
 * The runtime and both apps at 1.0, then both apps at 1.1: CT 106 installs and pins 1.0 by
 * commit (flatpak has no version constraint), so 1.1 is pending as in the other sources. Needs
 * Debian's flatpak, ostree and busybox-static on the host.
 */
function buildFlatpakSource(s: SandboxSettings): void {
  const { demo, keep, from, to } = FLATPAK_APPS;
  rmSync(s.flatpakDir, { recursive: true, force: true });
  const commits: FlatpakCommits = {};
  try {
    buildFlatpakRepo(s.flatpakDir, { apps: { [demo]: from, [keep]: from } });
    for (const id of [demo, keep]) recordCommit(s, commits, id, from);
    for (const id of [demo, keep]) {
      publishDemoApp(s.flatpakDir, id, to);
      recordCommit(s, commits, id, to);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UnrotError(
      'E_EXEC_FAILED',
      `building the flatpak repository needs Debian's flatpak, ostree and busybox-static on the host: ${message}`,
    );
  }
  writeFileSync(flatpakCommitsFile(s), `${JSON.stringify(commits, null, 2)}\n`);
}

/** The broken 1.2 of the demo app (demo-source's broken variant): it installs; running it exits 3. */
function publishBrokenFlatpakApp(s: SandboxSettings): void {
  const { demo, broken } = FLATPAK_APPS;
  publishDemoApp(s.flatpakDir, demo, broken, { broken: true });
  const commits = readFlatpakCommits(s);
  recordCommit(s, commits, demo, broken);
  writeFileSync(flatpakCommitsFile(s), `${JSON.stringify(commits, null, 2)}\n`);
}
