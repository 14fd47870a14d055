import { chmod, chown, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configuredHostSpec, type Host, hostFromSpec, loadConfig } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ctState,
  DRILL_ROOT,
  drillConfig,
  drillEnv,
  health,
  inCt,
  ownSnapshots,
  type Proc,
  pct,
  reportOf,
  run,
  sandbox,
  sandboxBin,
  unrotBin,
} from './sandbox-harness.js';

// The drills again, with unrot talking to Proxmox through its REST API (the sandbox's API front on
// 127.0.0.1, HTTPS, token auth, UPID tasks) instead of pct/pvesh/pvesm: plan, run, no-op re-run,
// a broken update rolled back by an API rollback task, the operator's rollback, retention through
// the API's snapshot delete, a token without VM.Snapshot, and the least-privilege deployment of
// docs/runbooks/least-privilege.md — a non-root user whose only sudo rule is `pct exec`.

interface Report {
  runId: string;
  exitCode: number;
  summary: Record<string, number>;
  containers: Array<{
    vmid: number;
    outcome: string;
    changingCommands: number;
    error?: { step: string; runner?: string; code: string; message?: string };
    backup?: { kind: string; name?: string; archive?: string };
    rollback?: { to: string; running: boolean; kind: string };
    runners: Array<{
      id: string;
      updates: Array<{ name: string; from: string | null; to: string }>;
      changed: Array<{ name: string; from: string | null; to: string }>;
      plan: Array<{ argv: string[]; hostArgv: string[] }>;
    }>;
  }>;
}

interface ApiInfo {
  url: string;
  caPath: string;
}

const API_CONFIG = join(DRILL_ROOT, 'api-config');
const API_STATE = join(DRILL_ROOT, 'api-state');
const timings: Record<string, number> = {};

