import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Proc, run, sandboxBin, unrotBin } from './sandbox-harness.js';

// The os runners on the real package managers: CT 103 (Debian 12 + Debian's dnf and rpm) and
// CT 104 (Debian 12 + Debian's pacman), each with a local repository served by the sandbox on
// 127.0.0.1 (unrot-sandbox-demo and unrot-sandbox-keep 1.0 installed, 1.1 pending; keep is
// excluded by the policy). A sandbox of its own: only the os containers (UNROT_SANDBOX_CTS=os),
// its own root and ports, so it runs beside a developer's sandbox and the other drill files'.

const ROOT = '/var/lib/unrot-sandbox-os-drills';
const CONFIG = join(ROOT, 'unrot-config');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  UNROT_SANDBOX_ROOT: ROOT,
  UNROT_SANDBOX_CTS: 'os',
  UNROT_SANDBOX_APT_PORT: '8731',
  UNROT_SANDBOX_PYPI_PORT: '8732',
  UNROT_SANDBOX_RPM_PORT: '8733',
  UNROT_SANDBOX_PACMAN_PORT: '8734',
  UNROT_SANDBOX_WEB_PORT: '3401',
  UNROT_SANDBOX_PY_PORT: '3402',
  UNROT_SANDBOX_API_PORT: '8736',
  UNROT_HOST_TOOL_ENV: 'UNROT_SANDBOX_*',
  PATH: `${sandboxBin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
};
const sandbox = (...args: string[]) => run(join(sandboxBin, 'unrot-sandbox'), args, 1_500_000, env);
const pct = (...args: string[]) => run(join(sandboxBin, 'pct'), args, 600_000, env);
const unrot = (...args: string[]) => run(process.execPath, [unrotBin, ...args, '--config', CONFIG], 600_000, env);
const inCt = async (vmid: number, argv: string[], ok: number[] = [0]): Promise<Proc> => {
  const r = await pct('exec', String(vmid), '--', ...argv);
  if (!ok.includes(r.code)) throw new Error(`pct exec ${vmid} -- ${argv.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r;
};

const DEMO = 'unrot-sandbox-demo';
const KEEP = 'unrot-sandbox-keep';

interface Pending {
  name: string;
  from: string;
  to: string;
}

interface OsTool {
  runner: 'dnf' | 'pacman';
  vmid: number;
  /** `unrot-sandbox publish-broken` format */
  format: 'rpm' | 'pacman';
  /** The installed version of a package, asked from the CT's own package database. */
  installed(name: string): Promise<string | null>;
  /** What the tool itself lists as pending, read through pct exec without changing the live system. */
  pending(): Promise<Pending[]>;
  /** The package database and the packages' files, to prove a command changed nothing. */
  fingerprint(): Promise<string>;
  /** The tool's own words when the broken 1.2 fails to install. */
  failure: RegExp;
}

const dnf: OsTool = {
  runner: 'dnf',
  vmid: 103,
  format: 'rpm',
  async installed(name) {
    const r = await inCt(103, ['rpm', '-q', '--qf', '%{VERSION}-%{RELEASE}', name], [0, 1]);
    return r.code === 0 ? r.stdout.trim() : null;
  },
  async pending() {
    // dnf's own answer: exit 100 and one "name.arch  version-release  repo" line per update.
    const r = await inCt(103, ['env', 'LC_ALL=C', 'dnf', '-q', '--refresh', 'check-update'], [0, 100]);
    const out: Pending[] = [];
    for (const line of r.stdout.split('\n')) {
      const m = /^(\S+)\.noarch\s+(\S+)\s+\S+$/.exec(line.trim());
      if (m?.[1] && m[2]) out.push({ name: m[1], from: (await this.installed(m[1])) ?? '', to: m[2] });
    }
    return out;
  },
  async fingerprint() {
    const files = [DEMO, KEEP].map((n) => `/usr/share/${n}/VERSION`);
    const rpmdb = (await inCt(103, ['rpm', '-qa', '--qf', '%{NAME} %{VERSION}-%{RELEASE} %{INSTALLTIME}\\n'])).stdout;
    return `${rpmdb.split('\n').sort().join('\n')}\n${(await inCt(103, ['md5sum', ...files])).stdout}`;
  },
  failure: /Error in PREIN scriptlet in rpm package unrot-sandbox-demo|%prein\(unrot-sandbox-demo-1\.2-1\.noarch\) scriptlet failed/,
};

