// Runs the runner against Debian's real flatpak (1.14) and a flatpak repository this test builds
// with flatpak build-export (support/demo-source.mjs) and serves on 127.0.0.1. The installations
// are throw-away: FLATPAK_SYSTEM_DIR, FLATPAK_USER_DIR, FLATPAK_CONFIG_DIR, FLATPAK_RUN_DIR and
// HOME point into a temp root (flatpak(1), ENVIRONMENT), so the host's own flatpak state is never
// touched — the last test proves it by hashing /var/lib/flatpak and /etc/flatpak.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUnrotError } from '@unrot/sdk';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { contextFor } from './support/context.js';
import {
  arch,
  buildDemoSource,
  DEMO_APP,
  flatpakEnv,
  installFromDemoSource,
  OTHER_APP,
  publishDemoApp,
  publishExtension,
  publishRuntime,
  RUNTIME_ID,
  run,
  serveDemoSource,
} from './support/demo-source.mjs';
import { installAsUser, runAs, startPrivateSystemBus, userInstallationEnv } from './support/user-installation.mjs';

const root = mkdtempSync(join(tmpdir(), 'unrot-runner-flatpak-'));
const source = join(root, 'source');
const env = flatpakEnv(join(root, 'installation'));
const exec = (dryRun = false) => createLocalExec({ env, cwd: '/', dryRun });
const ARCH = arch();
const demoRef = `app/${DEMO_APP}/${ARCH}/stable`;
const otherRef = `app/${OTHER_APP}/${ARCH}/stable`;
const runtimeRef = (branch: string) => `runtime/${RUNTIME_ID}/${ARCH}/${branch}`;
let server: Awaited<ReturnType<typeof serveDemoSource>>;

/** Hash of every file (path, mode, content) under the given directories: the installed state. */
function treeHash(dirs: string[], skip: (path: string) => boolean = () => false): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (skip(path)) continue;
      hash.update(`${path}\0${entry.isSymbolicLink() ? 'l' : entry.isDirectory() ? 'd' : statSync(path).mode}\0`);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hash.update(readFileSync(path));
    }
  };
  for (const dir of dirs) walk(dir);
  return hash.digest('hex');
}

/** `flatpak list` of one installation as ref → version (the app's metainfo version). */
function versions(installation: '--system' | '--user'): Record<string, string> {
  const out = run(['flatpak', installation, 'list', '--app', '--columns=application,version'], env);
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l: string) => l.split('\t')),
  );
}

const hostState = () => treeHash(['/var/lib/flatpak', '/etc/flatpak']);
const hostBefore = hostState();

