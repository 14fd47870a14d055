import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunOptions, runUnrot } from '@unrot/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { type MemoryExecCall, MemoryHost } from '../../src/host/memory-host.js';
import { readBackups } from '../../src/safety/backup-index.js';
import { copyPolicy, type MemoryCases, memCt, memoryCases } from './fake-host-harness.js';

// Hooks with context (issue 17, point 5) through the real engine and worker threads, over an
// in-memory host: the file-copy runner's "package" demo goes v1 → v2 in CT 101's files. The
// container's hook commands are scripted below; `where: host` hooks are real scripts run on this machine.
let cases: MemoryCases;
beforeAll(async () => {
  cases = await memoryCases();
});

const ALLOW = 'command_allowlist: [record, veto, fail, "false"]\n';
const GLOBAL = (backup = 'none', extra = '') =>
  `state_dir: STATE\n${ALLOW}${extra}defaults:\n  backup:\n    mode: ${backup}\n  runners:\n    os: none\n`;

interface Seen {
  argv: readonly string[];
  env: Record<string, string>;
  context: unknown;
  /** The context file's path, as the hook was told. */
  path: string;
  /** dst1 at the moment the hook ran (what the container looked like). */
  dst: string | undefined;
}

/** A MemoryHost whose `record` hook keeps what it was told, `veto` exits 75, `fail` exits 1. */
function hostFor(dir: string, seen: Seen[], scratch = true): MemoryHost {
  const files = { [join(dir, 'src1')]: 'v2\n', [join(dir, 'dst1')]: 'v1\n' };
  return new MemoryHost({
    containers: [{ ...memCt(101, 'running', files), scratch }],
    exec: (call: MemoryExecCall) => {
      const [cmd] = call.argv;
      if (cmd !== 'record' && cmd !== 'veto' && cmd !== 'fail') return undefined;
      const env = call.env ?? {};
      const path = env['UNROT_CONTEXT'] ?? '';
      const body = call.container.files.get(path);
      seen.push({
        argv: call.argv,
        env,
        context: body === undefined ? undefined : JSON.parse(body),
        path,
        dst: call.container.files.get(join(dir, 'dst1')),
      });
      if (cmd === 'veto') return { exitCode: 75, stdout: 'checking\n', stderr: 'a database migration is running\n' };
      if (cmd === 'fail') return { exitCode: 1, stderr: 'hook broke\n' };
      return { exitCode: 0 };
    },
  });
}

const run = (dir: string, host: MemoryHost, extra: Partial<RunOptions> = {}) =>
  runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [cases.pluginRoot], host, ...extra });

const demo = { runner: 'file-copy', name: 'demo', from: 'v1', to: 'v2' };
const contextFiles = (host: MemoryHost) => Object.keys(host.files(101)).filter((f) => f.includes('unrot-hook'));

