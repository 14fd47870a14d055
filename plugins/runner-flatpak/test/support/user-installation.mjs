// A per-user flatpak installation owned by an unprivileged user (default `nobody`), for the
// runner's `runuser -u USER -- flatpak --user …` path. Measured with flatpak 1.14.10: as a
// non-root user, `flatpak install`/`update` of an app first asks the parental controls service
// (libmalcontent) over the system D-Bus, and fails with "Could not connect: No such file or
// directory" when no system bus answers; root skips that check. A private dbus-daemon with no
// services on it is enough: malcontent finds no accounts service and flatpak skips the check.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The environment of `user`'s throw-away installation under `root`: FLATPAK_USER_DIR and the
 * XDG cache owned by the user (runuser keeps these variables, sets HOME, USER, LOGNAME).
 * @param {NodeJS.ProcessEnv} env a flatpakEnv()
 * @returns {NodeJS.ProcessEnv}
 */
export function userInstallationEnv(env, root, user = 'nobody') {
  const userEnv = { ...env, FLATPAK_USER_DIR: join(root, 'user'), XDG_CACHE_HOME: join(root, 'cache') };
  for (const dir of [root, userEnv.FLATPAK_USER_DIR, userEnv.XDG_CACHE_HOME]) mkdirSync(dir, { recursive: true });
  execFileSync('chown', ['-R', user, root]);
  return userEnv;
}

/**
 * Starts a private, empty message bus as `user` (socket in `dir`, which it creates) and returns
 * the address to pass as DBUS_SYSTEM_BUS_ADDRESS. Close it when done.
 * @returns {Promise<{ address: string, close: () => Promise<void> }>}
 */
export function startPrivateSystemBus(dir, user = 'nobody') {
  mkdirSync(dir, { recursive: true });
  execFileSync('chown', [user, dir]);
  // Started as the user directly (not through runuser, which would outlive it noisily on SIGTERM).
  const id = (flag) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  const child = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1', `--address=unix:path=${join(dir, 'bus')}`], {
    uid: id('-u'),
    gid: id('-g'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dbus-daemon exited early (${code})`)));
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      if (!buffered.includes('\n')) return;
      child.removeAllListeners('exit');
      resolve({
        address: `unix:path=${join(dir, 'bus')}`,
        close: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** Runs a flatpak --user command as `user`, as the runner does. */
export function runAs(user, args, env) {
  return execFileSync('runuser', ['-u', user, '--', 'flatpak', '--user', ...args], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Adds the served repository as remote `demo` in `user`'s installation and installs `refs`. */
export function installAsUser(user, env, remoteUrl, refs) {
  runAs(user, ['remote-add', '--if-not-exists', '--no-gpg-verify', 'demo', remoteUrl], env);
  runAs(user, ['install', '-y', '--noninteractive', 'demo', ...refs], env);
}
