import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DRILL_ROOT,
  health,
  inCt,
  ownSnapshots,
  type Proc,
  pct,
  reportOf,
  run,
  sandbox,
  sandboxBin,
  spawnUnrot,
  unrotWith,
} from './sandbox-harness.js';

// Safety-net drills on the real-LXC sandbox: snapshot before change, rollback (automatic and by
// the operator), retention, crash recovery after kill -9, the host run lock, and storage that
// cannot snapshot. CT 101 is privileged, CT 102 unprivileged; CT 103 is restored from a vzdump
// of CT 102 onto the `local` dir storage, which cannot snapshot.

const CONFIG = join(DRILL_ROOT, 'safety-config');
const STATE = join(DRILL_ROOT, 'safety-state');
const timings: Record<string, number> = {};

interface Report {
  exitCode: number;
  containers: Array<{
    vmid: number;
    outcome: string;
    skipReason?: string;
    skipDetail?: string;
    error?: { step: string; runner?: string; code: string; output?: string[] };
    backup?: { kind: string; name?: string; archive?: string };
    rollback?: { to: string; running: boolean; kind: string };
    runners: Array<{ id: string; changed: Array<{ name: string; from: string | null; to: string }>; durationsMs?: Record<string, number> }>;
  }>;
  recoveries: Array<{ vmid: number; step: string; action: string; to?: string }>;
}

const json = (p: Proc) => reportOf<Report>(p);
const ct = (r: Report, vmid: number) => r.containers.find((c) => c.vmid === vmid);
const unrot = (...args: string[]) => unrotWith(CONFIG, ...args);
/** The host-wide run lock (test/security/lock-dir-setup.ts gives each test file its own lock directory). */
const lockEnv = process.env;
const runLockFile = join(lockEnv['UNROT_LOCK_DIR'] || '/run/lock/unrot', 'run.lock');

// The test machine's own load is not under test in these drills (backpressure has its own tests in
// packages/engine/test/fleet/backpressure.test.ts); a busy CI box must not hold them back.
const DRILL_PREFLIGHT = 'preflight:\n  max_load: 1000\n';

async function writeConfig(
  extra101 = '',
  extra103 = 'backup:\n  on_unsupported: skip\n',
  concurrency = 2,
  globalExtra = '',
): Promise<void> {
  await mkdir(join(CONFIG, 'containers'), { recursive: true });
  await writeFile(
    join(CONFIG, 'global.yml'),
    `state_dir: ${STATE}\nmax_concurrency: ${concurrency}\ndefaults:\n  runners:\n    os: apt\n  backup:\n    mode: snapshot\n    keep: 2\ntargets:\n  allow: [101, 102, 103]\n${DRILL_PREFLIGHT}${globalExtra}`,
  );
  await writeFile(join(CONFIG, 'containers/101.yml'), `runners:\n  os: apt\n  npm:\n    projects: [/opt/web-app]\n${extra101}`);
  await writeFile(join(CONFIG, 'containers/102.yml'), 'runners:\n  os: apt\n  pip:\n    venvs: [/opt/py-app/venv]\n');
  await writeFile(join(CONFIG, 'containers/103.yml'), `runners:\n  os: apt\n${extra103}`);
}