beforeAll(async () => {
  // nobody reaches its own installation under root (mkdtemp makes it 0700).
  chmodSync(root, 0o755);
  buildDemoSource(source);
  server = await serveDemoSource(source);
  installFromDemoSource(env, 'system', `${server.url}/repo`, [DEMO_APP, OTHER_APP]);
});
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('runner-flatpak against real flatpak and a local repository', () => {
  it('detects an installation with refs and refuses an empty or unconfigured one', async () => {
    expect(await runner.detect(contextFor(exec(), {}))).toEqual({ applicable: true });
    const userOnly = await runner.detect(contextFor(exec(), { system: false, users: ['root'] }));
    expect(userOnly).toEqual({ applicable: false, reason: 'nothing is installed in the per-user installation of root' });
    expect((await runner.detect(contextFor(exec(), { system: false }))).applicable).toBe(false);
  });

  it("a configured user the container does not have: detect and check fail, coded, with runuser's words", async () => {
    const userOnly = await runner.detect(contextFor(exec(), { system: false, users: ['unrot-no-such-user'] })).catch((e: unknown) => e);
    expect(isUnrotError(userOnly) && userOnly.code).toBe('E_EXEC_FAILED');
    expect(String((userOnly as Error).message)).toContain('runuser: user unrot-no-such-user does not exist');
    // With the system installation too, detect stops at the first one with refs; check reaches the user.
    const ctx = contextFor(exec(), { users: ['unrot-no-such-user'] });
    expect(await runner.detect(ctx)).toEqual({ applicable: true });
    const error = await runner.check(ctx).catch((e: unknown) => e);
    expect(isUnrotError(error) && error.code).toBe('E_EXEC_FAILED');
    expect(String((error as Error).message)).toContain('runuser: user unrot-no-such-user does not exist');
  });

  it('nothing pending right after install: empty check and empty plan', async () => {
    const ctx = contextFor(exec(), {});
    const checked = await runner.check(ctx);
    expect(checked).toEqual({ updates: [], withheld: [] });
    expect(await runner.plan(ctx, checked)).toEqual([]);
  });

  it('updates org.unrot.Demo 1.0 → 1.1, keeps the excluded app at 1.0, then finds nothing', async () => {
    publishDemoApp(source, DEMO_APP, '1.1');
    publishDemoApp(source, OTHER_APP, '1.1');
    const before = run(['flatpak', '--system', 'list', '--columns=ref,active'], env);
    const local = exec();
    const ctx = contextFor(local, {}, [OTHER_APP]);
    // check is read-only: the deployed refs and the installation's repo refs do not move (the
    // summary cache flatpak keeps under repo/tmp is the one thing it may write).
    const installed = () => treeHash([env.FLATPAK_SYSTEM_DIR as string], (p) => p.endsWith('/repo/tmp') || p.includes('/repo/tmp/'));
    const stateBefore = installed();
    const checked = await runner.check(ctx);
    expect(installed()).toBe(stateBefore);
    expect(checked.updates).toHaveLength(1);
    const [update] = checked.updates;
    expect(update).toMatchObject({ name: demoRef, scope: 'system' });
    // The host never fetched the remote's appstream data: remote-ls has no version, so commits.
    expect(before).toContain(update?.from);
    expect(update?.to).toMatch(/^[0-9a-f]{12}$/);
    expect(checked.withheld).toEqual([{ name: otherRef, reason: 'excluded by policy' }]);
    // Once it has (plain `flatpak update` does that), the versions an admin knows.
    run(['flatpak', '--system', 'update', '--appstream', 'demo'], env);
    const withVersions = await runner.check(ctx);
    expect(withVersions.updates).toEqual([{ name: demoRef, from: '1.0', to: '1.1', scope: 'system' }]);

    const plan = await runner.plan(ctx, withVersions);
    expect(plan.map((s) => s.argv)).toEqual([['flatpak', '--system', 'update', '-y', '--noninteractive', demoRef]]);
    const applied = await runner.apply(ctx, plan);
    expect(applied.steps.map((s) => s.exitCode)).toEqual([0]);
    // Read back from flatpak list on both sides, so versions whatever the appstream data said.
    expect(applied.changed).toEqual([{ name: demoRef, from: '1.0', to: '1.1', scope: 'system' }]);
    expect(versions('--system')).toEqual({ [DEMO_APP]: '1.1', [OTHER_APP]: '1.0' });
    expect(run(['flatpak', 'run', DEMO_APP], env).trim()).toBe(`${DEMO_APP} 1.1`);
    // The only changing command was the planned one.
    expect(local.records.filter((r) => r.kind === 'change').map((r) => r.argv)).toEqual(plan.map((s) => s.argv));

    const again = await runner.check(ctx);
    expect(again.updates).toEqual([]);
    expect(await runner.plan(ctx, again)).toEqual([]);
  });

  it('a masked ref is withheld with its pattern, never passed to flatpak update, and stays masked', async () => {
    run(['flatpak', '--system', 'mask', `${OTHER_APP}//stable`], env);
    publishDemoApp(source, DEMO_APP, '1.2');
    const ctx = contextFor(exec(), {});
    const checked = await runner.check(ctx);
    expect(checked.updates.map((u) => u.name)).toEqual([demoRef]);
    expect(checked.withheld).toEqual([{ name: otherRef, reason: expect.stringContaining(`pattern "${OTHER_APP}//stable"`) }]);
    const plan = await runner.plan(ctx, checked);
    expect(plan[0]?.argv).not.toContain(otherRef);
    await runner.apply(ctx, plan);
    expect(versions('--system')).toEqual({ [DEMO_APP]: '1.2', [OTHER_APP]: '1.0' });
    expect(run(['flatpak', '--system', 'mask'], env).trim()).toBe(`${OTHER_APP}//stable`);
    run(['flatpak', '--system', 'mask', '--remove', `${OTHER_APP}//stable`], env);
  });

  it('stays on the installed branch: a 2.0 on another branch is not offered, a 2.0 on the same branch is', async () => {
    publishDemoApp(source, DEMO_APP, '2.0', { branch: 'next' });
    const ctx = contextFor(exec(), {}, [OTHER_APP]);
    expect((await runner.check(ctx)).updates).toEqual([]);
    publishDemoApp(source, DEMO_APP, '2.0');
    const checked = await runner.check(ctx);
    expect(checked.updates.map((u) => u.name)).toEqual([demoRef]);
    await runner.apply(ctx, await runner.plan(ctx, checked));
    expect(versions('--system')[DEMO_APP]).toBe('2.0');
    expect(run(['flatpak', '--system', 'list', '--app', '--columns=ref'], env)).not.toContain('/next');
  });

  it("updates root's per-user installation with flatpak --user, leaving the system one alone", async () => {
    installFromDemoSource(env, 'user', `${server.url}/repo`, [demoRef]);
    expect(versions('--user')).toEqual({ [DEMO_APP]: '2.0' });
    publishDemoApp(source, DEMO_APP, '2.1');
    const ctx = contextFor(exec(), { system: false, users: ['root'] });
    expect(await runner.detect(ctx)).toEqual({ applicable: true });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([expect.objectContaining({ name: demoRef, scope: 'user:root' })]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['flatpak', '--user', 'update', '-y', '--noninteractive', demoRef]]);
    expect((await runner.apply(ctx, plan)).changed).toHaveLength(1);
    expect(versions('--user')).toEqual({ [DEMO_APP]: '2.1' });
    expect(versions('--system')[DEMO_APP]).toBe('2.0');
  });

  it('dry-run records the update without running it', async () => {
    const local = exec(true);
    const ctx = contextFor(local, {}, [OTHER_APP]);
    const plan = await runner.plan(ctx, await runner.check(ctx));
    expect(plan).toHaveLength(1);
    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([]);
    expect(local.records.filter((r) => r.kind === 'change').map((r) => r.executed)).toEqual([false]);
    expect(versions('--system')[DEMO_APP]).toBe('2.0');
  });

  it('sources() names the remote the installations use', async () => {
    const ctx = contextFor(exec(), { users: ['root'] });
    expect(await runner.sources?.(ctx)).toEqual([
      { host: '127.0.0.1', port: server.port, origin: `flatpak remote demo ${server.url}/repo (the system installation)` },
    ]);
  });

  it('an excluded runtime with an update withholds the apps on it (flatpak would update it along); not excluded, both are updated', async () => {
    publishRuntime(source, 'runtime v2');
    publishDemoApp(source, DEMO_APP, '2.2');
    const excluded = contextFor(exec(), {}, [OTHER_APP, RUNTIME_ID]);
    const withheld = await runner.check(excluded);
    expect(withheld.updates).toEqual([]);
    expect(withheld.withheld).toEqual(
      expect.arrayContaining([
        { name: demoRef, reason: expect.stringContaining(`would also update ${runtimeRef('1')}, whose update is excluded by policy`) },
        { name: runtimeRef('1'), reason: 'excluded by policy' },
        { name: otherRef, reason: 'excluded by policy' },
      ]),
    );
    expect(await runner.plan(excluded, withheld)).toEqual([]);

    const ctx = contextFor(exec(), {}, [OTHER_APP]);
    const checked = await runner.check(ctx);
    expect(checked.updates.map((u) => u.name).sort()).toEqual([demoRef, runtimeRef('1')]);
    const applied = await runner.apply(ctx, await runner.plan(ctx, checked));
    expect(applied.changed.map((u) => u.name).sort()).toEqual([demoRef, runtimeRef('1')]);
    expect(versions('--system')).toEqual({ [DEMO_APP]: '2.2', [OTHER_APP]: '1.0' });
  });

  it('an app that moves to a new runtime branch: flatpak installs the runtime along, and the report says so', async () => {
    publishRuntime(source, 'runtime branch 2', '2');
    publishDemoApp(source, DEMO_APP, '2.3', { runtimeBranch: '2' });
    const ctx = contextFor(exec(), {}, [OTHER_APP]);
    const checked = await runner.check(ctx);
    // The appstream data fetched in an earlier test still says Demo 1.1, older than the installed
    // 2.2: stale, so check shows commits rather than a made-up 2.2 → 1.1.
    expect(checked.updates).toEqual([
      { name: demoRef, from: expect.stringMatching(/^[0-9a-f]{12}$/), to: expect.stringMatching(/^[0-9a-f]{12}$/), scope: 'system' },
    ]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['flatpak', '--system', 'update', '-y', '--noninteractive', demoRef]]);
    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([
      { name: demoRef, from: '2.2', to: '2.3', scope: 'system' },
      { name: runtimeRef('2'), from: null, to: expect.stringMatching(/^[0-9a-f]{12}$/), scope: 'system' },
    ]);
    expect(run(['flatpak', 'run', '--system', DEMO_APP], env).trim()).toBe(`${DEMO_APP} 2.3`);
  });

  it("updates nobody's per-user installation through runuser; without a system bus flatpak refuses, coded, in its own words", async () => {
    const userEnv = userInstallationEnv(env, join(root, 'nobody'));
    const bus = await startPrivateSystemBus(join(root, 'bus'));
    try {
      const withBus = { ...userEnv, DBUS_SYSTEM_BUS_ADDRESS: bus.address };
      installAsUser('nobody', withBus, `${server.url}/repo`, [demoRef]);
      publishDemoApp(source, DEMO_APP, '2.4', { runtimeBranch: '2' });
      const userVersion = () => runAs('nobody', ['list', '--app', '--columns=version'], withBus).trim();
      expect(userVersion()).toBe('2.3');

      const noBus = contextFor(createLocalExec({ env: userEnv, cwd: '/' }), { system: false, users: ['nobody'] });
      const checked = await runner.check(noBus);
      expect(checked.updates).toEqual([expect.objectContaining({ name: demoRef, scope: 'user:nobody' })]);
      const plan = await runner.plan(noBus, checked);
      expect(plan.map((s) => s.argv)).toEqual([
        ['runuser', '-u', 'nobody', '--', 'flatpak', '--user', 'update', '-y', '--noninteractive', demoRef],
      ]);
      const error = await runner.apply(noBus, plan).catch((e: unknown) => e);
      expect(isUnrotError(error) && error.code).toBe('E_EXEC_FAILED');
      expect(String((error as Error).message)).toContain('Could not connect: No such file or directory');
      expect(userVersion()).toBe('2.3');

      const ctx = contextFor(createLocalExec({ env: withBus, cwd: '/' }), { system: false, users: ['nobody'] });
      const applied = await runner.apply(ctx, plan);
      expect(applied.changed).toEqual([expect.objectContaining({ name: demoRef, scope: 'user:nobody' })]);
      expect(userVersion()).toBe('2.4');
      // Run as nobody, so nobody still owns every file of its installation.
      const uid = Number(run(['id', '-u', 'nobody']).trim());
      const owners = new Set<number>();
      const walk = (dir: string): void => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          owners.add(lstatSync(path).uid);
          if (entry.isDirectory()) walk(path);
        }
      };
      walk(userEnv.FLATPAK_USER_DIR as string);
      expect([...owners]).toEqual([uid]);
    } finally {
      await bus.close();
    }
  });

  it('updates when bwrap cannot run: flatpak runs its triggers in bwrap, and a failing one does not fail the update', async () => {
    // Measured with strace: flatpak update execs bwrap once per trigger of /usr/share/flatpak/triggers
    // (desktop-database, gtk-icon-cache, mime-database) after deploying; list and remote-ls never do.
    // FLATPAK_BWRAP makes every bwrap call fail, as it may in a container without nesting.
    publishDemoApp(source, DEMO_APP, '2.5', { runtimeBranch: '2' });
    const noBwrap = createLocalExec({ env: { ...env, FLATPAK_BWRAP: '/bin/false' }, cwd: '/' });
    const ctx = contextFor(noBwrap, {}, [OTHER_APP]);
    const plan = await runner.plan(ctx, await runner.check(ctx));
    const applied = await runner.apply(ctx, plan);
    expect(applied.steps.map((s) => s.exitCode)).toEqual([0]);
    expect(applied.changed.map((u) => u.name)).toEqual([demoRef]);
    expect(versions('--system')[DEMO_APP]).toBe('2.5');
  });

  it('an extension flatpak updates along with its app: installed along (from null), and an excluded update of it withholds the app', async () => {
    const plugin = `${OTHER_APP}.Plugin`;
    const pluginRef = `runtime/${plugin}/${ARCH}/stable`;
    publishExtension(source, plugin, OTHER_APP, '1.0');
    publishDemoApp(source, OTHER_APP, '1.1', { extensionPoint: plugin });
    const onlyOther = contextFor(exec(), {}, [DEMO_APP]);
    const first = await runner.apply(onlyOther, await runner.plan(onlyOther, await runner.check(onlyOther)));
    expect(first.changed).toEqual([
      expect.objectContaining({ name: otherRef }),
      { name: pluginRef, from: null, to: expect.stringMatching(/^[0-9a-f]{12}$/), scope: 'system' },
    ]);

    publishExtension(source, plugin, OTHER_APP, '1.1');
    publishDemoApp(source, OTHER_APP, '1.2', { extensionPoint: plugin });
    const excluded = contextFor(exec(), {}, [DEMO_APP, plugin]);
    const withheld = await runner.check(excluded);
    expect(withheld.updates).toEqual([]);
    expect(withheld.withheld).toEqual(
      expect.arrayContaining([
        { name: otherRef, reason: `flatpak update would also update ${pluginRef}, whose update is excluded by policy` },
        { name: pluginRef, reason: 'excluded by policy' },
      ]),
    );

    const checked = await runner.check(onlyOther);
    expect(checked.updates.map((u) => u.name).sort()).toEqual([otherRef, pluginRef]);
    await runner.apply(onlyOther, await runner.plan(onlyOther, checked));
    expect(versions('--system')[OTHER_APP]).toBe('1.2');
  });

  it('a runtime the update needs but the remote lacks: flatpak update fails, coded, with its own words', async () => {
    publishDemoApp(source, DEMO_APP, '3.0', { runtimeBranch: '9' });
    const ctx = contextFor(exec(), {}, [OTHER_APP]);
    const plan = await runner.plan(ctx, await runner.check(ctx));
    const error = await runner.apply(ctx, plan).catch((e: unknown) => e);
    expect(isUnrotError(error) && error.code).toBe('E_EXEC_FAILED');
    expect(String((error as Error).message)).toMatch(/org\.unrot\.Platform\/[^/]+\/9/);
    expect(versions('--system')[DEMO_APP]).toBe('2.5');
  });

  it('an unreachable remote: check fails coded with curl\'s words; apply refuses flatpak\'s silent "Nothing to do"', async () => {
    const ctx = contextFor(exec(), {}, [OTHER_APP]);
    const plan = await runner.plan(ctx, await runner.check(ctx));
    await server.close();
    const checkError = await runner.check(ctx).catch((e: unknown) => e);
    expect(isUnrotError(checkError) && checkError.code).toBe('E_EXEC_FAILED');
    expect(String((checkError as Error).message)).toContain("Couldn't connect to server");
    const applyError = await runner.apply(ctx, plan).catch((e: unknown) => e);
    expect(isUnrotError(applyError) && applyError.code).toBe('E_EXEC_FAILED');
    expect(String((applyError as Error).message)).toContain('Treating remote fetch error as non-fatal');
  });

  it("never touched the host's own flatpak state", () => {
    expect(hostState()).toBe(hostBefore);
  });
});
