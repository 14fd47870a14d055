// Real temp Composer projects for the tests, the fixture recorder and the sandbox. Composer's
// home, cache and HOME live under one temp root, so the machine's own Composer configuration
// and cache are never read or written.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The environment Composer runs in: everything it writes goes under `root`. */
export function composerEnv(root) {
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: join(root, 'home'),
    COMPOSER_HOME: join(root, 'composer-home'),
    COMPOSER_CACHE_DIR: join(root, 'composer-cache'),
  };
  for (const dir of [env.HOME, env.COMPOSER_HOME]) mkdirSync(dir, { recursive: true });
  return env;
}

/**
 * Runs argv without a shell. Asynchronous on purpose: the demo repository is served from this
 * same Node process, and a synchronous child would block it from answering Composer.
 */
export function run(argv, env) {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${argv.join(' ')} exited ${error.code}: ${stderr}`));
      else resolve(stdout);
    });
  });
}

function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A project whose composer.json declares `constraints` while composer.lock and vendor/ hold
 * `installed` (older than the newest in the constraint): the state of an app months after deploy.
 * Only the given repository is used (packagist.org is disabled).
 * `secure-http: false` is set in this project's own composer.json, not in Composer's global
 * config: the test repository is plain http on 127.0.0.1, which Composer refuses by default.
 * @param {string} dir
 * @param {string} repoUrl e.g. http://127.0.0.1:PORT
 * @param {Record<string,string>} constraints name → constraint, e.g. { 'acme/demo-lib': '^1.0' }
 * @param {Record<string,string>} installed name → version to install first, e.g. { 'acme/demo-lib': '1.0.0' }
 * @param {object} [extra] more composer.json keys (scripts …)
 * @param {{ constraints: Record<string,string>, installed: Record<string,string> }} [dev] require-dev, like the two above
 */
export async function makeProject(dir, repoUrl, env, constraints, installed, extra = {}, dev = undefined) {
  mkdirSync(dir, { recursive: true });
  const manifest = (require, requireDev) => ({
    name: 'demo/app',
    description: 'unrot runner-composer demo project',
    type: 'project',
    require,
    ...(requireDev ? { 'require-dev': requireDev } : {}),
    repositories: [{ type: 'composer', url: repoUrl }, { 'packagist.org': false }],
    config: { 'secure-http': false },
    ...extra,
  });
  const file = join(dir, 'composer.json');
  // Install the old versions exactly, then widen the constraints; `update --lock` keeps the versions.
  writeJson(file, manifest({ ...constraints, ...installed }, dev && { ...dev.constraints, ...dev.installed }));
  await run(['composer', `--working-dir=${dir}`, 'update', '--no-interaction', '--no-scripts', '--no-audit', '--no-progress'], env);
  writeJson(file, manifest(constraints, dev?.constraints));
  await run(
    ['composer', `--working-dir=${dir}`, 'update', '--lock', '--no-interaction', '--no-scripts', '--no-audit', '--no-progress'],
    env,
  );
}

/** The version composer.lock holds for a package. */
export function lockedVersion(dir, name) {
  const lock = JSON.parse(readFileSync(join(dir, 'composer.lock'), 'utf8'));
  return [...lock.packages, ...lock['packages-dev']].find((p) => p.name === name)?.version;
}

/** The version vendor/ holds (vendor/composer/installed.json). */
export function installedVersion(dir, name) {
  const installed = JSON.parse(readFileSync(join(dir, 'vendor/composer/installed.json'), 'utf8'));
  return installed.packages.find((p) => p.name === name)?.version;
}

export function constraintOf(dir, name) {
  const manifest = JSON.parse(readFileSync(join(dir, 'composer.json'), 'utf8'));
  return manifest.require?.[name] ?? manifest['require-dev']?.[name];
}