const json = (p: Proc) => reportOf<Report>(p);
const ct = (r: Report, vmid: number) => r.containers.find((c) => c.vmid === vmid);
const runner = (r: Report, vmid: number, id: string) => ct(r, vmid)?.runners.find((x) => x.id === id);
const unrot = (configDir: string, ...args: string[]) => run(process.execPath, [unrotBin, ...args, '--config', configDir]);
const api = (...args: string[]) => sandbox('api', ...args);
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
const version = async (vmid: number, pkg: string) => (await inCt(vmid, 'dpkg-query', '-W', '-f=${Version}', pkg)).trim();
const apt = (vmid: number, ...args: string[]) => inCt(vmid, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q', ...args);

let info: ApiInfo;

/** A token of the sandbox's API with exactly these privileges on `/`; returns its secret. */
async function token(id: string, privs: readonly string[]): Promise<string> {
  const made = await api('token', id, '--privs', privs.join(','));
  expect(made.code, made.stderr).toBe(0);
  const secretFile = made.stdout.trim().split(' ')[1] as string;
  return (await readFile(secretFile, 'utf8')).trim();
}

interface ConfigOptions {
  tokenId: string;
  secret: string;
  stateDir: string;
  extraGlobal?: string;
  extra101?: string;
  /** Owner of the secrets file and the state dir (the least-privilege user). */
  owner?: { uid: number; gid: number };
  sudo?: boolean;
  allow?: readonly number[];
  /** containers/<vmid>.yml beyond 101 and 102. */
  more?: Record<number, string>;
}

/** A config dir like the sandbox's own, with `host: {api: api}` and the token in a 0600 secrets file. */
async function writeApiConfig(dir: string, o: ConfigOptions): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'containers'), { recursive: true, mode: 0o755 });
  const secrets = join(dir, 'secrets.env');
  await writeFile(secrets, `PVE_TOKEN=${o.secret}\n`, { mode: 0o600 });
  const ca = join(dir, 'pve-root-ca.pem');
  await copyFile(info.caPath, ca);
  await chmod(ca, 0o644);
  if (o.owner) {
    await chown(secrets, o.owner.uid, o.owner.gid);
    await mkdir(o.stateDir, { recursive: true, mode: 0o700 });
    await chown(o.stateDir, o.owner.uid, o.owner.gid);
  }
  await writeFile(
    join(dir, 'global.yml'),
    [
      `state_dir: ${o.stateDir}`,
      'max_concurrency: 2',
      'node: vm',
      `secrets_files: [${secrets}]`,
      'host:',
      '  api: api',
      `  url: ${info.url}`,
      `  token_id: ${o.tokenId}`,
      '  token: { secret: PVE_TOKEN }',
      `  ca_file: ${ca}`,
      ...(o.sudo ? ['  sudo: true'] : []),
      'defaults:',
      '  retries: 1',
      '  runners:',
      '    os: apt',
      '  backup:',
      '    mode: snapshot',
      '    keep: 2',
      'targets:',
      `  allow: [${(o.allow ?? [101, 102]).join(', ')}]`,
      // The test machine's own load is not under test here.
      'preflight:',
      '  max_load: 1000',
      o.extraGlobal ?? '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'containers/101.yml'), `runners:\n  os: apt\n  npm:\n    projects: [/opt/web-app]\n${o.extra101 ?? ''}`);
  await writeFile(join(dir, 'containers/102.yml'), 'runners:\n  os: apt\n  pip:\n    venvs: [/opt/py-app/venv]\n');
  for (const [vmid, text] of Object.entries(o.more ?? {})) await writeFile(join(dir, `containers/${vmid}.yml`), text);
}

async function backToBase(): Promise<void> {
  for (const vmid of [101, 102]) {
    const r = await pct('rollback', String(vmid), 'drillbase', '--start', '1');
    expect(r.code, r.stderr).toBe(0);
  }
}

let fullSecret: string;

beforeAll(async () => {
  await sandbox('down');
  const up = await sandbox('up');
  if (up.code !== 0) throw new Error(`unrot-sandbox up failed (${up.code}):\n${up.stderr}\n${up.stdout}`);
  timings['sandbox up'] = up.ms;
  const status = await api('status');
  // The API server must be this sandbox's own (up skips it when the port is taken by another).
  expect(JSON.parse(status.stdout)).toMatchObject({ running: true });
  info = JSON.parse((await api('info')).stdout) as ApiInfo;
  expect(info.url).toBe(`https://127.0.0.1:${drillEnv['UNROT_SANDBOX_API_PORT']}`);
  for (const vmid of [101, 102]) expect((await pct('snapshot', String(vmid), 'drillbase')).code).toBe(0);
  // The documented minimal role for snapshot backups (docs/runbooks/least-privilege.md).
  fullSecret = await token('unrot@pve!drill', ['VM.Audit', 'VM.Snapshot', 'VM.Snapshot.Rollback', 'Datastore.Audit']);
  await writeApiConfig(API_CONFIG, { tokenId: 'unrot@pve!drill', secret: fullSecret, stateDir: API_STATE });
});

afterAll(async () => {
  // CT 103 is not the sandbox's own: remove it before `down`.
  await pct('stop', '103');
  await pct('destroy', '103');
  const down = await sandbox('down');
  timings['sandbox down'] = down.ms;
  console.log(`API host drill timings (ms): ${JSON.stringify(timings)}`);
});

/** The Host a config dir makes (the engine's own choice), with the drill sandbox's environment. */
async function hostOf(configDir: string): Promise<Host> {
  // The engine looks its tools up on its own PATH, as the CLI does: the sandbox's first.
  process.env['PATH'] = drillEnv['PATH'];
  return hostFromSpec(await configuredHostSpec(await loadConfig(configDir), { env: drillEnv }));
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

describe('drills through the Proxmox API adapter', () => {
  it('PctHost and ApiHost give the same answers about the same containers, and the same error codes', async () => {
    const cli = await hostOf(drillConfig);
    const api = await hostOf(API_CONFIG);
    expect(cli.constructor.name).toBe('PctHost');
    expect(api.constructor.name).toBe('ApiHost');
    const byVmid = <T extends { vmid: number }>(l: T[]) => [...l].sort((a, b) => a.vmid - b.vmid);
    expect(byVmid(await api.listContainers())).toEqual(byVmid(await cli.listContainers()));
    for (const vmid of [101, 102]) {
      expect(await api.readConfig(vmid)).toEqual(await cli.readConfig(vmid));
      expect(await api.status(vmid)).toBe(await cli.status(vmid));
    }
    // A snapshot taken through one is listed alike by both, and deleted through the other.
    await api.snapshot(102, 'same-answers', 'taken through the API', 120_000);
    const listed = await cli.listSnapshots(102);
    expect(await api.listSnapshots(102)).toEqual(listed);
    expect(listed.map((e) => e.name)).toContain('same-answers');
    await cli.deleteSnapshot(102, 'same-answers', 120_000);
    expect((await api.listSnapshots(102)).map((e) => e.name)).not.toContain('same-answers');
    // Usage moves between the two reads; names, types, states and sizes do not.
    const still = (l: Awaited<ReturnType<Host['storageStatus']>>) => l.map((x) => ({ ...x, usedKiB: 0, availableKiB: 0, usedPercent: 0 }));
    expect(still(await api.storageStatus())).toEqual(still(await cli.storageStatus()));
    // The same codes for the same mistakes.
    const mistakes = (h: Host) =>
      Promise.all([
        code(h.readConfig(999)),
        code(h.status(999)),
        code(h.snapshot(102, 'drillbase', 'exists already', 60_000)),
        code(h.deleteSnapshot(102, 'no-such-snapshot', 60_000)),
        code(h.rollback(102, 'no-such-snapshot', true, 60_000)),
      ]);
    const fromCli = await mistakes(cli);
    expect(fromCli[0]).toBe('E_CT_NOT_FOUND');
    expect(fromCli).not.toContain('resolved');
    expect(await mistakes(api)).toEqual(fromCli);
  });

  it('doctor passes with the minimal role; plan lists the same updates and changes nothing', async () => {
    const doctor = await unrot(API_CONFIG, 'doctor');
    expect(doctor.code, doctor.stderr + doctor.stdout).toBe(0);
    expect(doctor.stdout).toContain(`host: Proxmox VE API ${info.url}`);
    expect(doctor.stdout).toMatch(/ok: all \d+ privilege checks pass/);

    const before = { 101: await ctState(101), 102: await ctState(102) };
    const p = await unrot(API_CONFIG, 'plan', '--json');
    timings['plan'] = p.ms;
    const report = json(p);
    expect(report.summary['planned']).toBe(2);
    expect(runner(report, 101, 'apt')?.updates).toContainEqual({ name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' });
    expect(runner(report, 102, 'pip')?.updates).toContainEqual(
      expect.objectContaining({ name: 'unrot-demo-lib', from: '1.0.0', to: '1.1.0' }),
    );
    for (const vmid of [101, 102])
      for (const r of ct(report, vmid)?.runners ?? [])
        for (const step of r.plan) expect(step.hostArgv).toEqual(['pct', 'exec', String(vmid), '--', ...step.argv]);
    expect({ 101: await ctState(101), 102: await ctState(102) }).toEqual(before);
  });

  it('run snapshots through the API, updates both containers; a second run changes nothing', async () => {
    const r = await unrot(API_CONFIG, 'run', '--json');
    timings['run'] = r.ms;
    const report = json(r);
    expect(report.exitCode, r.stderr).toBe(0);
    for (const vmid of [101, 102]) {
      expect(ct(report, vmid)).toMatchObject({ outcome: 'updated', backup: { kind: 'snapshot' } });
      // The snapshot the API task took is a real one of the container.
      expect(await ownSnapshots(vmid)).toContain(ct(report, vmid)?.backup?.name);
    }
    expect(await ctState(101)).toMatchObject({ demo: '1.1', app: '2.1.3' });
    expect(await ctState(102)).toMatchObject({ demo: '1.1', app: '1.1.0' });
    expect(await health(3201)).toBe(200);
    expect(await health(3202)).toBe(200);

    const state = { 101: await ctState(101), 102: await ctState(102) };
    const again = json(await unrot(API_CONFIG, 'run', '--json'));
    for (const vmid of [101, 102]) expect(ct(again, vmid)).toMatchObject({ outcome: 'nothing-to-do', changingCommands: 0 });
    expect({ 101: await ctState(101), 102: await ctState(102) }).toEqual(state);
  });

  it('a broken update is rolled back by an API rollback task: versions as before, running, reported', async () => {
    await backToBase();
    await apt(101, 'install', 'unrot-sandbox-fragile=1.0');
    const before = await ctState(101);
    const r = await unrot(API_CONFIG, 'run', '--ct', '101', '--json');
    timings['rollback run'] = r.ms;
    expect(r.code).toBe(1);
    const c = ct(json(r), 101);
    expect(c).toMatchObject({ outcome: 'rolled-back', error: { step: 'apply', runner: 'apt', code: 'E_EXEC_FAILED' } });
    expect(c?.rollback).toMatchObject({ kind: 'snapshot', to: c?.backup?.name, running: true });
    expect((await pct('status', '101')).stdout.trim()).toBe('status: running');
    expect(await version(101, 'unrot-sandbox-fragile')).toBe('1.0');
    const after = await ctState(101);
    expect({ ...after, snapshots: '' }).toEqual({ ...before, snapshots: '' });
    expect(await health(3201)).toBe(200);
  });

  it("operator rollback through the API restores the pre-update state; retention deletes only unrot's snapshots", async () => {
    await writeApiConfig(API_CONFIG, {
      tokenId: 'unrot@pve!drill',
      secret: fullSecret,
      stateDir: API_STATE,
      extra101: 'exclusions:\n  packages: [unrot-sandbox-fragile]\n',
    });
    const updated = json(await unrot(API_CONFIG, 'run', '--ct', '102', '--json'));
    const snap = ct(updated, 102)?.backup?.name as string;
    expect(ct(updated, 102)?.outcome).toBe('updated');
    const real = await unrot(API_CONFIG, 'rollback', '102');
    timings['operator rollback'] = real.ms;
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toContain(`restored snapshot ${snap}`);
    expect(await version(102, 'unrot-sandbox-demo')).toBe('1.0');
    expect((await pct('status', '102')).stdout.trim()).toBe('status: running');

    // keep: 2 — two more updating runs leave exactly 2 of unrot's snapshots; the admin's survives.
    expect((await pct('snapshot', '102', 'handmade')).code).toBe(0);
    for (let i = 0; i < 2; i++) {
      await apt(102, '--allow-downgrades', 'install', 'unrot-sandbox-demo=1.0');
      const r = json(await unrot(API_CONFIG, 'run', '--ct', '102', '--json'));
      expect(ct(r, 102)?.outcome, `run ${i + 1}`).toBe('updated');
    }
    expect(await ownSnapshots(102)).toHaveLength(2);
    expect((await pct('listsnapshot', '102')).stdout).toContain('handmade');
  });

  it('a token without VM.Snapshot: doctor names the privilege (exit 6); run updates nothing and says E_API_FORBIDDEN', async () => {
    await backToBase();
    const config = join(DRILL_ROOT, 'api-config-nosnap');
    const secret = await token('unrot@pve!nosnap', ['VM.Audit', 'Datastore.Audit']);
    await writeApiConfig(config, { tokenId: 'unrot@pve!nosnap', secret, stateDir: join(DRILL_ROOT, 'api-state-nosnap') });
    const doctor = await unrot(config, 'doctor');
    expect(doctor.code, doctor.stderr + doctor.stdout).toBe(6);
    expect(doctor.stdout).toMatch(/MISSING {2}VM\.Snapshot on \/vms\/101/);

    const before = { 101: await ctState(101), 102: await ctState(102) };
    const r = await unrot(config, 'run', '--json');
    const report = json(r);
    expect(report.exitCode).not.toBe(0);
    for (const vmid of [101, 102]) {
      const c = ct(report, vmid);
      expect(c?.error?.code, JSON.stringify(c)).toBe('E_API_FORBIDDEN');
      expect(c?.error?.message).toContain('VM.Snapshot');
      expect(c?.changingCommands).toBe(0);
    }
    expect({ 101: await ctState(101), 102: await ctState(102) }).toEqual(before);
    // The token's secret is in no report or log.
    const runDir = join(DRILL_ROOT, 'api-state-nosnap/runs', report.runId);
    expect(await readFile(join(runDir, 'report.json'), 'utf8')).not.toContain(secret);
    expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('pveproxy down, or a wrong token: exit 3 with E_API_UNREACHABLE / E_API_AUTH before any container is touched', async () => {
    const before = { 101: await ctState(101), 102: await ctState(102) };
    expect((await api('stop')).stdout.trim()).toBe('stopped');
    try {
      const down = await unrot(API_CONFIG, 'run');
      expect(down.code, down.stdout).toBe(3);
      expect(down.stderr).toContain('E_API_UNREACHABLE');
      expect(down.stderr).toContain(info.url);
    } finally {
      expect((await api('start')).code).toBe(0);
    }
    const config = join(DRILL_ROOT, 'api-config-wrong');
    const wrong = 'f00dbabe-0000-4000-8000-000000000000';
    await writeApiConfig(config, { tokenId: 'unrot@pve!drill', secret: wrong, stateDir: join(DRILL_ROOT, 'api-state-wrong') });
    const refused = await unrot(config, 'run');
    expect(refused.code, refused.stdout).toBe(3);
    expect(refused.stderr).toContain('E_API_AUTH');
    expect(refused.stdout + refused.stderr).not.toContain(wrong);
    expect({ 101: await ctState(101), 102: await ctState(102) }).toEqual(before);
  });

  it('storage that cannot snapshot: a vzdump task backs up first, and a broken update is restored from that archive through the API', async () => {
    await backToBase();
    // CT 103 on the `local` dir storage (no snapshots), restored from a vzdump of CT 102 by the CLI stand-in.
    expect((await pct('stop', '102')).code).toBe(0);
    const vz = await run(join(sandboxBin, 'vzdump'), ['102', '--storage', 'local', '--mode', 'stop']);
    expect(vz.code, vz.stderr).toBe(0);
    const archive = /creating vzdump archive '([^']+)'/.exec(vz.stdout)?.[1] as string;
    expect((await pct('start', '102')).code).toBe(0);
    expect((await pct('restore', '103', archive, '--storage', 'local')).code).toBe(0);
    expect((await pct('start', '103')).code).toBe(0);
    await apt(103, 'install', 'unrot-sandbox-fragile=1.0');
    const before = { fragile: await version(103, 'unrot-sandbox-fragile'), demo: await version(103, 'unrot-sandbox-demo') };
    expect(before).toEqual({ fragile: '1.0', demo: '1.0' });

    const config = join(DRILL_ROOT, 'api-config-vzdump');
    const privs = [
      'VM.Audit',
      'VM.Snapshot',
      'VM.Snapshot.Rollback',
      'Datastore.Audit',
      'VM.Backup',
      'Datastore.AllocateSpace',
      'VM.PowerMgmt',
    ];
    const secret = await token('unrot@pve!backup', privs);
    await writeApiConfig(config, {
      tokenId: 'unrot@pve!backup',
      secret,
      stateDir: join(DRILL_ROOT, 'api-state-vzdump'),
      allow: [103],
      more: { 103: 'runners:\n  os: apt\nbackup:\n  on_unsupported: vzdump\n' },
    });
    const doctor = await unrot(config, 'doctor');
    expect(doctor.code, doctor.stderr + doctor.stdout).toBe(0);
    const r = await unrot(config, 'run', '--ct', '103', '--json');
    timings['vzdump + restore run'] = r.ms;
    const c = ct(json(r), 103);
    expect(c, r.stderr).toMatchObject({
      outcome: 'rolled-back',
      error: { step: 'apply', runner: 'apt', code: 'E_EXEC_FAILED' },
      backup: { kind: 'vzdump' },
      rollback: { kind: 'vzdump', running: true },
    });
    expect(c?.backup?.archive).toMatch(/vzdump-lxc-103-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.tar\.zst$/);
    expect((await pct('status', '103')).stdout.trim()).toBe('status: running');
    expect({ fragile: await version(103, 'unrot-sandbox-fragile'), demo: await version(103, 'unrot-sandbox-demo') }).toEqual(before);
  });

  it('least privilege: a non-root user with the API token and a sudo rule for `pct exec` only updates a container', async () => {
    await backToBase();
    const user = 'unrot-drill';
    await run('/usr/sbin/userdel', [user]);
    const add = await run('/usr/sbin/useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    expect(add.code, add.stderr).toBe(0);
    const uid = Number((await run('/usr/bin/id', ['-u', user])).stdout.trim());
    const gid = Number((await run('/usr/bin/id', ['-g', user])).stdout.trim());
    const home = join(DRILL_ROOT, 'lp-home');
    const lockDir = join(DRILL_ROOT, 'lp-lock');
    for (const d of [home, lockDir]) {
      await rm(d, { recursive: true, force: true });
      await mkdir(d, { mode: 0o700 });
      await chown(d, uid, gid);
    }
    // The runbook's rule, with the sandbox's pct in place of /usr/sbin/pct and its variables kept.
    const sudoers = '/etc/sudoers.d/unrot-drill';
    await writeFile(
      sudoers,
      [
        `Defaults:${user} !requiretty`,
        `Defaults:${user} secure_path="${sandboxBin}:/usr/sbin:/usr/bin:/sbin:/bin"`,
        `Defaults:${user} env_keep += "UNROT_SANDBOX_*"`,
        `${user} ALL=(root) NOPASSWD: ${sandboxBin}/pct ^exec [1-9][0-9]{2,8} -- .*$`,
        '',
      ].join('\n'),
      { mode: 0o440 },
    );
    try {
      const visudo = await run('/usr/sbin/visudo', ['-c', '-f', sudoers]);
      expect(visudo.code, visudo.stderr + visudo.stdout).toBe(0);
      const config = join(DRILL_ROOT, 'api-config-lp');
      const state = join(DRILL_ROOT, 'api-state-lp');
      await rm(state, { recursive: true, force: true });
      await writeApiConfig(config, {
        tokenId: 'unrot@pve!drill',
        secret: fullSecret,
        stateDir: state,
        owner: { uid, gid },
        sudo: true,
      });
      const asUser = (file: string, args: string[]) =>
        run(file, args, 600_000, { ...drillEnv, HOME: home, USER: user, LOGNAME: user, UNROT_LOCK_DIR: lockDir }, { uid, gid, cwd: home });
      const lpUnrot = (...args: string[]) => asUser(process.execPath, [unrotBin, ...args, '--config', config]);

      // The rule allows pct exec and nothing else: not a snapshot, not a shell on the host.
      const snap = await asUser('/usr/bin/sudo', ['-n', 'pct', 'snapshot', '102', 'not-allowed']);
      expect(snap.code).not.toBe(0);
      expect(snap.stderr).toMatch(/sudo: (a password is required|sorry, user unrot-drill is not allowed)/i);
      const shell = await asUser('/usr/bin/sudo', ['-n', '/bin/sh', '-c', 'id']);
      expect(shell.code).not.toBe(0);
      const exec = await asUser('/usr/bin/sudo', ['-n', 'pct', 'exec', '102', '--', 'true']);
      expect(exec.code, exec.stderr).toBe(0);

      const doctor = await lpUnrot('doctor');
      expect(doctor.code, doctor.stderr + doctor.stdout).toBe(0);
      const before101 = await ctState(101);
      const r = await lpUnrot('run', '--ct', '102', '--json');
      timings['least-privilege run'] = r.ms;
      const report = json(r);
      // The user cannot run `pct snapshot` (above), so this snapshot can only have come through the API.
      expect(ct(report, 102), r.stderr).toMatchObject({ outcome: 'updated', backup: { kind: 'snapshot' } });
      expect(runner(report, 102, 'apt')?.changed).toContainEqual({ name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' });
      for (const step of ct(report, 102)?.runners.flatMap((x) => x.plan) ?? [])
        expect(step.hostArgv.slice(0, 4)).toEqual(['sudo', '-n', 'pct', 'exec']);
      expect(await ctState(102)).toMatchObject({ demo: '1.1', app: '1.1.0' });
      expect(await ctState(101)).toEqual(before101);
      // Its state belongs to the user, private.
      const stat = await run('/usr/bin/stat', ['-c', '%U %a', state]);
      expect(stat.stdout.trim()).toBe(`${user} 700`);
    } finally {
      await rm(sudoers, { force: true });
      await run('/usr/sbin/userdel', [user]);
    }
  });
});