const apt = (vmid: number, ...args: string[]) => inCt(vmid, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q', ...args);
const version = async (vmid: number, pkg: string) =>
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  (await pct('exec', String(vmid), '--', 'dpkg-query', '-W', '-f=${Version} ${db:Status-Abbrev}', pkg)).stdout.trim();
const file = (vmid: number, path: string) => inCt(vmid, 'cat', path);
const hasLock = async (vmid: number) => /^lock: /m.test((await pct('config', String(vmid))).stdout);
/** PIDs on this host (containers included: one kernel) whose command line is exactly `cmdline` (NUL-separated). */
async function processesRunning(cmdline: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  const hits: number[] = [];
  for (const pid of pids) {
    const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (text === cmdline) hits.push(Number(pid));
  }
  return hits;
}
/** Puts unrot-sandbox-demo back to 1.0 so the next run has an update to make. */
const makePending = (vmid: number) => apt(vmid, '--allow-downgrades', 'install', 'unrot-sandbox-demo=1.0');

beforeAll(async () => {
  await sandbox('down');
  const up = await sandbox('up');
  if (up.code !== 0) throw new Error(`unrot-sandbox up failed (${up.code}):\n${up.stderr}`);
  timings['sandbox up'] = up.ms;
  await rm(STATE, { recursive: true, force: true });
  await writeConfig();
});

afterAll(async () => {
  // CT 103 is not the sandbox's own: remove it before `down`.
  await pct('stop', '103');
  await pct('destroy', '103');
  await sandbox('down');
  console.log(`safety drill timings (ms): ${JSON.stringify(timings)}`);
});

describe('safety-net drills', () => {
  it('rolls back an update that broke mid-way: versions and files as before, running again, reported', async () => {
    await apt(101, 'install', 'unrot-sandbox-fragile=1.0');
    const before = {
      fragile: await version(101, 'unrot-sandbox-fragile'),
      demo: await version(101, 'unrot-sandbox-demo'),
      file: await file(101, '/usr/share/unrot-sandbox-fragile/VERSION'),
      ms: JSON.parse(await file(101, '/opt/web-app/node_modules/ms/package.json')).version,
    };
    expect(before).toMatchObject({ fragile: '1.0 ii', demo: '1.0 ii', file: '1.0\n', ms: '2.0.0' });
    const r = await unrot('run', '--ct', '101', '--json');
    timings['rollback drill run'] = r.ms;
    expect(r.code).toBe(1);
    const c = ct(json(r), 101);
    expect(c).toMatchObject({
      outcome: 'rolled-back',
      error: { step: 'apply', runner: 'apt', code: 'E_EXEC_FAILED' },
      backup: { kind: 'snapshot' },
    });
    expect(c?.rollback).toMatchObject({ kind: 'snapshot', to: c?.backup?.name, running: true });
    // The failing tool's own words: dpkg's error line, not only apt's "Sub-process … returned an error code".
    expect(c?.error?.output?.join('\n')).toMatch(/dpkg: error processing (package|archive) .*unrot-sandbox-fragile/);
    expect((await pct('status', '101')).stdout.trim()).toBe('status: running');
    expect({
      fragile: await version(101, 'unrot-sandbox-fragile'),
      demo: await version(101, 'unrot-sandbox-demo'),
      file: await file(101, '/usr/share/unrot-sandbox-fragile/VERSION'),
      ms: JSON.parse(await file(101, '/opt/web-app/node_modules/ms/package.json')).version,
    }).toEqual(before);
    expect(await health(3201)).toBe(200);
    const human = await unrot('plan', '--ct', '101');
    expect(human.stdout).toContain('backup first: pct snapshot 101 unrot-');
  });

  it('operator rollback: --dry-run changes nothing, then restores the pre-update state', async () => {
    const run = json(await unrot('run', '--ct', '102', '--json'));
    const snap = ct(run, 102)?.backup?.name;
    expect(ct(run, 102)?.outcome).toBe('updated');
    expect(await version(102, 'unrot-sandbox-demo')).toBe('1.1 ii');

    const dry = await unrot('rollback', '102', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    const plan = JSON.parse(dry.stdout) as { commands: string[][]; backup: { name: string } };
    expect(plan.backup.name).toBe(snap);
    expect(plan.commands).toEqual([['pct', 'rollback', '102', snap, '--start', '1']]);
    expect(await version(102, 'unrot-sandbox-demo')).toBe('1.1 ii');

    const real = await unrot('rollback', '102');
    timings['operator rollback'] = real.ms;
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toContain(`restored snapshot ${snap}`);
    expect(await version(102, 'unrot-sandbox-demo')).toBe('1.0 ii');
    const lib = JSON.parse(
      await inCt(102, '/opt/py-app/venv/bin/python', '-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'),
    ) as Array<{
      name: string;
      version: string;
    }>;
    expect(lib.find((p) => p.name === 'unrot-demo-lib')?.version).toBe('1.0.0');
    expect((await pct('status', '102')).stdout.trim()).toBe('status: running');
  });

  it("retention: with keep=2, four updating runs leave exactly 2 of unrot's snapshots per container and a hand-made one survives", async () => {
    // The fragile package stays excluded from here on, so runs succeed.
    await writeConfig('exclusions:\n  packages: [unrot-sandbox-fragile]\n');
    for (const vmid of [101, 102])
      expect((await pct('snapshot', String(vmid), 'handmade', '--description', 'made by the admin')).code).toBe(0);
    const started = Date.now();
    for (let i = 0; i < 4; i++) {
      for (const vmid of [101, 102]) await makePending(vmid);
      const r = json(await unrot('run', '--ct', '101,102', '--json'));
      expect(ct(r, 101)?.outcome, `run ${i + 1}`).toBe('updated');
      expect(ct(r, 102)?.outcome, `run ${i + 1}`).toBe('updated');
    }
    timings['retention: 4 runs'] = Date.now() - started;
    for (const vmid of [101, 102]) {
      expect(await ownSnapshots(vmid)).toHaveLength(2);
      expect((await pct('listsnapshot', String(vmid))).stdout).toContain('handmade');
    }
    const listed = JSON.parse((await unrot('snapshots', 'list', '--ct', '101', '--json')).stdout) as Array<{
      own: unknown[];
      others: string[];
    }>;
    expect(listed[0]?.own).toHaveLength(2);
    expect(listed[0]?.others).toContain('handmade');
    const prune = JSON.parse((await unrot('snapshots', 'prune', '--keep', '1', '--dry-run', '--ct', '101', '--json')).stdout) as Array<{
      deleted: string[];
    }>;
    expect(prune[0]?.deleted).toHaveLength(1);
    expect(await ownSnapshots(101)).toHaveLength(2);
  });

  it('overlapping runs, even with another config and state_dir: the second exits at once with code 4 naming the holder, and touches nothing', async () => {
    await makePending(101);
    // A second config on the same host, with its own state_dir: the lock is per host, not per state_dir.
    const other = join(DRILL_ROOT, 'safety-config-other');
    await rm(other, { recursive: true, force: true });
    await mkdir(join(other, 'containers'), { recursive: true });
    const global = await readFile(join(CONFIG, 'global.yml'), 'utf8');
    await writeFile(join(other, 'global.yml'), global.replace(`state_dir: ${STATE}`, `state_dir: ${STATE}-other`));
    await writeFile(join(other, 'containers/102.yml'), await readFile(join(CONFIG, 'containers/102.yml'), 'utf8'));
    const first = spawnUnrot(CONFIG, 'run', '--ct', '101');
    const firstDone = new Promise<number>((resolve) => first.on('close', (code) => resolve(code ?? -1)));
    // flock locks the file; the holder writes its run id and pid into it once it has the lock.
    const held = async () => (await readFile(runLockFile, 'utf8').catch(() => '')).includes('"runId"');
    for (let i = 0; i < 400 && !(await held()); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await held()).toBe(true);
    for (const config of [CONFIG, other]) {
      const second = await unrotWith(config, 'run', '--ct', '102');
      expect(second.code).toBe(4);
      expect(second.stderr).toContain('another unrot run');
      expect(second.stderr).toMatch(/pid \d+/);
    }
    expect(await firstDone).toBe(0);
    // Released (flock dies with its holder); the file stays but names no one.
    expect(await held()).toBe(false);
    expect(existsSync(join(`${STATE}-other`, 'journal', 'ct-102.json'))).toBe(false);
  });

  for (const phase of ['backup', 'apply', 'verify'] as const) {
    it(`kill -9 during ${phase}: the next run brings CT 101 to a consistent, reported state with no stale locks`, async () => {
      await makePending(101);
      const journal = join(STATE, 'journal', 'ct-101.json');
      const victim = spawnUnrot(CONFIG, 'run', '--ct', '101');
      const exited = new Promise<void>((resolve) => victim.on('close', () => resolve()));
      let seen = false;
      for (let i = 0; i < 2400 && !seen; i++) {
        const entry = await readFile(journal, 'utf8').then(
          (t) => JSON.parse(t) as { step: string },
          () => undefined,
        );
        if (entry?.step === phase) seen = true;
        else await new Promise((r) => setTimeout(r, 10));
      }
      expect(seen, `never saw the journal at ${phase}`).toBe(true);
      victim.kill('SIGKILL');
      await exited;
      // Proxmox's own snapshot lock clears when the orphaned pct call finishes; unrot never unlocks.
      for (let i = 0; i < 300 && (await hasLock(101)); i++) await new Promise((r) => setTimeout(r, 100));

      const next = await unrot('run', '--ct', '101', '--json');
      timings[`recovery after kill in ${phase}`] = next.ms;
      const report = json(next);
      const recovery = report.recoveries.find((r) => r.vmid === 101);
      expect(recovery?.step).toBe(phase);
      if (phase === 'backup') {
        expect(recovery?.action).toBe('none');
        expect(ct(report, 101)?.outcome).toBe('updated');
        expect(await version(101, 'unrot-sandbox-demo')).toBe('1.1 ii');
      } else {
        expect(recovery?.action).toBe('rolled-back');
        // After the rollback the update is still pending, and this same run applies it cleanly.
        expect(ct(report, 101)?.outcome).toBe('updated');
        expect(await version(101, 'unrot-sandbox-demo')).toBe('1.1 ii');
      }
      expect((await pct('status', '101')).stdout.trim()).toBe('status: running');
      expect(await hasLock(101)).toBe(false);
      expect(await readFile(runLockFile, 'utf8').catch(() => '')).not.toContain('"runId"');
      expect(existsSync(journal)).toBe(false);
    });
  }

  it('kill switch created during a run: the in-flight container ends at a safe point, nothing new starts, all consistent', async () => {
    const FRAGILE_EXCLUDED = 'exclusions:\n  packages: [unrot-sandbox-fragile]\n';
    await writeConfig(FRAGILE_EXCLUDED, 'backup:\n  on_unsupported: skip\n', 1);
    for (const vmid of [101, 102]) await makePending(vmid);
    const stop = join(CONFIG, 'STOP');
    const journal = join(STATE, 'journal', 'ct-101.json');
    const child = spawnUnrot(CONFIG, 'run', '--ct', '101,102', '--json');
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const code = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    // Wait until CT 101 is past its backup (applying), then pull the switch.
    for (let i = 0; i < 3000; i++) {
      const step = await readFile(journal, 'utf8').then(
        (t) => (JSON.parse(t) as { step: string }).step,
        () => undefined,
      );
      if (step === 'apply' || step === 'verify') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await writeFile(stop, '');
    try {
      expect(await code).toBe(5);
      const report = JSON.parse(out) as Report & { summary: { cutShort: number } };
      expect(ct(report, 101)?.outcome).toBe('updated');
      expect(ct(report, 102)).toMatchObject({ outcome: 'skipped', skipReason: 'kill-switch' });
      expect(report.summary.cutShort).toBe(1);
      expect(await version(101, 'unrot-sandbox-demo')).toBe('1.1 ii');
      expect(await version(102, 'unrot-sandbox-demo')).toBe('1.0 ii');
      for (const vmid of [101, 102]) {
        expect((await pct('status', String(vmid))).stdout.trim()).toBe('status: running');
        expect(await hasLock(vmid)).toBe(false);
      }
      expect(existsSync(journal)).toBe(false);
      expect(await readFile(runLockFile, 'utf8').catch(() => '')).not.toContain('"runId"');
    } finally {
      await rm(stop, { force: true });
      await writeConfig(FRAGILE_EXCLUDED);
    }
  });

  for (const phase of ['backup', 'apply'] as const) {
    it(`SIGTERM during ${phase} (as systemctl stop sends it): the in-flight step finishes, nothing new starts, exit 5; nothing frozen or locked; the next run is clean`, async () => {
      const FRAGILE_EXCLUDED = 'exclusions:\n  packages: [unrot-sandbox-fragile]\n';
      await writeConfig(FRAGILE_EXCLUDED, 'backup:\n  on_unsupported: skip\n', 1);
      for (const vmid of [101, 102]) await makePending(vmid);
      const journal = join(STATE, 'journal', 'ct-101.json');
      const child = spawnUnrot(CONFIG, 'run', '--ct', '101,102', '--json');
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
      });
      const code = new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
      let seen = false;
      for (let i = 0; i < 3000 && !seen; i++) {
        const step = await readFile(journal, 'utf8').then(
          (t) => (JSON.parse(t) as { step: string }).step,
          () => undefined,
        );
        if (step === phase) seen = true;
        else await new Promise((r) => setTimeout(r, 10));
      }
      expect(seen, `never saw the journal at ${phase}`).toBe(true);
      // Only unrot's own process, as systemd's KillMode=mixed does; its pct calls are left to finish.
      child.kill('SIGTERM');
      try {
        expect(await code, err).toBe(5);
        expect(err).toContain('SIGTERM received');
        const report = JSON.parse(out) as Report & { summary: { cutShort: number } };
        // CT 101 was past its safe points: its snapshot (or apply) finished, then verify; CT 102 never started.
        expect(ct(report, 101)?.outcome).toBe('updated');
        expect(ct(report, 102)).toMatchObject({ outcome: 'skipped', skipReason: 'signal', skipDetail: 'SIGTERM received; not started' });
        expect(await version(101, 'unrot-sandbox-demo')).toBe('1.1 ii');
        expect(await version(102, 'unrot-sandbox-demo')).toBe('1.0 ii');
        for (const vmid of [101, 102]) {
          const state = await run('lxc-info', ['-P', join(DRILL_ROOT, 'lxc'), '-n', String(vmid), '-s', '-H']);
          expect(state.stdout.trim(), `CT ${vmid} state`).toBe('RUNNING');
          expect(await hasLock(vmid)).toBe(false);
        }
        expect(existsSync(journal)).toBe(false);
        // The next run has nothing to recover and finishes CT 102.
        const next = json(await unrot('run', '--ct', '101,102', '--json'));
        expect(next.recoveries).toEqual([]);
        expect(ct(next, 102)?.outcome).toBe('updated');
        expect(next.exitCode).toBe(0);
      } finally {
        await writeConfig(FRAGILE_EXCLUDED);
      }
    });
  }

  it('a custom step that sleeps past its max runtime is killed inside the container and the container is rolled back', async () => {
    await writeConfig('', undefined, 2, 'command_allowlist: [touch, sleep]\n');
    // Only the custom runner: whatever else an earlier drill left pending in CT 101 is not part of this drill.
    await writeFile(
      join(CONFIG, 'containers/101.yml'),
      [
        'runners:',
        '  os: none',
        '  custom:',
        '    commands:',
        '      - name: mark',
        '        argv: [touch, /root/custom-marker]',
        '      - name: stall',
        '        argv: [sleep, "600"]',
        '        timeout: 3',
        '',
      ].join('\n'),
    );
    try {
      const plan = await unrot('plan', '--ct', '101');
      expect(plan.stdout).toContain('pct exec 101 -- timeout -k 10 3 sleep 600');
      const r = await unrot('run', '--ct', '101', '--json');
      timings['custom step past its timeout'] = r.ms;
      expect(r.code).toBe(1);
      const c = ct(json(r), 101) as Report['containers'][number] & { error?: { message?: string } };
      expect(c).toMatchObject({ outcome: 'rolled-back', error: { step: 'apply', runner: 'custom', code: 'E_EXEC_TIMEOUT' } });
      expect(c.rollback).toMatchObject({ kind: 'snapshot', to: c.backup?.name, running: true });
      // Killed at its own limit (3 s), long before the engine's apply timeout.
      const applyMs = c.runners.find((x) => x.id === 'custom')?.durationsMs?.['apply'] ?? 0;
      expect(applyMs).toBeGreaterThanOrEqual(3000);
      expect(applyMs).toBeLessThan(30_000);
      // The first command's change is gone with the rollback; nothing of the stalled one is left running.
      expect((await pct('exec', '101', '--', 'test', '-e', '/root/custom-marker')).code).toBe(1);
      expect(await processesRunning('sleep\u0000600\u0000')).toEqual([]);
      expect((await pct('status', '101')).stdout.trim()).toBe('status: running');
      expect(await hasLock(101)).toBe(false);
      expect(await health(3201)).toBe(200);
    } finally {
      // As the kill-switch drill left it for the drills after this one.
      await writeConfig('exclusions:\n  packages: [unrot-sandbox-fragile]\n');
    }
  });

  it('storage that cannot snapshot: skipped with the reason by default, vzdump when the policy says so; never updated without a backup', async () => {
    const dump = await pct('stop', '102');
    expect(dump.code).toBe(0);
    const vz = await run(join(sandboxBin, 'vzdump'), ['102', '--storage', 'local', '--mode', 'stop']);
    expect(vz.code, vz.stderr).toBe(0);
    const archive = /creating vzdump archive '([^']+)'/.exec(vz.stdout)?.[1] as string;
    expect((await pct('start', '102')).code).toBe(0);
    expect((await pct('restore', '103', archive, '--storage', 'local')).code).toBe(0);
    expect((await pct('start', '103')).code).toBe(0);
    await makePending(103);

    const skipped = json(await unrot('run', '--ct', '103', '--json'));
    expect(ct(skipped, 103)).toMatchObject({ outcome: 'skipped', skipReason: 'backup-unavailable' });
    expect(ct(skipped, 103)?.skipDetail).toContain('snapshot feature is not available');
    expect(await version(103, 'unrot-sandbox-demo')).toBe('1.0 ii');

    await writeConfig('exclusions:\n  packages: [unrot-sandbox-fragile]\n', 'backup:\n  on_unsupported: vzdump\n');
    const viaVzdump = await unrot('run', '--ct', '103', '--json');
    timings['vzdump fallback run'] = viaVzdump.ms;
    const c = ct(json(viaVzdump), 103);
    expect(c?.outcome).toBe('updated');
    expect(c?.backup?.kind).toBe('vzdump');
    expect(c?.backup?.archive).toMatch(/vzdump-lxc-103-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.tar\.zst$/);
    expect(existsSync(c?.backup?.archive as string)).toBe(true);
    expect(await version(103, 'unrot-sandbox-demo')).toBe('1.1 ii');
  });
});