describe('hook context', () => {
  it('pre_update and post_update hooks get UNROT_* in argv (env) and a context file with planned and changed packages', async () => {
    const dir = await cases.setup(GLOBAL(), {
      101: `${copyPolicy(1)}pre_update:\n  - argv: [record, pre]\npost_update:\n  - argv: [record, post]\n`,
    });
    const seen: Seen[] = [];
    const host = hostFor(dir, seen);
    const result = await run(dir, host);
    const runId = result.report.runId;
    expect(result.report.containers[0]?.outcome).toBe('updated');
    expect(seen.map((s) => s.argv)).toEqual([
      ['record', 'pre'],
      ['record', 'post'],
    ]);
    const [pre, post] = seen as [Seen, Seen];
    expect(pre.env).toEqual({ UNROT_CTID: '101', UNROT_RUN_ID: runId, UNROT_PHASE: 'pre_update', UNROT_CONTEXT: pre.path });
    expect(pre.path).toMatch(/^\/run\/unrot-hook\.[A-Za-z0-9]{10}$/);
    expect(pre.context).toEqual({ version: 1, ctid: 101, runId, phase: 'pre_update', planned: [demo], changed: [] });
    expect(pre.dst).toBe('v1\n');
    expect(post.env['UNROT_PHASE']).toBe('post_update');
    // A fresh file per phase, never the same name.
    expect(post.path).not.toBe(pre.path);
    expect(post.context).toEqual({ version: 1, ctid: 101, runId, phase: 'post_update', planned: [demo], changed: [demo] });
    expect(post.dst).toBe('v2\n');
    // The env travels as argv to `env` (pct exec has no env option); the JSON on stdin, never in argv.
    const execs = host.calls.filter((c) => c.op === 'exec').map((c) => c.argv ?? []);
    expect(execs).toContainEqual([
      'env',
      'UNROT_CTID=101',
      `UNROT_RUN_ID=${runId}`,
      'UNROT_PHASE=pre_update',
      `UNROT_CONTEXT=${pre.path}`,
      'record',
      'pre',
    ]);
    for (const argv of execs) expect(argv.join(' ')).not.toContain('"planned"');
    // Removed after each list.
    expect(contextFiles(host)).toEqual([]);
    expect(execs).toContainEqual(['rm', '-f', '--', pre.path]);
  });

  it('a plan lists every hook list, host hooks with their own argv, and writes no context', async () => {
    const dir = await cases.setup(GLOBAL(), {
      101: `${copyPolicy(1)}pre_update:\n  - argv: [record, pre]\non_rollback:\n  - argv: [record, rb]\non_failure:\n  - argv: [record, f]\n    where: host\n`,
    });
    const seen: Seen[] = [];
    const host = hostFor(dir, seen);
    const result = await run(dir, host, { dryRun: true });
    const ct = result.report.containers[0];
    expect(ct?.outcome).toBe('planned');
    expect(ct?.hooks?.onRollback).toEqual([
      { argv: ['record', 'rb'], hostArgv: ['pct', 'exec', '101', '--', 'record', 'rb'], planned: true },
    ]);
    expect(ct?.hooks?.onFailure).toEqual([{ argv: ['record', 'f'], hostArgv: ['record', 'f'], planned: true, where: 'host' }]);
    expect(seen).toEqual([]);
    expect(host.calls.filter((c) => c.op === 'exec' && c.argv?.[0] === 'sh')).toEqual([]);
  });
  it('no writable /run or /tmp in the container: hooks still run, without UNROT_CONTEXT (as before hooks had a context)', async () => {
    const dir = await cases.setup(GLOBAL(), { 101: `${copyPolicy(1)}pre_update:\n  - argv: [record, pre]\n` });
    const seen: Seen[] = [];
    const host = hostFor(dir, seen, false);
    const result = await run(dir, host);
    expect(result.report.containers[0]?.outcome).toBe('updated');
    expect(seen.map((s) => s.env)).toEqual([{ UNROT_CTID: '101', UNROT_RUN_ID: result.report.runId, UNROT_PHASE: 'pre_update' }]);
    expect(host.calls.filter((c) => c.op === 'exec' && c.argv?.[0] === 'rm')).toEqual([]);
  });
});