const pacman: OsTool = {
  runner: 'pacman',
  vmid: 104,
  format: 'pacman',
  async installed(name) {
    const r = await inCt(104, ['pacman', '-Q', name], [0, 1]);
    return r.code === 0 ? (r.stdout.trim().split(' ')[1] ?? null) : null;
  },
  async pending() {
    // As checkupdates does: a copy of the database, synced and queried with --dbpath, so the live
    // sync database stays as it was. "name from -> to" per line.
    const tmp = '/tmp/os-drill-db';
    await inCt(104, ['rm', '-rf', tmp]);
    await inCt(104, ['mkdir', '-p', `${tmp}/sync`]);
    await inCt(104, ['ln', '-s', '/var/lib/pacman/local', `${tmp}/local`]);
    await inCt(104, ['env', 'LC_ALL=C', 'pacman', '-Sy', '--dbpath', tmp, '--logfile', '/dev/null', '--noprogressbar']);
    const r = await inCt(104, ['env', 'LC_ALL=C', 'pacman', '-Qu', '--dbpath', tmp], [0, 1]);
    await inCt(104, ['rm', '-rf', tmp]);
    return r.stdout
      .split('\n')
      .map((l) => /^(\S+) (\S+) -> (\S+)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1] ?? '', from: m[2] ?? '', to: m[3] ?? '' }));
  },
  async fingerprint() {
    const files = [DEMO, KEEP].map((n) => `/usr/share/${n}/VERSION`);
    const local = (await inCt(104, ['pacman', '-Q'])).stdout;
    const sync = (await inCt(104, ['md5sum', '/var/lib/pacman/sync/unrot-sandbox.db', ...files])).stdout;
    const descs = (await inCt(104, ['find', '/var/lib/pacman/local', '-type', 'f', '-exec', 'md5sum', '{}', '+'])).stdout;
    return `${local}${sync}${descs.split('\n').sort().join('\n')}`;
  },
  failure:
    /unrot-sandbox-demo: \/usr\/share\/unrot-sandbox-keep\/VERSION exists in filesystem|failed to commit transaction \(conflicting files\)/,
};

interface Report {
  exitCode: number;
  containers: Array<{
    vmid: number;
    outcome: string;
    changingCommands: number;
    backup?: { kind: string; name: string };
    rollback?: { kind: string; to: string; running: boolean };
    error?: { step: string; runner?: string; code: string; message?: string; output?: string[] };
    runners: Array<{
      id: string;
      updates: Pending[];
      changed: Pending[];
      plan: Array<{ argv: string[]; hostArgv: string[] }>;
    }>;
  }>;
}

const timings: Record<string, number> = {};
const report = (p: Proc, code = 0): Report => {
  if (p.code !== code) throw new Error(`unrot exited ${p.code} (expected ${code})\n${p.stderr}\n${p.stdout.slice(0, 4000)}`);
  return JSON.parse(p.stdout) as Report;
};
const snapshots = async (vmid: number) => (await pct('listsnapshot', String(vmid))).stdout;

beforeAll(async () => {
  await sandbox('down');
  const up = await sandbox('up', '--with', 'os');
  if (up.code !== 0) throw new Error(`unrot-sandbox up --with os failed (${up.code}):\n${up.stderr}\n${up.stdout}`);
  timings['sandbox up'] = up.ms;
});

afterAll(async () => {
  const down = await sandbox('down');
  timings['sandbox down'] = down.ms;
  console.log(`os runner drill timings (ms): ${JSON.stringify(timings)}`);
});

// Both containers go through each unrot command together (max_concurrency 2), as a fleet would:
// half the CLI runs of one container at a time, and each check still names its container.
const TOOLS = [dnf, pacman];
const ctOf = (r: Report, vmid: number) => r.containers.find((c) => c.vmid === vmid);
const runnerOf = (r: Report, tool: OsTool) => ctOf(r, tool.vmid)?.runners.find((x) => x.id === tool.runner);
const each = <T>(fn: (tool: OsTool) => Promise<T>) => Promise.all(TOOLS.map(fn));
const stateOf = (tool: OsTool) => Promise.all([tool.fingerprint(), snapshots(tool.vmid)]);

