/**
 * The runner against real pip: Debian 12's /usr/bin/python3 (pip 23.0.1) and python3-venv,
 * real venvs in a temp dir, and a PEP 503 index on 127.0.0.1 serving wheels built here.
 * Contract captures are recorded by scripts/record-fixtures.ts (the SDK's recorder), not here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { type CheckResult, isUnrotError, type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer, createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import runner, { type PipOptions } from '../src/index.js';
import { type IndexServer, startIndexServer } from './helpers/index-server.js';
import { provisionPipx } from './helpers/pipx.js';
import { cleanEnv, installedVersions, makeVenv, run, SYSTEM_PYTHON } from './helpers/python-env.js';
import { type RecordingExec, recordingExec } from './helpers/recording-exec.js';
import { buildWheel } from './helpers/wheel.js';

// A fixed path when capturing, so the stored argv stay readable; a fresh temp dir otherwise.
const base = mkdtempSync(join(tmpdir(), 'unrot-runner-pip-'));
const venv = join(base, 'app', 'venv');
const home = join(base, 'home');
const env = cleanEnv(home);
let index: IndexServer;

function context(options: Partial<PipOptions>, exclusions: string[] = [], exec: RecordingExec = recordingExec(createLocalExec({ env }))) {
  const ctx: RunnerContext<PipOptions> = {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: Value.Default(runner.optionsSchema, structuredClone(options)) as PipOptions,
    container: contractContainer(),
    exclusions,
  };
  return { ctx, exec };
}

const names = (c: CheckResult) => c.updates.map((u) => `${u.name} ${u.from} -> ${u.to}`);
const withheldNames = (c: CheckResult) => c.withheld.map((w) => w.name).sort();

beforeAll(async () => {
  rmSync(base, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  index = await startIndexServer([
    buildWheel('unrot-demo-lib', '1.0.0'),
    buildWheel('unrot-demo-lib', '1.1.0'),
    buildWheel('unrot-pinned-lib', '1.0'),
    buildWheel('unrot-pinned-lib', '2.0'),
  ]);
  await makeVenv(venv, index.url, env, ['unrot-demo-lib==1.0.0', 'unrot-pinned-lib==1.0']);
  writeFileSync(join(base, 'app', 'constraints.txt'), 'unrot-pinned-lib<2\n');
});

afterAll(async () => {
  await index?.close();
  rmSync(base, { recursive: true, force: true });
});

// Sequential: each step starts from the state the previous one left, like successive runs.
describe.sequential('runner-pip against real pip in a real venv', () => {
  it('a missing venv is not applicable, with a reason naming the path', async () => {
    const options = { venvs: [join(base, 'gone', 'venv')] };
    const { ctx } = context(options);
    const detected = await runner.detect(ctx);
    expect(detected.applicable).toBe(false);
    expect(detected.reason).toContain(join(base, 'gone', 'venv'));
  });

  it('withholds an excluded package and a major upgrade, and then plans nothing', async () => {
    const options = { venvs: [venv] };
    const { ctx, exec } = context(options, ['unrot-demo-*']);
    expect((await runner.detect(ctx)).applicable).toBe(true);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([]);
    expect(withheldNames(checked)).toEqual(['unrot-demo-lib', 'unrot-pinned-lib']);
    expect(checked.withheld.find((w) => w.name === 'unrot-demo-lib')?.reason).toContain('excluded by policy');
    expect(checked.withheld.find((w) => w.name === 'unrot-pinned-lib')?.reason).toContain('major upgrade 1.0 → 2.0 not allowed');
    expect(await runner.plan(ctx, checked)).toEqual([]);
    expect(exec.recordings.every((r) => !r.argv.includes('install') || r.argv.includes('--dry-run'))).toBe(true);
  });

  it('fails check with a coded error when the constraints file is missing', async () => {
    const options = { venvs: [venv], constraints: join(base, 'app', 'missing-constraints.txt') };
    const { ctx } = context(options);
    const error = await runner.check(ctx).catch((e: unknown) => e);
    expect(isUnrotError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('E_EXEC_FAILED');
    expect((error as Error).message).toContain('Could not open requirements file');
  });

  it('keeps a constraints pin while upgrading the rest, and apply really changes the venv', async () => {
    const options = { venvs: [venv], constraints: join(base, 'app', 'constraints.txt'), allow_major: true };
    const { ctx } = context(options);
    const checked = await runner.check(ctx);
    expect(names(checked)).toEqual(['unrot-demo-lib 1.0.0 -> 1.1.0']);
    expect(checked.withheld).toHaveLength(1);
    expect(checked.withheld[0]?.reason).toContain('held at 1.0 by constraints file');
    const steps = await runner.plan(ctx, checked);
    expect(steps.map((s) => s.argv)).toEqual([
      [
        `${venv}/bin/python`,
        ...['-m', 'pip', 'install', '--no-input', '--disable-pip-version-check', '--upgrade'],
        ...['-c', join(base, 'app', 'constraints.txt'), 'unrot-demo-lib==1.1.0'],
      ],
    ]);
    const applied = await runner.apply(ctx, steps);
    expect(applied.changed).toEqual([{ name: 'unrot-demo-lib', from: '1.0.0', to: '1.1.0', scope: venv }]);
    expect(applied.steps.map((s) => s.exitCode)).toEqual([0]);
    expect(await installedVersions(venv, env)).toMatchObject({ 'unrot-demo-lib': '1.1.0', 'unrot-pinned-lib': '1.0' });
  });

  it('upgrades a major release when allowed, and a second check then finds nothing', async () => {
    const options = { venvs: [venv], allow_major: true };
    const first = context(options);
    const checked = await runner.check(first.ctx);
    expect(names(checked)).toEqual(['unrot-pinned-lib 1.0 -> 2.0']);
    const applied = await runner.apply(first.ctx, await runner.plan(first.ctx, checked));
    expect(applied.changed).toEqual([{ name: 'unrot-pinned-lib', from: '1.0', to: '2.0', scope: venv }]);
    expect((await installedVersions(venv, env))['unrot-pinned-lib']).toBe('2.0');

    const second = context(options);
    const again = await runner.check(second.ctx);
    expect(again).toEqual({ updates: [], withheld: [] });
    expect(await runner.plan(second.ctx, again)).toEqual([]);
    const none = await runner.apply(second.ctx, []);
    expect(none).toEqual({ changed: [], steps: [] });
    expect(second.exec.recordings.some((r) => r.argv.includes('install'))).toBe(false);
  });

  // The engine's pre-flight asks sources() after a positive detect and before check: captured in that order.
  it('pre-flight: sources() names the index in the venv pip.conf; nothing pending afterwards', async () => {
    const options = { venvs: [venv], allow_major: true };
    const { ctx, exec } = context(options);
    expect((await runner.detect(ctx)).applicable).toBe(true);
    const expected = [
      {
        host: '127.0.0.1',
        port: Number(new URL(index.url).port),
        origin: `index-url ${index.url} (global.index-url, ${venv}/bin/python -m pip config list)`,
      },
    ];
    expect(await runner.sources?.(ctx)).toEqual(expected);
    const checked = await runner.check(ctx);
    expect(checked).toEqual({ updates: [], withheld: [] });
    expect(await runner.apply(ctx, await runner.plan(ctx, checked))).toEqual({ changed: [], steps: [] });
    expect(exec.recordings.every((r) => !r.argv.includes('install'))).toBe(true);
  });

  it('pre-flight: sources() names the proxy of pip.conf with its password hidden; check then fails as the proxy refuses', async () => {
    const proxied = join(base, 'proxied', 'venv');
    await makeVenv(proxied, index.url, env, ['unrot-demo-lib==1.0.0']);
    // Port 9 (discard) is closed here: every request through the proxy is refused. retries = 1 keeps
    // it fast; with retries = 0 pip prints no "Retrying" warning at all and reports [] (exit 0).
    writeFileSync(join(proxied, 'pip.conf'), `[global]\nindex-url = ${index.url}\nproxy = http://unrot:s3cret@127.0.0.1:9\nretries = 1\n`);
    const options = { venvs: [proxied] };
    const { ctx } = context(options);
    expect((await runner.detect(ctx)).applicable).toBe(true);
    const py = `${proxied}/bin/python -m pip config list`;
    const expected = [
      {
        host: '127.0.0.1',
        port: 9,
        origin: `proxy http://***@127.0.0.1:9 (global.proxy, ${py}), for index-url ${index.url} (global.index-url, ${py})`,
      },
    ];
    const endpoints = await runner.sources?.(ctx);
    expect(endpoints).toEqual(expected);
    expect(JSON.stringify(endpoints)).not.toContain('s3cret');
    const error = await runner.check(ctx).catch((e: unknown) => e);
    expect(isUnrotError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('E_EXEC_FAILED');
    expect((error as Error).message).toContain('could not reach the package index');
  });

  it('plans the dependencies pip would pull in, and withholds everything when one of them is excluded', async () => {
    // The same venv (a second one costs seconds): everything else in it is current by now.
    const app = venv;
    index.publish(buildWheel('unrot-app-lib', '1.0'));
    index.publish(buildWheel('unrot-base-lib', '1.0'));
    await run(
      [
        `${app}/bin/python`,
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--no-input',
        'unrot-app-lib==1.0',
        'unrot-base-lib==1.0',
      ],
      env,
    );
    index.publish(buildWheel('unrot-app-lib', '1.1', { requires: ['unrot-base-lib>=1.1', 'unrot-new-dep'] }));
    index.publish(buildWheel('unrot-base-lib', '1.1'));
    index.publish(buildWheel('unrot-new-dep', '1.0'));
    const options = { venvs: [app] };

    const blocked = context(options, ['unrot-base-lib']);
    const held = await runner.check(blocked.ctx);
    expect(held.updates).toEqual([]);
    expect(withheldNames(held)).toEqual(['unrot-app-lib', 'unrot-base-lib']);
    expect(held.withheld.find((w) => w.name === 'unrot-app-lib')?.reason).toContain('would also change excluded package unrot-base-lib');

    const { ctx } = context(options);
    const checked = await runner.check(ctx);
    expect(names(checked).sort()).toEqual(['unrot-app-lib 1.0 -> 1.1', 'unrot-base-lib 1.0 -> 1.1', 'unrot-new-dep null -> 1.0']);
    const steps = await runner.plan(ctx, checked);
    expect(steps).toHaveLength(1);
    expect(steps[0]?.argv.filter((a) => a.includes('=='))).toEqual(
      expect.arrayContaining(['unrot-app-lib==1.1', 'unrot-base-lib==1.1', 'unrot-new-dep==1.0']),
    );
    const applied = await runner.apply(ctx, steps);
    expect(applied.changed.map((c) => `${c.name} ${c.from} -> ${c.to}`).sort()).toEqual(names(checked).sort());
    expect(await installedVersions(app, env)).toMatchObject({ 'unrot-app-lib': '1.1', 'unrot-base-lib': '1.1', 'unrot-new-dep': '1.0' });
  });

  it('a newly published release is found and applied in dry-run without changing anything', async () => {
    index.publish(buildWheel('unrot-demo-lib', '1.2.0'));
    const options = { venvs: [venv] };
    const { ctx, exec } = context(options, [], recordingExec(createLocalExec({ env, dryRun: true })));
    const checked = await runner.check(ctx);
    expect(names(checked)).toEqual(['unrot-demo-lib 1.1.0 -> 1.2.0']);
    const applied = await runner.apply(ctx, await runner.plan(ctx, checked));
    expect(applied.changed).toEqual([]);
    expect((await installedVersions(venv, env))['unrot-demo-lib']).toBe('1.1.0');
    expect(exec.recordings.some((r) => r.argv.includes('install') && !r.argv.includes('--dry-run'))).toBe(false);
  });

  it('fails check with a coded error when the index cannot be reached, instead of reporting nothing', async () => {
    // pip itself exits 0 with [] here; its retry warnings are the only trace (PIP_RETRIES=1 keeps this fast).
    const options = { venvs: [venv] };
    const exec = recordingExec(createLocalExec({ env: { ...env, PIP_INDEX_URL: 'http://127.0.0.1:9/simple/', PIP_RETRIES: '1' } }));
    const { ctx } = context(options, [], exec);
    const error = await runner.check(ctx).catch((e: unknown) => e);
    expect(isUnrotError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('E_EXEC_FAILED');
    expect((error as Error).message).toContain('could not reach the package index');
  });

  it("never touches Debian's externally-managed system Python without break_system_packages", async () => {
    // distro 1.8.0 is a Debian package (python3-distro) in the system site-packages.
    index.publish(buildWheel('distro', '1.9.0'));
    const options = { system: true };
    const systemEnv = { ...env, PIP_INDEX_URL: index.url };
    const exec = recordingExec(createLocalExec({ env: systemEnv }), { forbidChange: true });
    const { ctx } = context(options, [], exec);
    const before = await run([SYSTEM_PYTHON, '-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'], systemEnv);
    expect((await runner.detect(ctx)).applicable).toBe(true);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([]);
    const distro = checked.withheld.find((w) => w.name === 'distro');
    expect(distro?.reason).toContain('externally-managed-environment');
    expect(distro?.reason).toContain('break_system_packages');
    expect(await runner.plan(ctx, checked)).toEqual([]);
    expect(await run([SYSTEM_PYTHON, '-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'], systemEnv)).toBe(before);
    // The index URL came from the environment here; in a container it comes from pip.conf.
  });
});

describe.sequential('runner-pip against Debian 12 pipx 1.1.0', () => {
  let pipxEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // Cached across runs: the .debs are only fetched once per machine.
    const bin = await provisionPipx(join(tmpdir(), 'unrot-runner-pip-debs'));
    // In a container the index would come from /etc/pip.conf; PIP_INDEX_URL is the same pip setting.
    pipxEnv = {
      ...env,
      PATH: `${bin}:/usr/bin:/bin`,
      PIPX_HOME: join(base, 'pipx'),
      PIPX_BIN_DIR: join(base, 'pipx-bin'),
      PIP_INDEX_URL: index.url,
    };
    index.publish(buildWheel('unrot-demo-tool', '1.0.0', { consoleScript: 'unrot-demo-tool' }));
    await run(['pipx', 'install', 'unrot-demo-tool==1.0.0'], pipxEnv);
    index.publish(buildWheel('unrot-demo-tool', '1.1.0', { consoleScript: 'unrot-demo-tool' }));
  });

  it('is not applicable when pipx is not installed and nothing else is configured', async () => {
    const options = { pipx: true };
    const { ctx } = context(options);
    const detected = await runner.detect(ctx);
    expect(detected).toEqual({ applicable: false, reason: expect.stringContaining('pipx is not installed') });
  });

  it('upgrades a pipx app with pipx upgrade and reads the new version back', async () => {
    const options = { pipx: true };
    const { ctx } = context(options, [], recordingExec(createLocalExec({ env: pipxEnv })));
    expect((await runner.detect(ctx)).applicable).toBe(true);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'unrot-demo-tool', from: '1.0.0', to: '1.1.0', scope: 'pipx:unrot-demo-tool' }]);
    const steps = await runner.plan(ctx, checked);
    expect(steps.map((s) => s.argv)).toEqual([['pipx', 'upgrade', 'unrot-demo-tool']]);
    const applied = await runner.apply(ctx, steps);
    expect(applied.changed).toEqual([{ name: 'unrot-demo-tool', from: '1.0.0', to: '1.1.0', scope: 'pipx:unrot-demo-tool' }]);
    expect(await run([join(base, 'pipx-bin', 'unrot-demo-tool')], pipxEnv)).toBe('1.1.0\n');

    const again = context(options, ['unrot-*'], recordingExec(createLocalExec({ env: pipxEnv })));
    expect(await runner.check(again.ctx)).toEqual({ updates: [], withheld: [] });
  });
});