describe('veto', () => {
  it('pre_update exit 75 skips the container with the hook’s last line: nothing changed, snapshot deleted, exit 0', async () => {
    const dir = await cases.setup(GLOBAL('snapshot'), {
      101: `${copyPolicy(1)}pre_update:\n  - argv: [veto]\n  - argv: [record, second]\npost_update:\n  - argv: [record, post]\non_failure:\n  - argv: [record, f]\n`,
    });
    const seen: Seen[] = [];
    const host = hostFor(dir, seen);
    const result = await run(dir, host);
    const ct = result.report.containers[0];
    expect(ct?.outcome).toBe('skipped');
    expect(ct?.skipReason).toBe('vetoed');
    expect(ct?.skipClass).toBe('benign');
    expect(ct?.skipDetail).toMatch(
      /^pre_update hook \["veto"\] vetoed the update: a database migration is running; snapshot unrot-\S+ deleted$/,
    );
    expect(ct?.error).toBeUndefined();
    expect(ct?.hooks?.preUpdate).toEqual([
      expect.objectContaining({ argv: ['veto'], exitCode: 75, vetoed: true }),
      expect.objectContaining({ argv: ['record', 'second'], planned: false }),
    ]);
    expect(ct?.hooks?.preUpdate[1]?.exitCode).toBeUndefined();
    // Only the veto ran: no later hook, no on_failure (a veto is not a failure), no apply.
    expect(seen.map((s) => s.argv)).toEqual([['veto']]);
    expect(host.files(101)[join(dir, 'dst1')]).toBe('v1\n');
    expect(host.container(101).snapshots).toEqual([]);
    expect(host.ops('deleteSnapshot')).toHaveLength(1);
    expect(await readBackups(join(dir, 'state'), 101)).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(contextFiles(host)).toEqual([]);
  });

  it('with vzdump backups the archive is kept (recorded as failed, for retention); the journal is cleared', async () => {
    const dir = await cases.setup(GLOBAL('vzdump'), { 101: `${copyPolicy(1)}pre_update:\n  - argv: [veto]\n` });
    const host = hostFor(dir, []);
    const result = await run(dir, host);
    const ct = result.report.containers[0];
    expect(ct).toMatchObject({ outcome: 'skipped', skipReason: 'vetoed' });
    expect(ct?.skipDetail).toMatch(/; vzdump archive \S+ kept$/);
    const records = await readBackups(join(dir, 'state'), 101);
    expect(records.map((r) => [r.kind, r.result])).toEqual([['vzdump', 'failed']]);
    await expect(stat(join(dir, 'state', 'journal', 'ct-101.json'))).rejects.toThrow(/ENOENT/);
    expect(host.files(101)[join(dir, 'dst1')]).toBe('v1\n');
  });

  it('any other non-zero pre_update exit keeps its meaning: failure, rollback', async () => {
    const dir = await cases.setup(GLOBAL('snapshot'), { 101: `${copyPolicy(1)}pre_update:\n  - argv: [fail]\n` });
    const host = hostFor(dir, []);
    const result = await run(dir, host);
    const ct = result.report.containers[0];
    expect(ct?.outcome).toBe('rolled-back');
    expect(ct?.error).toMatchObject({ step: 'pre-update', code: 'E_HOOK_FAILED' });
    expect(ct?.error?.output).toEqual(['hook broke']);
    expect(result.exitCode).toBe(1);
  });

  it('exit 75 from a post_update hook is a failure, not a veto (the update already changed things)', async () => {
    const dir = await cases.setup(GLOBAL('snapshot'), { 101: `${copyPolicy(1)}post_update:\n  - argv: [veto]\n` });
    const host = hostFor(dir, []);
    const result = await run(dir, host);
    const ct = result.report.containers[0];
    expect(ct?.outcome).toBe('rolled-back');
    expect(ct?.error).toMatchObject({ step: 'post-update', code: 'E_HOOK_FAILED' });
    expect(host.files(101)[join(dir, 'dst1')]).toBe('v1\n');
  });
});