describe('dnf in CT 103 and pacman in CT 104', () => {
  it('the sandbox installed 1.0 of both packages with the real tools', async () => {
    for (const tool of TOOLS) {
      expect(await tool.installed(DEMO), tool.runner).toBe('1.0-1');
      expect(await tool.installed(KEEP), tool.runner).toBe('1.0-1');
    }
  });

  it('plan lists exactly what each tool lists (minus the excluded package) and changes nothing', async () => {
    const before = await each(stateOf);
    const p = await unrot('plan', '--json');
    timings['plan'] = p.ms;
    const planned = report(p);
    expect(await each(stateOf)).toEqual(before);
    for (const tool of TOOLS) {
      expect(ctOf(planned, tool.vmid)?.outcome, tool.runner).toBe('planned');
      const listed = await tool.pending();
      // The tool offers both packages; the policy excludes keep.
      expect(listed.map((u) => u.name).sort(), tool.runner).toEqual([DEMO, KEEP]);
      const expected = listed.filter((u) => u.name !== KEEP);
      const updates = runnerOf(planned, tool)?.updates ?? [];
      expect(
        updates.map((u) => ({ name: u.name, from: u.from, to: u.to })),
        tool.runner,
      ).toEqual(expected);
      expect(expected).toEqual([{ name: DEMO, from: '1.0-1', to: '1.1-1' }]);
      for (const step of runnerOf(planned, tool)?.plan ?? []) {
        expect(step.hostArgv).toEqual(['pct', 'exec', String(tool.vmid), '--', ...step.argv]);
      }
    }
    // Listing through the tools themselves changed nothing either (a private copy / the metadata cache only).
    expect((await each(stateOf)).map(([fp]) => fp)).toEqual(before.map(([fp]) => fp));
  });

  it(`run updates ${DEMO} 1.0 → 1.1 inside each CT; the excluded ${KEEP} stays 1.0`, async () => {
    const r = await unrot('run', '--json');
    timings['run'] = r.ms;
    const done = report(r);
    for (const tool of TOOLS) {
      expect(ctOf(done, tool.vmid), tool.runner).toMatchObject({ outcome: 'updated', backup: { kind: 'snapshot' } });
      expect(runnerOf(done, tool)?.changed).toContainEqual(expect.objectContaining({ name: DEMO, from: '1.0-1', to: '1.1-1' }));
      expect(runnerOf(done, tool)?.changed.map((u) => u.name)).not.toContain(KEEP);
      // Verified with the CT's own package database and the package's file, not only the report.
      expect(await tool.installed(DEMO), tool.runner).toBe('1.1-1');
      expect(await tool.installed(KEEP), tool.runner).toBe('1.0-1');
      expect((await inCt(tool.vmid, ['cat', `/usr/share/${DEMO}/VERSION`])).stdout).toBe('1.1\n');
      expect((await inCt(tool.vmid, ['cat', `/usr/share/${KEEP}/VERSION`])).stdout).toBe('1.0\n');
      expect((await tool.pending()).map((u) => u.name)).toEqual([KEEP]);
    }
  });

  it('a second run is nothing-to-do and takes no snapshot', async () => {
    const before = await each(stateOf);
    const r = await unrot('run', '--json');
    timings['second run'] = r.ms;
    const again = report(r);
    for (const tool of TOOLS) {
      expect(ctOf(again, tool.vmid), tool.runner).toMatchObject({ outcome: 'nothing-to-do', changingCommands: 0 });
      expect(ctOf(again, tool.vmid)?.backup).toBeUndefined();
    }
    expect(await each(stateOf)).toEqual(before);
  });

  it('a broken 1.2 fails to install: the run rolls each CT back to its snapshot, in the tool’s own words', async () => {
    for (const tool of TOOLS) {
      const published = await sandbox('publish-broken', tool.format);
      expect(published.code, published.stderr).toBe(0);
    }
    const before = await each((tool) => tool.fingerprint());
    const r = await unrot('run', '--json');
    timings['broken run'] = r.ms;
    const failed = report(r, 1);
    for (const tool of TOOLS) {
      const c = ctOf(failed, tool.vmid);
      expect(c, tool.runner).toMatchObject({
        outcome: 'rolled-back',
        error: { step: 'apply', runner: tool.runner },
        backup: { kind: 'snapshot' },
      });
      expect(c?.rollback).toMatchObject({ kind: 'snapshot', to: c?.backup?.name, running: true });
      expect([c?.error?.message ?? '', ...(c?.error?.output ?? [])].join('\n')).toMatch(tool.failure);
      expect((await pct('status', String(tool.vmid))).stdout.trim()).toBe('status: running');
      expect(await tool.installed(DEMO), tool.runner).toBe('1.1-1');
      expect(await tool.installed(KEEP), tool.runner).toBe('1.0-1');
      expect(await snapshots(tool.vmid)).toContain(c?.backup?.name ?? '(none)');
    }
    expect(await each((tool) => tool.fingerprint())).toEqual(before);
  });
});
