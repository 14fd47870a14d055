import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { ctExec, ctRootfs, ctWriteFile, ensureRunning } from './ct.js';
import {
  composerRepoUrl,
  FLATPAK_APPS,
  flatpakAppRef,
  flatpakRemoteUrl,
  gemSourceUrl,
  goProxyUrl,
  readFlatpakCommits,
} from './lang-sources.js';
import { installDebs, waitForSystemd } from './os-ct.js';
import type { SandboxSettings } from './settings.js';

/** CT 106: Debian 12 with Debian's Composer, Ruby + Bundler, Go and flatpak, one app of each over the sandbox's sources. */
export const LANG_VMID = 106;
export const LANG_HOSTNAME = 'lang106';
export const LANG_CT_DEBS = ['composer', 'php-cli', 'php-zip', 'unzip', 'ruby', 'ruby-bundler', 'golang-go', 'flatpak'];

export const PHP_APP_DIR = '/opt/php-app';
export const RUBY_APP_DIR = '/opt/ruby-app';
/** Where `go install` writes for root (GOPATH/bin; GOBIN unset). */
export const GO_BIN_DIR = '/root/go/bin';
/** The system installation's remote for the sandbox's flatpak repository. */
export const FLATPAK_REMOTE = 'unrot-demo';

/**
 * Per ecosystem: the package the drills update (1.0 → 1.1, a broken 1.2 published later) and the
 * one the policy excludes (1.1 pending too, it stays). Names as each runner reports them.
 */
export const LANG_APPS = {
  composer: { demo: 'acme/demo-lib', keep: 'acme/other-lib', from: '1.0.0', to: '1.1.0', broken: '1.2.0' },
  gem: { demo: 'unrot-demo', keep: 'unrot-pinned', from: '1.0.0', to: '1.1.0', broken: '1.2.0' },
  go: { demo: 'example.test/hello', keep: 'example.test/stay/cmd/stay', from: 'v1.0.0', to: 'v1.1.0', broken: 'v1.2.0' },
} as const;

/** The command probes of CT 106's health checks: each runs one app, which fails once a broken 1.2 is installed. */
export const LANG_HEALTH_CHECKS = [
  { name: 'php-app', argv: ['php', `${PHP_APP_DIR}/app.php`], stdoutContains: 'acme/demo-lib 1.' },
  { name: 'ruby-app', argv: ['ruby', `${RUBY_APP_DIR}/app.rb`], stdoutContains: 'unrot-demo 1.' },
  { name: 'go-hello', argv: [`${GO_BIN_DIR}/hello`], stdoutContains: 'hello v1.' },
  { name: 'flatpak-demo', argv: ['flatpak', 'run', FLATPAK_APPS.demo], stdoutContains: `${FLATPAK_APPS.demo} 1.` },
] as const;

const PHP_APP = `<?php
// The sandbox's PHP app: both demo libraries through Composer's autoloader, as an app loads them.
require __DIR__ . '/vendor/autoload.php';
echo 'acme/demo-lib ', \\Acme\\DemoLib::VERSION, "\\n";
echo 'acme/other-lib ', \\Acme\\OtherLib::VERSION, "\\n";
`;

const RUBY_APP = `# The sandbox's Ruby app: the bundle as Bundler sets it up for an app (binstub style: its own Gemfile).
ENV["BUNDLE_GEMFILE"] ||= File.expand_path("Gemfile", __dir__)
require "bundler/setup"
require "unrot-demo"
puts "unrot-demo #{Gem.loaded_specs["unrot-demo"].version}"
puts "unrot-pinned #{Gem.loaded_specs["unrot-pinned"].version}"
`;