describe('on_rollback / on_failure', () => {
  it('after a rollback: on_rollback runs in the restored container, then on_failure, both with the failure in their context', async () => {
    const dir = await cases.setup(GLOBAL('snapshot'), {
      101: `${copyPolicy(1)}post_update:\n  - argv: [fail]\non_rollback:\n  - argv: [record, rb]\non_failure:\n  - argv: [record, f]\n`,
    });
    const seen: Seen[] = [];
    const host = hostFor(dir, seen);
    const result = await run(dir, host);
    const ct = result.report.containers[0];
    expect(ct?.outcome).toBe('rolled-back');
    const [failHook, rb, f] = seen as [Seen, Seen, Seen];
    expect(seen.map((s) => s.argv)).toEqual([['fail'], ['record', 'rb'], ['record', 'f']]);
    expect(failHook.env['UNROT_PHASE']).toBe('post_update');
    expect(rb.env['UNROT_PHASE']).toBe('on_rollback');
    expect(f.env['UNROT_PHASE']).toBe('on_failure');
    // The rollback restored dst1 before on_rollback ran.
    expect(rb.dst).toBe('v1\n');
    expect(rb.context).toMatchObject({
      phase: 'on_rollback',
      planned: [demo],
      changed: [demo],
      rolledBack: true,
      failure: { step: 'post-update', code: 'E_HOOK_FAILED', message: expect.stringContaining('hook broke') },
    });
    expect(f.context).toMatchObject({ phase: 'on_failure', rolledBack: true, failure: { code: 'E_HOOK_FAILED' } });
    expect(ct?.hooks?.onRollback).toEqual([expect.objectContaining({ exitCode: 0, planned: false })]);
    expect(ct?.hooks?.onFailure).toEqual([expect.objectContaining({ exitCode: 0, planned: false })]);
    expect(contextFiles(host)).toEqual([]);
  });

  it('a failing on_failure / on_rollback hook is a warning: the outcome and exit code stay', async () => {
    const dir = await cases.setup(GLOBAL('snapshot'), {
      101: `${copyPolicy(1)}post_update:\n  - argv: [fail]\non_rollback:\n  - argv: [fail]\n  - argv: [record, not-reached]\non_failure:\n  - argv: [fail]\n`,
    });
    const seen: Seen[] = [];
    const host = hostFor(dir, seen);
    const result = await run(dir, host);
    const ct = result.report.containers[0];
    expect(ct?.outcome).toBe('rolled-back');
    expect(ct?.error).toMatchObject({ step: 'post-update', code: 'E_HOOK_FAILED' });
    expect(ct?.hooks?.onRollback?.[0]).toMatchObject({
      exitCode: 1,
      warning: expect.stringMatching(/^E_HOOK_FAILED: on-rollback hook \["fail"\] exited 1/),
    });
    expect(ct?.hooks?.onRollback?.[1]?.exitCode).toBeUndefined();
    expect(ct?.hooks?.onFailure?.[0]?.warning).toMatch(/^E_HOOK_FAILED: on-failure hook/);
    expect(seen.map((s) => s.argv)).toEqual([['fail'], ['fail'], ['fail']]);
    expect(result.exitCode).toBe(1);
  });

  it('a failure without rollback (backup none): on_failure runs, on_rollback does not; an update that worked runs neither', async () => {
    const dir = await cases.setup(GLOBAL('none'), {
      101: `${copyPolicy(1)}post_update:\n  - argv: [fail]\non_rollback:\n  - argv: [record, rb]\non_failure:\n  - argv: [record, f]\n`,
    });
    const seen: Seen[] = [];
    const result = await run(dir, hostFor(dir, seen));
    expect(result.report.containers[0]?.outcome).toBe('failed');
    expect(seen.map((s) => s.argv)).toEqual([['fail'], ['record', 'f']]);
    expect(seen[1]?.context).toMatchObject({ phase: 'on_failure', rolledBack: false });

    const ok = await cases.setup(GLOBAL('none'), {
      101: `${copyPolicy(1)}on_rollback:\n  - argv: [record, rb]\non_failure:\n  - argv: [record, f]\n`,
    });
    const none: Seen[] = [];
    const good = await run(ok, hostFor(ok, none));
    expect(good.report.containers[0]?.outcome).toBe('updated');
    expect(none).toEqual([]);
  });
});

