// Runs the runner against REAL pacman (Debian's pacman-package-manager 6.0.2) in a chroot of a
// Debian 12 root, with a real pacman repository (makepkg + repo-add) served over HTTP from
// 127.0.0.1: detect → check → plan → apply 1.0 → 1.1, an exclusion kept, a re-check empty, and a
// failing post_upgrade reported with pacman's words. Needs root, makepkg, repo-add, setpriv and
// (for the first base only) deb.debian.org. The base and the packages are cached in /var/tmp/unrot-pacman.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isUnrotError, type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer, createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import type { PacmanOptions } from '../src/options.js';
import { buildRepos, freshRoot, installed, removeRoot, startRepoServer } from './pacman-root.mjs';

let server: { port: number; stop: () => void } | undefined;
const roots: string[] = [];

function context(root: string, extra: { exclusions?: string[]; dryRun?: boolean } = {}) {
  const inner = createLocalExec({ prefix: ['chroot', root] });
  const changes: string[][] = [];
  const exec = {
    dryRun: extra.dryRun ?? false,
    read: inner.read.bind(inner),
    async change(argv: readonly string[], opts?: Parameters<typeof inner.change>[1]) {
      changes.push([...argv]);
      if (extra.dryRun) return { argv, exitCode: 0, stdout: '', stderr: '', durationMs: 0, dryRun: true };
      return inner.change(argv, opts);
    },
  };
  const ctx: RunnerContext<PacmanOptions> = {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: { lock_timeout_s: 30 },
    container: contractContainer(),
    exclusions: extra.exclusions ?? [],
  };
  return { ctx, changes };
}

/** A digest of the live sync database and pacman.log: check must leave both as they were. */
function liveState(root: string): string {
  const hash = createHash('sha256');
  const sync = join(root, 'var/lib/pacman/sync');
  for (const f of existsSync(sync) ? readdirSync(sync).sort() : []) hash.update(f).update(readFileSync(join(sync, f)));
  const log = join(root, 'var/log/pacman.log');
  if (existsSync(log)) hash.update(readFileSync(log));
  return hash.digest('hex');
}

describe('pacman runner against real pacman in a chroot', () => {
  beforeAll(async () => {
    buildRepos();
    server = await startRepoServer();
  }, 900_000);
  afterAll(() => {
    for (const r of roots) removeRoot(r);
    server?.stop();
  });

  it('1.0 → 1.1 with an exclusion kept, check leaving the live database alone, then a re-check with nothing to do', async () => {
    const root = freshRoot('live-test-a', { port: server?.port ?? 0, install: ['unrot-sandbox-demo', 'unrot-sandbox-keep'] });
    roots.push(root);
    expect(await runner.detect(context(root).ctx)).toEqual({ applicable: true, reason: expect.stringMatching(/^pacman 6\.\d/) });

    // Dry run first: check and plan for real, apply records only.
    const before = liveState(root);
    const dry = context(root, { exclusions: ['unrot-sandbox-k*'], dryRun: true });
    const dryChecked = await runner.check(dry.ctx);
    expect(liveState(root)).toBe(before);
    expect(await runner.apply(dry.ctx, await runner.plan(dry.ctx, dryChecked))).toMatchObject({ changed: [] });
    expect(installed(root)).toEqual(
      new Map([
        ['unrot-sandbox-demo', '1.0-1'],
        ['unrot-sandbox-keep', '1.0-1'],
      ]),
    );
    expect(execFileSync('chroot', [root, 'readlink', '/var/lib/unrot/pacman-sync/local'], { encoding: 'utf8' }).trim()).toBe(
      '/var/lib/pacman/local',
    );

    const { ctx, changes } = context(root, { exclusions: ['unrot-sandbox-k*'] });
    const checked = await runner.check(ctx);
    expect(checked).toEqual({
      updates: [{ name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1' }],
      withheld: [{ name: 'unrot-sandbox-keep', reason: 'excluded by policy (pacman -Syu --ignore)' }],
    });
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['env', 'LC_ALL=C', 'pacman', '-Syu', '--noconfirm', '--ignore', 'unrot-sandbox-keep']]);
    const applied = await runner.apply(ctx, plan);
    expect(changes).toEqual(plan.map((s) => s.argv));
    expect(applied.changed).toEqual([{ name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1' }]);
    expect(installed(root)).toEqual(
      new Map([
        ['unrot-sandbox-demo', '1.1-1'],
        ['unrot-sandbox-keep', '1.0-1'],
      ]),
    );

    // Still excluded: nothing to do, nothing runs.
    const again = context(root, { exclusions: ['unrot-sandbox-k*'] });
    const rechecked = await runner.check(again.ctx);
    expect(rechecked.updates).toEqual([]);
    expect(await runner.plan(again.ctx, rechecked)).toEqual([]);
    expect(again.changes).toEqual([]);

    // The exclusion lifted: the kept package follows, then nothing is pending at all.
    const lifted = context(root);
    const liftedPlan = await runner.plan(lifted.ctx, await runner.check(lifted.ctx));
    expect((await runner.apply(lifted.ctx, liftedPlan)).changed).toEqual([{ name: 'unrot-sandbox-keep', from: '1.0-1', to: '1.1-1' }]);
    expect(await runner.check(context(root).ctx)).toEqual({ updates: [], withheld: [] });
  }, 300_000);

  it('a failing post_upgrade: pacman exits 0, the runner fails with E_EXEC_FAILED and pacman’s words', async () => {
    const root = freshRoot('live-test-b', { port: server?.port ?? 0, install: ['unrot-sandbox-broken'] });
    roots.push(root);
    const { ctx } = context(root);
    const plan = await runner.plan(ctx, await runner.check(ctx));
    const error = await runner.apply(ctx, plan).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isUnrotError(error) && error.code).toBe('E_EXEC_FAILED');
    const output = isUnrotError(error) ? error.details['output'] : undefined;
    expect(output).toEqual(
      expect.arrayContaining(['unrot-sandbox-broken: post_upgrade fails on purpose', 'error: command failed to execute correctly']),
    );
  }, 300_000);
});