function composerJson(s: SandboxSettings, require: Record<string, string>): string {
  const manifest = {
    name: 'sandbox/php-app',
    description: 'unrot sandbox PHP app (CT 106)',
    type: 'project',
    require,
    // Only the sandbox's repository; plain http on 127.0.0.1, which Composer refuses unless told.
    repositories: [{ type: 'composer', url: composerRepoUrl(s) }, { 'packagist.org': false }],
    config: { 'secure-http': false },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function gemfile(s: SandboxSettings, pinned: boolean): string {
  const { gem } = LANG_APPS;
  const line = (name: string) => `gem ${JSON.stringify(name)}, "~> 1.0"${pinned ? `, "= ${gem.from}"` : ''}`;
  return [`source ${JSON.stringify(gemSourceUrl(s))}`, line(gem.demo), line(gem.keep), ''].join('\n');
}

/**
 * The PHP project at 1.0: locked with exact versions first, then the constraints widened to ^1.0
 * and `update --lock` (versions kept): an app months after deploy, with 1.1 in range.
 */
async function provisionPhpApp(s: SandboxSettings): Promise<void> {
  const { composer } = LANG_APPS;
  const run = (...args: string[]) =>
    ctExec(s.paths, LANG_VMID, [
      'env',
      'COMPOSER_ALLOW_SUPERUSER=1',
      'composer',
      `--working-dir=${PHP_APP_DIR}`,
      ...args,
      '--no-interaction',
      '--no-scripts',
      '--no-audit',
      '--no-progress',
    ]);
  await ctWriteFile(
    s.paths,
    LANG_VMID,
    `${PHP_APP_DIR}/composer.json`,
    composerJson(s, { [composer.demo]: composer.from, [composer.keep]: composer.from }),
  );
  await run('update');
  await ctWriteFile(
    s.paths,
    LANG_VMID,
    `${PHP_APP_DIR}/composer.json`,
    composerJson(s, { [composer.demo]: '^1.0', [composer.keep]: '^1.0' }),
  );
  await run('update', '--lock');
  await ctWriteFile(s.paths, LANG_VMID, `${PHP_APP_DIR}/app.php`, PHP_APP);
}

/** The Bundler project at 1.0, the same way: pinned for the first install, then `~> 1.0` with the lock kept. */
async function provisionRubyApp(s: SandboxSettings): Promise<void> {
  const bundle = (...args: string[]) =>
    ctExec(s.paths, LANG_VMID, ['env', `BUNDLE_GEMFILE=${RUBY_APP_DIR}/Gemfile`, 'BUNDLE_SILENCE_ROOT_WARNING=1', 'bundle', ...args]);
  await ctWriteFile(s.paths, LANG_VMID, `${RUBY_APP_DIR}/Gemfile`, gemfile(s, true));
  // Gems in the project (DIR/.bundle/config), as deployments keep them.
  await bundle('config', 'set', '--local', 'path', 'vendor/bundle');
  await bundle('install');
  await ctWriteFile(s.paths, LANG_VMID, `${RUBY_APP_DIR}/Gemfile`, gemfile(s, false));
  await bundle('install');
  await ctWriteFile(s.paths, LANG_VMID, `${RUBY_APP_DIR}/app.rb`, RUBY_APP);
}

/**
 * root's go configuration (`go env -w` → /root/.config/go/env, which every go command of root
 * reads, unrot's included): the sandbox's proxy, no checksum database for the demo modules (they
 * exist only there), and a GOFLAGS a container may carry. Then both binaries at v1.0.0.
 */
async function provisionGoBinaries(s: SandboxSettings): Promise<void> {
  const { go } = LANG_APPS;
  await ctExec(s.paths, LANG_VMID, ['go', 'env', '-w', `GOPROXY=${goProxyUrl(s)}`, 'GONOSUMDB=example.test', 'GOFLAGS=-mod=mod']);
  for (const pkg of [go.demo, go.keep]) await ctExec(s.paths, LANG_VMID, ['go', 'install', `${pkg}@${go.from}`]);
}

/**
 * The system installation's remote (no GPG: a local repository) and both demo apps, installed
 * (their 1.1, the remote's newest) and then deployed at their 1.0 commit with `update --commit`:
 * an installation from before 1.1 was published. No pin remains: `remote-ls --updates` lists 1.1.
 */
async function provisionFlatpakApps(s: SandboxSettings): Promise<void> {
  const { demo, keep, from } = FLATPAK_APPS;
  const commits = readFlatpakCommits(s);
  const flatpak = (...args: string[]) => ctExec(s.paths, LANG_VMID, ['flatpak', '--system', ...args]);
  await flatpak('remote-add', '--if-not-exists', '--no-gpg-verify', FLATPAK_REMOTE, flatpakRemoteUrl(s));
  await flatpak('install', '-y', '--noninteractive', FLATPAK_REMOTE, flatpakAppRef(demo), flatpakAppRef(keep));
  for (const id of [demo, keep]) {
    const commit = commits[id]?.[from];
    if (!commit) throw new UnrotError('E_CONFIG', `the flatpak repository's commits.json has no ${id} ${from}`);
    await flatpak('update', '-y', '--noninteractive', `--commit=${commit}`, flatpakAppRef(id));
  }
}

/** CT 106 after createContainer: the tools from Debian's mirror (one apt-get install), then the four apps at 1.0. */
export async function provisionLangCt(s: SandboxSettings, log: (line: string) => void): Promise<void> {
  await writeFile(join(await ctRootfs(s.paths, LANG_VMID), 'etc', 'hostname'), `${LANG_HOSTNAME}\n`);
  await ensureRunning(s.paths, LANG_VMID);
  await waitForSystemd(s, LANG_VMID);
  await installDebs(s, LANG_VMID, log, LANG_CT_DEBS);
  log(
    `  CT ${LANG_VMID}: ${PHP_APP_DIR} (composer), ${RUBY_APP_DIR} (bundler), ${GO_BIN_DIR}/hello + stay (go install), ${FLATPAK_APPS.demo} + ${FLATPAK_APPS.keep} (flatpak --system), all at 1.0`,
  );
  await provisionPhpApp(s);
  await provisionRubyApp(s);
  await provisionGoBinaries(s);
  await provisionFlatpakApps(s);
}

async function read(s: SandboxSettings, argv: string[]): Promise<string | null> {
  const r = await ctExec(s.paths, LANG_VMID, argv, { okExitCodes: [0, 1, 2, 127], timeoutMs: 30_000 }).catch(() => undefined);
  return r && r.exitCode === 0 ? r.stdout : null;
}

/** What each app has installed, from its own records: vendor/composer/installed.json, Gemfile.lock, `go version -m`, `flatpak list` (metainfo version). */
export async function langVersions(s: SandboxSettings): Promise<Record<string, string | null>> {
  const { composer, gem, go } = LANG_APPS;
  const out: Record<string, string | null> = {};
  const installed = await read(s, ['cat', `${PHP_APP_DIR}/vendor/composer/installed.json`]);
  const packages = installed ? ((JSON.parse(installed) as { packages?: Array<{ name: string; version: string }> }).packages ?? []) : [];
  for (const name of [composer.demo, composer.keep]) out[name] = packages.find((p) => p.name === name)?.version ?? null;
  const lock = (await read(s, ['cat', `${RUBY_APP_DIR}/Gemfile.lock`])) ?? '';
  for (const name of [gem.demo, gem.keep]) out[name] = new RegExp(`^ {4}${name} \\(([^)]+)\\)$`, 'm').exec(lock)?.[1] ?? null;
  for (const [name, file] of [
    [go.demo, 'hello'],
    [go.keep, 'stay'],
  ] as const) {
    const info = (await read(s, ['go', 'version', '-m', `${GO_BIN_DIR}/${file}`])) ?? '';
    out[name] = /^\tmod\t\S+\t(\S+)/m.exec(info)?.[1] ?? null;
  }
  const apps = (await read(s, ['flatpak', '--system', 'list', '--app', '--columns=application,version'])) ?? '';
  for (const id of [FLATPAK_APPS.demo, FLATPAK_APPS.keep]) {
    const row = apps.split('\n').find((line) => line.split('\t')[0] === id);
    out[id] = row?.split('\t')[1]?.trim() || null;
  }
  return out;
}