describe('where: host', () => {
  /** A real script on this machine that keeps its UNROT_* variables, its context file and that file's mode. */
  async function hostScript(exit = 0): Promise<{ script: string; out: string }> {
    const bin = await mkdtemp(join(tmpdir(), 'unrot-host-hook-'));
    const script = join(bin, 'host-hook');
    const out = join(bin, 'out');
    await writeFile(
      script,
      `#!/bin/sh\n{ env | grep '^UNROT_' | sort; echo "mode=$(stat -c %a "$UNROT_CONTEXT")"; echo "path=$PATH"; cat "$UNROT_CONTEXT"; } >> ${out}\necho "maintenance window of the database" >&2\nexit ${exit}\n`,
    );
    await chmod(script, 0o755);
    return { script, out };
  }

  it('runs on the host with the same variables and a 0600 host context file, removed after', async () => {
    const { script, out } = await hostScript();
    const dir = await cases.setup(GLOBAL().replace(ALLOW, `command_allowlist: [record, ${script}]\n`), {
      101: `${copyPolicy(1)}pre_update:\n  - argv: [${script}, before]\n    where: host\npost_update:\n  - argv: [record, post]\n`,
    });
    const seen: Seen[] = [];
    const host = hostFor(dir, seen);
    const result = await run(dir, host);
    const runId = result.report.runId;
    const ct = result.report.containers[0];
    expect(ct?.outcome).toBe('updated');
    expect(ct?.hooks?.preUpdate).toEqual([
      expect.objectContaining({ argv: [script, 'before'], hostArgv: [script, 'before'], where: 'host', exitCode: 0 }),
    ]);
    const text = await readFile(out, 'utf8');
    const path = /UNROT_CONTEXT=(\S+)/.exec(text)?.[1] ?? '';
    expect(text).toContain(`UNROT_CTID=101\nUNROT_PHASE=pre_update\nUNROT_RUN_ID=${runId}\n`);
    expect(path).toMatch(/\/unrot-hook-[^/]+\/context\.json$/);
    expect(text).toContain('mode=600\n');
    // The minimal host environment: unrot's own variables (tokens, proxies) never reach a hook.
    expect(text).toContain('path=/usr/sbin:/usr/bin:/sbin:/bin\n');
    expect(JSON.parse(text.slice(text.indexOf('{')))).toEqual({
      version: 1,
      ctid: 101,
      runId,
      phase: 'pre_update',
      planned: [demo],
      changed: [],
    });
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    // The host hook wrote no file into the container; the container hook got its own.
    expect(host.calls.filter((c) => c.op === 'exec' && c.argv?.[0] === 'sh')).toHaveLength(1);
    expect(seen[0]?.env['UNROT_PHASE']).toBe('post_update');
  });

  it('a host pre_update hook can veto too', async () => {
    const { script } = await hostScript(75);
    const dir = await cases.setup(GLOBAL('snapshot').replace(ALLOW, `command_allowlist: [${script}]\n`), {
      101: `${copyPolicy(1)}pre_update:\n  - argv: [${script}]\n    where: host\n`,
    });
    const host = hostFor(dir, []);
    const result = await run(dir, host);
    expect(result.report.containers[0]).toMatchObject({ outcome: 'skipped', skipReason: 'vetoed' });
    expect(result.report.containers[0]?.skipDetail).toContain('vetoed the update: maintenance window of the database;');
    expect(host.files(101)[join(dir, 'dst1')]).toBe('v1\n');
    expect(host.container(101).snapshots).toEqual([]);
    expect(host.ops('deleteSnapshot')).toHaveLength(1);
  });

  it('a host hook binary not on command_allowlist is refused before anything runs, even with allow_unlisted_commands', async () => {
    const { script, out } = await hostScript();
    const dir = await cases.setup(GLOBAL(), {
      101: `${copyPolicy(1)}allow_unlisted_commands: true\npre_update:\n  - argv: [${script}]\n    where: host\n`,
    });
    const host = hostFor(dir, []);
    await expect(run(dir, host)).rejects.toThrow(
      new RegExp(`pre_update\\[0\\]\\.argv\\[0\\]: binary '${script.replaceAll('/', '\\/')}' is not on command_allowlist`),
    );
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
    expect(host.files(101)[join(dir, 'dst1')]).toBe('v1\n');
  });
});

describe('runHookList (host allowlist at run time)', () => {
  it('a host hook whose binary left command_allowlist is not run: E_CONFIG, and its context file is removed', async () => {
    const { runHookList } = await import('../../src/lifecycle/hook-run.js');
    const bin = await mkdtemp(join(tmpdir(), 'unrot-host-hook-'));
    const marker = join(bin, 'ran');
    const logged: unknown[] = [];
    const log = { info: () => {}, warn: (o: unknown) => logged.push(o), error: () => {}, debug: () => {} };
    const entries = [{}];
    const ended = await runHookList(
      [{ argv: ['/usr/bin/touch', marker], where: 'host' }],
      { version: 1, ctid: 101, runId: '20261203T000000Z-abcdef', phase: 'pre_update', planned: [], changed: [] },
      {
        vmid: 101,
        exec: {
          dryRun: false,
          read: () => Promise.reject(new Error('no container exec expected')),
          change: () => Promise.reject(new Error('no container exec expected')),
        },
        hostAllowlist: ['touch'],
        defaultTimeoutMs: 10_000,
        signal: new AbortController().signal,
        log: log as never,
      },
      entries,
    );
    expect(ended).toMatchObject({
      kind: 'failed',
      error: { code: 'E_CONFIG', message: expect.stringContaining("'/usr/bin/touch' is not on command_allowlist") },
    });
    await expect(stat(marker)).rejects.toThrow(/ENOENT/);
    expect(entries).toEqual([{}]);
    expect(logged).toEqual([]);
  });
});
