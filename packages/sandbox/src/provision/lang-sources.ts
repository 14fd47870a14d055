import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
// The runners' own demo-source builders (one copy each, shared with their integration tests and
// fixture recorders): the sandbox serves exactly what those tests proved the real tools accept.
import { buildDemoSource as buildComposerSource } from '../../../../plugins/runner-composer/test/support/demo-source.mjs';
import { buildDemoSource as buildGemSource } from '../../../../plugins/runner-gem/test/support/demo-source.mjs';
import { buildDemoSource as buildGoProxy } from '../../../../plugins/runner-go/test/support/demo-source.mjs';
import type { SandboxSettings } from './settings.js';

/** The three package sources of the `lang` group; `publish-broken` takes these names. */
export const LANG_SOURCES = ['composer', 'gem', 'go'] as const;
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

/** A file each builder writes last, so a half-built directory is rebuilt by the next `up`. */
function readyFile(s: SandboxSettings, source: LangSource): string {
  if (source === 'composer') return join(s.composerDir, 'packages.json');
  if (source === 'gem') return join(s.gemDir, 'specs.4.8.gz');
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
  } else buildGoProxy(s.goproxyDir, { crashing: broken });
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
  return source === 'composer' ? s.composerDir : source === 'gem' ? s.gemDir : s.goproxyDir;
}
