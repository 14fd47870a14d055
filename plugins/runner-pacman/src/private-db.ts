import { posix } from 'node:path';
import { type RunnerContext, UnrotError } from '@unrot/sdk';
import { linkLocalArgv, mkdirPrivateArgv, PRIVATE_DBPATH, pacmanConfArgv, syncPrivateArgv } from './argv.js';
import { isLocked, whileLocked } from './lock.js';
import type { PacmanOptions } from './options.js';
import { outputTail, pacmanErrors } from './output-tail.js';
import { confOption, type PacmanConf, parsePacmanConf } from './parse-pacman-conf.js';

const SAFE_PATH = /^\/[A-Za-z0-9._+@/-]*$/;

export async function readPacmanConf(ctx: RunnerContext<PacmanOptions>): Promise<PacmanConf> {
  return parsePacmanConf((await ctx.exec.read(pacmanConfArgv())).stdout);
}

/** The live local database (`DBPath/local`), from pacman.conf; it becomes the private database's `local`. */
export function liveLocalDb(conf: PacmanConf): string {
  const dbPath = confOption(conf, 'DBPath') ?? '/var/lib/pacman/';
  const local = posix.join(posix.normalize(dbPath), 'local');
  if (
    !SAFE_PATH.test(dbPath) ||
    dbPath.split('/').includes('..') ||
    local.startsWith(`${PRIVATE_DBPATH}/`) ||
    local === `${PRIVATE_DBPATH}/local`
  ) {
    throw new UnrotError('E_RUNNER_PARSE', `pacman-conf printed a DBPath the runner will not use: ${JSON.stringify(dbPath.slice(0, 200))}`);
  }
  return local;
}

/**
 * Refreshes the unrot-owned sync database, as `checkupdates` does: a directory whose `local` is
 * a symlink to the live local database, synced with `pacman -Sy --dbpath`. The live sync
 * database, the installed packages and pacman.log stay untouched; this is the only thing check
 * writes.
 */
export async function syncPrivateDb(ctx: RunnerContext<PacmanOptions>, conf: PacmanConf): Promise<void> {
  const local = liveLocalDb(conf);
  await ctx.exec.read(mkdirPrivateArgv());
  await ctx.exec.read(linkLocalArgv(local));
  const argv = syncPrivateArgv();
  const r = await whileLocked(() => ctx.exec.read(argv, { okExitCodes: [0, 1], timeoutMs: 600_000 }), {
    timeoutS: ctx.options.lock_timeout_s,
    signal: ctx.signal,
    lockFile: async () => `${PRIVATE_DBPATH}/db.lck`,
    onWait: (w) => ctx.log.info({ stderr: w.stderr.trim() }, `pacman: ${PRIVATE_DBPATH}/db.lck is held (another check?); waiting`),
  });
  if (r.exitCode !== 0 && !isLocked(r)) {
    throw new UnrotError('E_EXEC_FAILED', `${argv.join(' ')} exited ${r.exitCode}: ${pacmanErrors(r.stderr) || 'no error message'}`, {
      argv,
      exitCode: r.exitCode,
      stderr: r.stderr.slice(-2000),
      output: outputTail(r.stdout, r.stderr),
    });
  }
}
