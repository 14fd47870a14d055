import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flatpakEnv } from '../../../../plugins/runner-flatpak/test/support/demo-source.mjs';
import {
  buildLangSource,
  FLATPAK_APPS,
  flatpakAppRef,
  flatpakRemoteUrl,
  langSourceReady,
  publishBrokenLang,
  readFlatpakCommits,
} from '../../src/provision/lang-sources.js';
import { ensureServer, stopServer } from '../../src/provision/servers.js';
import { type SandboxSettings, sandboxSettings } from '../../src/provision/settings.js';
import { tempDir } from './helpers.js';

// CT 106's flatpak repository, built on the host and served on 127.0.0.1 the way `up` does, then
// consumed by the host's own flatpak in a throw-away system installation (FLATPAK_SYSTEM_DIR), with
// the same commands provisionLangCt runs in the CT: no LXC needed to prove the repository and the
// commit bookkeeping. Needs Debian's flatpak, ostree and busybox-static (root not required).
describe('the flatpak source of the lang group', () => {
  let dir: string;
  let s: SandboxSettings;
  let env: NodeJS.ProcessEnv;
  const port = process.env['UNROT_TEST_FLATPAK_PORT'] ?? '28440';
  const flatpak = (...args: string[]) =>
    execFileSync('flatpak', ['--system', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const { demo, keep } = FLATPAK_APPS;

  beforeAll(async () => {
    dir = await tempDir('unrot-flatpak-source-');
    s = sandboxSettings({ UNROT_SANDBOX_ROOT: join(dir, 'root'), UNROT_SANDBOX_FLATPAK_PORT: port });
    await buildLangSource(s, 'flatpak');
    await ensureServer(s.serverRunDir, s.logDir, 'flatpak', s.flatpakDir, s.flatpakPort);
    env = flatpakEnv(join(dir, 'flatpak'));
  });

  afterAll(async () => {
    await stopServer(s.serverRunDir, 'flatpak');
    await rm(dir, { recursive: true, force: true });
  });

  it('records a distinct commit for 1.0 and 1.1 of both apps, and marks the build finished', () => {
    expect(langSourceReady(s, 'flatpak')).toBe(true);
    const commits = readFlatpakCommits(s);
    for (const id of [demo, keep]) {
      expect(Object.keys(commits[id] ?? {})).toEqual(['1.0', '1.1']);
      expect(commits[id]?.['1.0']).toMatch(/^[0-9a-f]{64}$/);
      expect(commits[id]?.['1.1']).toMatch(/^[0-9a-f]{64}$/);
      expect(commits[id]?.['1.0']).not.toBe(commits[id]?.['1.1']);
    }
  });

  it('installs over HTTP, deploys 1.0 by commit, and flatpak then lists 1.1 as pending', () => {
    const commits = readFlatpakCommits(s);
    flatpak('remote-add', '--if-not-exists', '--no-gpg-verify', 'unrot-demo', flatpakRemoteUrl(s));
    flatpak('install', '-y', '--noninteractive', 'unrot-demo', flatpakAppRef(demo), flatpakAppRef(keep));
    for (const id of [demo, keep]) flatpak('update', '-y', '--noninteractive', `--commit=${commits[id]?.['1.0']}`, flatpakAppRef(id));
    expect(flatpak('list', '--app', '--columns=application,version')).toBe(`${demo}\t1.0\n${keep}\t1.0\n`);
    const pending = flatpak('remote-ls', '--updates', '--columns=ref,commit');
    expect(pending).toBe(
      [flatpakAppRef(demo), flatpakAppRef(keep)]
        .map((ref, i) => `${ref}\t${commits[[demo, keep][i] as string]?.['1.1']?.slice(0, 12)}\n`)
        .sort()
        .join(''),
    );
  });

  it('publish-broken adds a 1.2 of the demo app that deploys and then exits 3 with its own words', async () => {
    await publishBrokenLang(s, 'flatpak');
    const broken = readFlatpakCommits(s)[demo]?.['1.2'];
    expect(broken).toMatch(/^[0-9a-f]{64}$/);
    expect(flatpak('remote-ls', '--updates', '--columns=ref,commit')).toContain(`${flatpakAppRef(demo)}\t${broken?.slice(0, 12)}`);
    flatpak('update', '-y', '--noninteractive', flatpakAppRef(demo));
    expect(flatpak('list', '--app', '--columns=application,version')).toContain(`${demo}\t1.2\n`);
    // The deployed program itself (what `flatpak run` starts inside its sandbox).
    const program = join(env['FLATPAK_SYSTEM_DIR'] as string, 'app', demo, 'current', 'active', 'files', 'bin', 'demo');
    let failure: { status?: number; stderr?: string } = {};
    try {
      execFileSync(program, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      failure = error as { status?: number; stderr?: string };
    }
    expect(failure).toMatchObject({ status: 3, stderr: `${demo} 1.2 is broken on purpose\n` });
  });
});
