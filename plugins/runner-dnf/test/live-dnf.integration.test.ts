// Runs the runner against REAL dnf 4 and rpm (Debian 12's packages) in a Debian 12 root entered
// with chroot (dnf-root.mjs; /proc mounted as in a container), against a real rpm repository
// built with rpmbuild/createrepo_c and served from 127.0.0.1 (rpm-repo.mjs): detect → check →
// plan → apply for 1.0 → 1.1, an exclusion that stays, an empty re-check, a failing %pre
// scriptlet and a held rpm database lock. Needs root, rpmbuild, createrepo-c, python3 and (first
// run only, cached in /var/tmp/unrot-dnf/base) deb.debian.org to install dnf into the root.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import type { DnfOptions } from '../src/options.js';
import { freshRoot, installedVersions, removeRoot } from './dnf-root.mjs';
import { buildRepo, serve } from './rpm-repo.mjs';
import { dnfContext } from './runner-context.js';

let repoDir = '';
let server: { port: number; close: () => Promise<void> };
const roots: string[] = [];

function context(root: string, extra: { exclusions?: string[]; options?: Partial<DnfOptions>; dryRun?: boolean } = {}) {
  const exec = createLocalExec({ prefix: ['chroot', root], dryRun: extra.dryRun ?? false });
  const options: DnfOptions = { mode: 'upgrade', security: false, lock_timeout_s: 30, gpgcheck: true, ...extra.options };
  return dnfContext(exec, options, extra.exclusions ?? []);
}

function root(name: string, install: string[]): string {
  const dir = freshRoot(name, { port: server.port, install });
  roots.push(dir);
  return dir;
}

describe('dnf runner against real dnf 4 in a Debian 12 root', () => {
  beforeAll(async () => {
    repoDir = buildRepo();
    server = await serve(repoDir);
  });
  afterAll(async () => {
    for (const dir of roots) removeRoot(dir);
    await server?.close();
    if (repoDir) rmSync(repoDir, { recursive: true, force: true });
  });

  it('1.0 → 1.1 with unrot-sandbox-extra excluded: extra stays, demo is upgraded, a re-check is empty', async () => {
    const dir = root('live-a', ['unrot-sandbox-demo-1.0', 'unrot-sandbox-extra-1.0']);
    const { ctx, exec, logged } = context(dir, { exclusions: ['unrot-sandbox-extra'] });
    expect(await runner.detect(ctx)).toEqual({ applicable: true, reason: expect.stringMatching(/^dnf 4\.\d+\.\d+, rpm database \//) });
    const checked = await runner.check(ctx);
    expect(checked).toEqual({
      updates: [{ name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1' }],
      withheld: [{ name: 'unrot-sandbox-extra', reason: 'excluded by policy' }],
    });
    const steps = await runner.plan(ctx, checked);
    expect(steps.map((s) => s.argv)).toEqual([
      ['env', 'LC_ALL=C', 'dnf', '-y', '--setopt=exit_on_lock=True', '--exclude=unrot-sandbox-extra', 'upgrade', 'unrot-sandbox-demo'],
    ]);
    const applied = await runner.apply(ctx, steps);
    expect(applied.changed).toEqual([{ name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1' }]);
    expect(exec.records.filter((r) => r.kind === 'change').map((r) => r.argv)).toEqual(steps.map((s) => s.argv));
    const after = installedVersions(dir);
    expect(after.get('unrot-sandbox-demo')).toBe('1.1-1');
    expect(after.get('unrot-sandbox-extra')).toBe('2:1.0-1');
    // Debian's dnf has no dnf-plugins-core: reported as not available, nothing fails.
    expect(logged).toContain('dnf needs-restarting: not available (no dnf-plugins-core)');

    const again = context(dir, { exclusions: ['unrot-sandbox-extra'] });
    const rechecked = await runner.check(again.ctx);
    expect(rechecked).toEqual({ updates: [], withheld: [{ name: 'unrot-sandbox-extra', reason: 'excluded by policy' }] });
    expect(await runner.plan(again.ctx, rechecked)).toEqual([]);
    expect(again.exec.records.filter((r) => r.kind === 'change')).toEqual([]);
  }, 180_000);

  it('dry-run: check refreshes, apply runs nothing and nothing changes', async () => {
    const dir = root('live-b', ['unrot-sandbox-demo-1.0', 'unrot-sandbox-extra-1.0']);
    const before = installedVersions(dir);
    const { ctx, exec } = context(dir, { dryRun: true });
    const checked = await runner.check(ctx);
    expect(checked.updates.map((u) => `${u.name} ${u.from} → ${u.to}`)).toEqual([
      'unrot-sandbox-demo 1.0-1 → 1.1-1',
      'unrot-sandbox-extra 2:1.0-1 → 2:1.1-1',
    ]);
    expect(await runner.apply(ctx, await runner.plan(ctx, checked))).toMatchObject({ changed: [] });
    expect(exec.records.filter((r) => r.kind === 'change' && r.executed)).toEqual([]);
    expect(installedVersions(dir)).toEqual(before);
  }, 180_000);

  it("a failing %pre scriptlet: E_EXEC_FAILED naming the command with rpm's words and the output tail", async () => {
    const dir = root('live-c', ['unrot-sandbox-failing-1.0']);
    const { ctx } = context(dir);
    const steps = await runner.plan(ctx, await runner.check(ctx));
    const error = await runner.apply(ctx, steps).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; details: { output: string[]; argv: string[] } },
    );
    expect(error?.code).toBe('E_EXEC_FAILED');
    expect(error?.message).toMatch(/^dnf upgrade failed \(exit 1\): .*Error in PREIN scriptlet in rpm package unrot-sandbox-failing/);
    expect(error?.details.argv).toEqual(steps[0]?.argv);
    expect(error?.details.output.join('\n')).toContain('refuses to install (test scriptlet)');
    expect(installedVersions(dir).get('unrot-sandbox-failing')).toBe('1.0-1');
  }, 180_000);

  it("another dnf transaction holds the rpm database: lock_timeout_s 0 fails with dnf's words, a longer wait succeeds", async () => {
    const dir = root('live-d', ['unrot-sandbox-demo-1.0']);
    const { ctx } = context(dir, { options: { lock_timeout_s: 0 } });
    const steps = await runner.plan(ctx, await runner.check(ctx));
    const holder = spawn('chroot', [dir, 'env', 'UNROT_SLOW_SECONDS=12', 'dnf', '-y', 'install', 'unrot-sandbox-slow'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    await new Promise<void>((resolve) => {
      let out = '';
      holder.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Running scriptlet: unrot-sandbox-slow')) resolve();
      });
    });
    const error = await runner.apply(ctx, steps).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe('E_EXEC_FAILED');
    expect(error?.message).toMatch(/lock stayed held for 0 s: .*RPMDB already locked by \d+/);

    const waiting = context(dir, { options: { lock_timeout_s: 60 } });
    const started = Date.now();
    const applied = await runner.apply(waiting.ctx, steps);
    expect(applied.changed).toEqual([{ name: 'unrot-sandbox-demo', from: '1.0-1', to: '1.1-1' }]);
    expect(waiting.logged).toContain('dnf/rpm lock held by another process; waiting');
    expect(Date.now() - started).toBeGreaterThan(1000);
    await new Promise((resolve) => (holder.exitCode === null ? holder.on('exit', resolve) : resolve(undefined)));
    expect(installedVersions(dir).get('unrot-sandbox-slow')).toBe('1.0-1');
  }, 180_000);
});
