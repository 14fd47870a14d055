import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Proc, reportOf, run, sandboxBin, unrotBin } from './sandbox-harness.js';

// The app runners composer, gem, go and flatpak on the real tools inside CT 106 (Debian 12 with
// Debian's composer, ruby-bundler, golang-go and flatpak): a Composer project /opt/php-app, a
// Bundler project /opt/ruby-app, two `go install`ed binaries in /root/go/bin and two flatpak apps in
// the system installation, all at 1.0 over the sandbox's own sources on 127.0.0.1 (a Composer
// repository, a gem source, a Go module proxy, an ostree repository made by `flatpak build-export`,
// each with 1.1 pending). One package per ecosystem is excluded by the policy. One CT, one policy:
// every `unrot run` updates all four, so flatpak goes through the same steps as the others. The CT's health checks are
// command probes that run each app. A sandbox of its own (root, ports, unrot lock directory), so it
// runs beside a developer's sandbox and the other drill files'.

const ROOT = '/var/lib/unrot-sandbox-lang-drills';
const CONFIG = join(ROOT, 'unrot-config');
const VMID = 106;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  UNROT_SANDBOX_ROOT: ROOT,
  UNROT_SANDBOX_CTS: 'lang',
  UNROT_SANDBOX_APT_PORT: '8931',
  UNROT_SANDBOX_PYPI_PORT: '8932',
  UNROT_SANDBOX_WEB_PORT: '3601',
  UNROT_SANDBOX_PY_PORT: '3602',
  UNROT_SANDBOX_API_PORT: '8936',
  UNROT_SANDBOX_COMPOSER_PORT: '8937',
  UNROT_SANDBOX_GEM_PORT: '8938',
  UNROT_SANDBOX_GOPROXY_PORT: '8939',
  UNROT_SANDBOX_FLATPAK_PORT: '8940',
  // This sandbox is a host of its own: its unrot run lock must not wait on another sandbox's run.
  UNROT_LOCK_DIR: join(ROOT, 'run', 'unrot-locks'),
  // oclif's data dir (user and linked plugins) of this sandbox's unrot: see linkFlatpakRunner.
  UNROT_DATA_DIR: join(ROOT, 'unrot-cli-data'),
  UNROT_HOST_TOOL_ENV: 'UNROT_SANDBOX_*',
  PATH: `${sandboxBin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
};
const sandbox = (...args: string[]) => run(join(sandboxBin, 'unrot-sandbox'), args, 1_500_000, env);
const pct = (...args: string[]) => run(join(sandboxBin, 'pct'), args, 600_000, env);
const unrot = (...args: string[]) => run(process.execPath, [unrotBin, ...args, '--config', CONFIG], 900_000, env);
const inCt = async (argv: string[], ok: number[] = [0]): Promise<Proc> => {
  const r = await pct('exec', String(VMID), '--', ...argv);
  if (!ok.includes(r.code)) throw new Error(`pct exec ${VMID} -- ${argv.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r;
};

