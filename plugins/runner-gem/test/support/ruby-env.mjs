// Environment and projects for running the real gem and bundle inside a temp root: HOME, the gem
// directory, gem's configuration (GEMRC) and Bundler's user directory all live under it, so nothing
// on the machine changes. GEM_PATH is left unset on purpose: RubyGems then searches GEM_HOME and
// Debian's directories, where Debian's bundler 2.3.15 lives (with GEM_PATH set to the temp root alone,
// `bundle` fell back to Ruby's default bundler 2.3.7 and wrote "BUNDLED WITH 2.3.7" into the lock).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PASS_THROUGH = ['PATH', 'LANG', 'LC_ALL', 'TZ'];

/** The environment gem and bundle run in, with its gemrc naming `sources`. */
export function rubyEnv(root, sources) {
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  const gemrc = join(root, 'gemrc');
  writeFileSync(gemrc, `---\n:sources:\n${sources.map((s) => `- ${s}\n`).join('')}`);
  const env = { HOME: home, GEM_HOME: join(root, 'gems'), GEMRC: gemrc, BUNDLE_USER_HOME: join(root, 'bundle-home') };
  for (const key of PASS_THROUGH) if (process.env[key] !== undefined) env[key] = process.env[key];
  return env;
}

/**
 * Runs a tool and resolves to its stdout. Asynchronous on purpose: the gem source is served by this
 * same Node process, which must keep answering while gem or bundle download from it.
 */
export function run(argv, env, cwd = '/') {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { env, cwd, encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${argv.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * A Bundler project locked at the given versions: the Gemfile first pins them (`= VERSION`) for
 * `bundle lock` and `bundle install`, then gets its real requirements back; Bundler keeps the lock
 * since it still satisfies them. Gems go to DIR/vendor/bundle (.bundle/config), as deployments do.
 */
export async function makeProject(dir, sourceUrl, gems, env) {
  mkdirSync(dir, { recursive: true });
  const gemfile = (pinned) =>
    [
      `source ${JSON.stringify(sourceUrl)}`,
      ...gems.map((g) => `gem ${JSON.stringify(g.name)}, ${JSON.stringify(g.requirement)}${pinned ? `, "= ${g.locked}"` : ''}`),
      '',
    ].join('\n');
  writeFileSync(join(dir, 'Gemfile'), gemfile(true));
  const bundle = (...args) =>
    run(['env', `BUNDLE_GEMFILE=${join(dir, 'Gemfile')}`, 'BUNDLE_SILENCE_ROOT_WARNING=1', 'bundle', ...args], env);
  await bundle('config', 'set', '--local', 'path', 'vendor/bundle');
  await bundle('install');
  writeFileSync(join(dir, 'Gemfile'), gemfile(false));
  await bundle('install');
  return dir;
}