/** unrot's own snapshots of CT 106, from this sandbox's `pct listsnapshot` (the harness's helper reads the default drill root). */
async function ownSnapshots(): Promise<string[]> {
  return (await pct('listsnapshot', String(VMID))).stdout
    .split('\n')
    .map((l) => /`-> (unrot-\S+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}

interface Pending {
  name: string;
  from: string;
  to: string;
}

interface LangTool {
  runner: 'composer' | 'gem' | 'go' | 'flatpak';
  /** The package the drills update, and the one the policy excludes (its 1.1 is pending too). */
  demo: string;
  keep: string;
  from: string;
  to: string;
  broken: string;
  /** The installed version, asked from the tool itself inside the CT. */
  installed(name: string): Promise<string | null>;
  /** How the runner's report names `version` of `name`. */
  reported(name: string, version: string): string;
  /** What the tool itself lists as newer (name → version), read without changing the project. */
  pending(): Promise<Record<string, string>>;
  /** The health probe that runs this ecosystem's app, and what the broken 1.2 makes it print. */
  probe: string;
  app: string[];
  failure: RegExp;
}

const COMPOSER = ['env', 'COMPOSER_ALLOW_SUPERUSER=1', 'composer', '--working-dir=/opt/php-app', '--no-interaction', '--no-plugins'];
const BUNDLE = ['env', 'BUNDLE_GEMFILE=/opt/ruby-app/Gemfile', 'BUNDLE_SILENCE_ROOT_WARNING=1', 'bundle'];

const composer: LangTool = {
  runner: 'composer',
  demo: 'acme/demo-lib',
  keep: 'acme/other-lib',
  from: '1.0.0',
  to: '1.1.0',
  broken: '1.2.0',
  async installed(name) {
    const out = JSON.parse((await inCt([...COMPOSER, 'show', '--format=json'])).stdout) as {
      installed: Array<{ name: string; version: string }>;
    };
    return out.installed.find((p) => p.name === name)?.version ?? null;
  },
  async pending() {
    // Composer's own answer within the constraints: the resolver's dry run (it writes nothing).
    const r = await inCt([...COMPOSER, '--no-ansi', 'update', '--dry-run', '--no-audit', '--no-scripts']);
    const out: Record<string, string> = {};
    for (const m of `${r.stdout}\n${r.stderr}`.matchAll(/- Upgrading (\S+) \(\S+ => (\S+)\)/g)) out[m[1] ?? ''] = m[2] ?? '';
    return out;
  },
  reported: (_name, version) => version,
  probe: 'php-app',
  app: ['php', '/opt/php-app/app.php'],
  failure: /acme\/demo-lib 1\.2\.0 is broken on purpose/,
};

const gem: LangTool = {
  runner: 'gem',
  demo: 'unrot-demo',
  keep: 'unrot-pinned',
  from: '1.0.0',
  to: '1.1.0',
  broken: '1.2.0',
  async installed(name) {
    const out = (await inCt([...BUNDLE, 'list'])).stdout;
    return new RegExp(`^ {2}\\* ${name} \\(([^)]+)\\)$`, 'm').exec(out)?.[1] ?? null;
  },
  async pending() {
    // Bundler's own answer within the Gemfile's requirements; exit 1 = something is outdated.
    const r = await inCt([...BUNDLE, 'outdated', '--parseable', '--filter-strict'], [0, 1]);
    const out: Record<string, string> = {};
    for (const m of r.stdout.matchAll(/^(\S+) \(newest (\S+), installed/gm)) out[m[1] ?? ''] = (m[2] ?? '').replace(/,$/, '');
    return out;
  },
  reported: (_name, version) => version,
  probe: 'ruby-app',
  app: ['ruby', '/opt/ruby-app/app.rb'],
  failure: /unrot-demo 1\.2\.0 is broken on purpose/,
};

const go: LangTool = {
  runner: 'go',
  demo: 'example.test/hello',
  keep: 'example.test/stay/cmd/stay',
  from: 'v1.0.0',
  to: 'v1.1.0',
  broken: 'v1.2.0',
  async installed(name) {
    const file = name === 'example.test/hello' ? 'hello' : 'stay';
    const out = (await inCt(['go', 'version', '-m', `/root/go/bin/${file}`])).stdout;
    return /^\tmod\t\S+\t(\S+)/m.exec(out)?.[1] ?? null;
  },
  async pending() {
    // go's own @latest through the CT's GOPROXY, per module of the two binaries.
    const out: Record<string, string> = {};
    for (const [pkg, module] of [
      ['example.test/hello', 'example.test/hello'],
      ['example.test/stay/cmd/stay', 'example.test/stay'],
    ] as const) {
      const latest = JSON.parse((await inCt(['go', 'list', '-m', '-mod=mod', '-json', `${module}@latest`])).stdout) as { Version: string };
      if (latest.Version !== (await this.installed(pkg))) out[pkg] = latest.Version;
    }
    return out;
  },
  reported: (_name, version) => version,
  probe: 'go-hello',
  app: ['/root/go/bin/hello'],
  failure: /hello v1\.2\.0 is broken on purpose/,
};

// flatpak's own view of versions: `flatpak list`'s version column (the deployed app's metainfo)
// and `remote-ls`'s (the remote's appstream data, as the CT last fetched it). The CT refreshes
// that data as a host running `flatpak update` would (beforeAll, and pending() itself), so the
// runner's plan can show versions; without it the plan shows short commits (docs/runners/flatpak.md).
const FLATPAK = ['flatpak', '--system'];
const FLATPAK_IDS = { demo: 'org.unrot.Demo', keep: 'org.unrot.Other' };
/** Read in beforeAll from the CT's flatpak: the arch part of a ref. */
let flatpakArch = '';
/** Fetches the remotes' appstream data (a cache under /var/lib/flatpak/appstream; deploys nothing). */
const refreshFlatpakAppstream = async () => {
  await inCt([...FLATPAK, 'update', '--appstream']);
};

const flatpak: LangTool = {
  runner: 'flatpak',
  get demo() {
    return `app/${FLATPAK_IDS.demo}/${flatpakArch}/stable`;
  },
  get keep() {
    return `app/${FLATPAK_IDS.keep}/${flatpakArch}/stable`;
  },
  from: '1.0',
  to: '1.1',
  broken: '1.2',
  async installed(ref) {
    // The deployed version of the ref (--columns=ref prints it without the kind).
    const out = (await inCt([...FLATPAK, 'list', '--app', '--columns=ref,version'])).stdout;
    const row = out.split('\n').find((l) => l.split('\t')[0] === ref.replace(/^app\//, ''));
    return row?.split('\t')[1]?.trim() || null;
  },
  reported: (_ref, version) => version,
  async pending() {
    // flatpak's own comparison of each deployed commit with the remote's summary (it deploys
    // nothing), with the version of the remote's freshly fetched appstream data.
    await refreshFlatpakAppstream();
    const out: Record<string, string> = {};
    for (const line of (await inCt([...FLATPAK, 'remote-ls', '--updates', '--columns=ref,version'])).stdout.split('\n')) {
      const [ref, version] = line.split('\t').map((c) => c.trim());
      if (ref) out[ref] = version || '(no version)';
    }
    return out;
  },
  probe: 'flatpak-demo',
  app: ['flatpak', 'run', FLATPAK_IDS.demo],
  failure: /org\.unrot\.Demo 1\.2 is broken on purpose/,
};

const TOOLS = [composer, gem, go, flatpak];

interface HealthResult {
  name: string;
  probe: string;
  verdict?: string;
  rollback?: boolean;
  baseline?: { outcome: string };
  after?: { outcome: string; attempts: Array<{ ok: boolean; detail: string }> };
}

interface Report {
  exitCode: number;
  containers: Array<{
    vmid: number;
    outcome: string;
    changingCommands: number;
    backup?: { kind: string; name: string };
    rollback?: { kind: string; to: string; running: boolean; reason?: string };
    error?: { step: string; code: string; message?: string };
    health?: HealthResult[];
    runners: Array<{
      id: string;
      updates: Pending[];
      changed: Pending[];
      withheld: Array<{ name: string; reason: string }>;
      plan: Array<{ argv: string[]; hostArgv: string[] }>;
    }>;
  }>;
}

const timings: Record<string, number> = {};
const report = (p: Proc, code = 0): Report => {
  if (p.code !== code) throw new Error(`unrot exited ${p.code} (expected ${code})\n${p.stderr}\n${p.stdout.slice(0, 4000)}`);
  return reportOf<Report>(p);
};
const ct = (r: Report) => r.containers.find((c) => c.vmid === VMID);
const runnerOf = (r: Report, tool: LangTool) => ct(r)?.runners.find((x) => x.id === tool.runner);

/** Every file of the two projects, of the binaries' directory and of the flatpak deployments (md5). */
async function appFiles(): Promise<string> {
  // flatpak: the deployed apps and runtime (its repo/ also caches the remotes' summaries, which reading refreshes).
  const dirs = ['/opt/php-app', '/opt/ruby-app', '/root/go/bin', '/var/lib/flatpak/app', '/var/lib/flatpak/runtime'];
  const files = (await inCt(['find', ...dirs, '-type', 'f', '-exec', 'md5sum', '{}', '+'])).stdout;
  return files.split('\n').sort().join('\n');
}

/** The app files and the CT's snapshots: proves a command changed nothing. */
async function fingerprint(): Promise<string> {
  return `${await appFiles()}\n${(await pct('listsnapshot', String(VMID))).stdout}`;
}

/** What each app prints when it runs (the health probes run the same commands). */
async function appOutput(tool: LangTool): Promise<string> {
  return (await inCt(tool.app)).stdout;
}

beforeAll(async () => {
  await sandbox('down');
  const up = await sandbox('up', '--with', 'lang');
  if (up.code !== 0) throw new Error(`unrot-sandbox up --with lang failed (${up.code}):\n${up.stderr}\n${up.stdout}`);
  timings['sandbox up'] = up.ms;
  flatpakArch = (await inCt(['flatpak', '--default-arch'])).stdout.trim();
  await refreshFlatpakAppstream();
  // Load admission (default: no container starts while the 1-min load is above 4 × CPUs) is the
  // safety drills' subject; here it would only make these drills wait on whatever else the machine
  // runs (compiles, other sandboxes). The rest of the generated config stays as `up` wrote it.
  const global = join(CONFIG, 'global.yml');
  await writeFile(global, `${await readFile(global, 'utf8')}\npreflight:\n  max_load: 1000\n`);
});

afterAll(async () => {
  const down = await sandbox('down');
  timings['sandbox down'] = down.ms;
  console.log(`lang runner drill timings (ms): ${JSON.stringify(timings)}`);
});

describe('composer, gem, go and flatpak apps in CT 106', () => {
  it('the sandbox installed 1.0 of each package with the real tools; each app runs', async () => {
    for (const tool of TOOLS) {
      expect(await tool.installed(tool.demo), tool.runner).toBe(tool.from);
      expect(await tool.installed(tool.keep), tool.runner).toBe(tool.from);
    }
    expect(await appOutput(composer)).toBe('acme/demo-lib 1.0.0\nacme/other-lib 1.0.0\n');
    expect(await appOutput(gem)).toBe('unrot-demo 1.0.0\nunrot-pinned 1.0.0\n');
    expect(await appOutput(go)).toBe('hello v1.0.0\n');
    expect(await appOutput(flatpak)).toBe('org.unrot.Demo 1.0\n');
    const st = JSON.parse((await sandbox('status', '--json')).stdout) as {
      servers: Array<{ name: string; running: boolean; port?: number }>;
      containers: Array<{ vmid: number; state: string; tags: string; versions: Record<string, string | null> }>;
    };
    expect(st.servers.filter((s) => ['composer', 'gem', 'goproxy', 'flatpak'].includes(s.name))).toEqual([
      expect.objectContaining({ name: 'composer', running: true, port: 8937 }),
      expect.objectContaining({ name: 'gem', running: true, port: 8938 }),
      expect.objectContaining({ name: 'goproxy', running: true, port: 8939 }),
      expect.objectContaining({ name: 'flatpak', running: true, port: 8940 }),
    ]);
    expect(st.containers).toEqual([
      expect.objectContaining({
        vmid: VMID,
        state: 'running',
        tags: 'lang',
        versions: {
          'acme/demo-lib': '1.0.0',
          'acme/other-lib': '1.0.0',
          'unrot-demo': '1.0.0',
          'unrot-pinned': '1.0.0',
          'example.test/hello': 'v1.0.0',
          'example.test/stay/cmd/stay': 'v1.0.0',
          // flatpak list's version column: the app's metainfo.
          'org.unrot.Demo': '1.0',
          'org.unrot.Other': '1.0',
        },
      }),
    ]);
  });

  it('plan shows each demo package 1.0 → 1.1 as the tool itself lists it, withholds the excluded one, and changes nothing', async () => {
    const before = await fingerprint();
    const p = await unrot('plan', '--json');
    timings['plan'] = p.ms;
    const planned = report(p);
    expect(await fingerprint()).toEqual(before);
    expect(ct(planned)?.outcome).toBe('planned');
    for (const tool of TOOLS) {
      // The tool offers both packages; the policy excludes keep.
      const listed = await tool.pending();
      expect(listed, tool.runner).toEqual({ [tool.demo]: tool.to, [tool.keep]: tool.to });
      const r = runnerOf(planned, tool);
      expect(
        r?.updates.map((u) => ({ name: u.name, from: u.from, to: u.to })),
        tool.runner,
      ).toEqual([{ name: tool.demo, from: tool.reported(tool.demo, tool.from), to: tool.reported(tool.demo, tool.to) }]);
      expect(r?.withheld.find((w) => w.name === tool.keep)?.reason, tool.runner).toMatch(/excluded by policy/);
      expect(r?.plan.length, tool.runner).toBeGreaterThan(0);
      for (const step of r?.plan ?? []) {
        expect(step.hostArgv).toEqual(['pct', 'exec', String(VMID), '--', ...step.argv]);
        expect(step.argv.join(' ')).toContain(tool.runner === 'go' ? `${tool.demo}@${tool.to}` : tool.demo);
        expect(step.argv.join(' ')).not.toContain(tool.keep);
      }
    }
    // Asking the tools themselves changed nothing either (their caches only).
    expect(await fingerprint()).toEqual(before);
  });

  it('run updates each demo package 1.0 → 1.1 inside the CT; the excluded ones stay 1.0; the apps pass their health checks', async () => {
    const r = await unrot('run', '--json');
    timings['run'] = r.ms;
    const done = report(r);
    expect(ct(done)).toMatchObject({ outcome: 'updated', backup: { kind: 'snapshot' } });
    for (const tool of TOOLS) {
      const changed = runnerOf(done, tool)?.changed ?? [];
      expect(changed, tool.runner).toContainEqual(
        expect.objectContaining({ name: tool.demo, from: tool.reported(tool.demo, tool.from), to: tool.reported(tool.demo, tool.to) }),
      );
      expect(changed.map((u) => u.name)).not.toContain(tool.keep);
      // Verified with the tools' own view inside the CT, not only the report.
      expect(await tool.installed(tool.demo), tool.runner).toBe(tool.to);
      expect(await tool.installed(tool.keep), tool.runner).toBe(tool.from);
      expect(await tool.pending(), tool.runner).toEqual({ [tool.keep]: tool.to });
      expect(ct(done)?.health?.find((h) => h.name === tool.probe)).toMatchObject({
        probe: 'cmd',
        verdict: 'healthy',
        baseline: { outcome: 'pass' },
        after: { outcome: 'pass' },
      });
    }
    expect(await appOutput(composer)).toBe('acme/demo-lib 1.1.0\nacme/other-lib 1.0.0\n');
    expect(await appOutput(gem)).toBe('unrot-demo 1.1.0\nunrot-pinned 1.0.0\n');
    expect(await appOutput(go)).toBe('hello v1.1.0\n');
    expect(await appOutput(flatpak)).toBe('org.unrot.Demo 1.1\n');
  });

  it('a second run is nothing-to-do and takes no snapshot', async () => {
    const before = await fingerprint();
    const snapshotsBefore = await ownSnapshots();
    expect(snapshotsBefore).toHaveLength(1); // the first run's
    const r = await unrot('run', '--json');
    timings['second run'] = r.ms;
    const again = report(r);
    expect(ct(again)).toMatchObject({ outcome: 'nothing-to-do', changingCommands: 0 });
    expect(ct(again)?.backup).toBeUndefined();
    for (const tool of TOOLS) expect(runnerOf(again, tool)?.updates, tool.runner).toEqual([]);
    expect(await ownSnapshots()).toEqual(snapshotsBefore);
    expect(await fingerprint()).toEqual(before);
  });

  it('a broken 1.2 of each installs, each app fails its health check, and the snapshot rollback brings all back to 1.1', async () => {
    for (const tool of TOOLS) {
      const published = await sandbox('publish-broken', tool.runner);
      expect(published.code, published.stderr).toBe(0);
      // The tool itself now offers the broken release.
      expect((await tool.pending())[tool.demo], tool.runner).toBe(tool.broken);
    }
    const before = await appFiles();
    const r = await unrot('run', '--json');
    timings['broken run'] = r.ms;
    const failed = report(r, 1);
    const c = ct(failed);
    expect(c).toMatchObject({ outcome: 'rolled-back', error: { step: 'verify', code: 'E_HEALTH_FAILED' }, backup: { kind: 'snapshot' } });
    expect(c?.rollback).toMatchObject({ kind: 'snapshot', to: c?.backup?.name, running: true });
    expect(c?.rollback?.reason).toContain('E_HEALTH_FAILED');
    for (const tool of TOOLS) {
      // The update itself went through (1.1 → 1.2); the app's probe caught the breakage, in the app's own words.
      expect(runnerOf(failed, tool)?.changed, tool.runner).toContainEqual(
        expect.objectContaining({ name: tool.demo, from: tool.reported(tool.demo, tool.to), to: tool.reported(tool.demo, tool.broken) }),
      );
      const h = c?.health?.find((x) => x.name === tool.probe);
      expect(h, tool.runner).toMatchObject({
        probe: 'cmd',
        verdict: 'regressed',
        rollback: true,
        baseline: { outcome: 'pass' },
        after: { outcome: 'fail' },
      });
      expect(h?.after?.attempts.every((a) => !a.ok)).toBe(true);
      expect(h?.after?.attempts.map((a) => a.detail).join('\n'), tool.runner).toMatch(tool.failure);
      expect(c?.error?.message, tool.runner).toContain(`${tool.probe} (cmd)`);
      // Back at 1.1 after the rollback, the excluded package still at 1.0, and the app runs again.
      expect((await pct('status', String(VMID))).stdout.trim()).toBe('status: running');
      expect(await tool.installed(tool.demo), tool.runner).toBe(tool.to);
      expect(await tool.installed(tool.keep), tool.runner).toBe(tool.from);
    }
    expect(await appOutput(composer)).toBe('acme/demo-lib 1.1.0\nacme/other-lib 1.0.0\n');
    expect(await appOutput(gem)).toBe('unrot-demo 1.1.0\nunrot-pinned 1.0.0\n');
    expect(await appOutput(go)).toBe('hello v1.1.0\n');
    expect(await appOutput(flatpak)).toBe('org.unrot.Demo 1.1\n');
    expect(await ownSnapshots()).toContain(c?.backup?.name ?? '(none)');
    // Byte for byte what it was before the run: the whole rootfs came back from the snapshot.
    expect(await appFiles()).toEqual(before);
  });
});
