import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { silentLogger, UnrotError } from '@unrot/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectivePolicy } from '../../src/config/effective-policy.js';
import { bindFleet } from '../../src/config/group-files.js';
import { loadConfig } from '../../src/config/load-config.js';
import { discoverProbes } from '../../src/health/discover-probes.js';
import { ContainerHealth, containerAddress, type TaskHealthCheck } from '../../src/health/pipeline-health.js';
import { type HealthSchedule, HealthScheduleSchema } from '../../src/health/policy-schema.js';
import { validateHealthPolicy } from '../../src/health/validate-health-policy.js';
import { configDir, configError } from '../config/helpers.js';
import { container, startScriptedServer, statusProbe } from './helpers.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const bundled = ['probe-http', 'probe-tcp', 'probe-cmd'].map((p) => join(repo, 'plugins', p));
const fast = Value.Default(HealthScheduleSchema, {
  attempts: 3,
  failure_threshold: 2,
  backoff: { initial_ms: 10, max_ms: 20 },
}) as HealthSchedule;

let state: string;
let probes: Awaited<ReturnType<typeof discoverProbes>>;
beforeAll(async () => {
  state = await mkdtemp(join(tmpdir(), 'unrot-pipeline-health-'));
  probes = await discoverProbes(bundled);
});
afterAll(() => rm(state, { recursive: true, force: true }));

const check = (url: string, gate: TaskHealthCheck['gate'] = { pre_existing: 'ignore', on_warn: 'ignore' }): TaskHealthCheck => ({
  name: 'web',
  probe: 'status',
  modulePath: '/unused',
  options: { url },
  schedule: fast,
  gate,
});

const healthFor = (checks: TaskHealthCheck[], stateDir: string) =>
  new ContainerHealth({
    checks,
    container,
    stateDir,
    loadProbe: async () => statusProbe,
    log: silentLogger,
    readExec: () => ({ read: () => Promise.reject(new UnrotError('E_INTERNAL', 'unused')) }),
    address: () => undefined,
  });

describe('containerAddress (pct config net0)', () => {
  it('reads a static IPv4 address and ignores dhcp, manual and missing ones', () => {
    expect(containerAddress({ net0: 'name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:00:01,ip=10.0.0.5/24,gw=10.0.0.1,type=veth' })).toBe(
      '10.0.0.5',
    );
    expect(containerAddress({ net0: 'name=eth0,bridge=vmbr0,ip=dhcp,type=veth' })).toBeUndefined();
    expect(containerAddress({ net0: 'name=eth0,bridge=vmbr0,ip=manual' })).toBeUndefined();
    expect(containerAddress({ net0: 'name=eth0,bridge=vmbr0,ip6=fd00::5/64' })).toBeUndefined();
    expect(containerAddress({ rootfs: 'local-lvm:vm-101-disk-0,size=8G' })).toBeUndefined();
  });
});

describe('ContainerHealth against a real HTTP server on loopback', () => {
  it('passes before, fails after: regressed, throws E_HEALTH_FAILED naming the check, keeps every attempt and the history', async () => {
    const server = await startScriptedServer([200, 500]);
    const dir = join(state, 'regressed');
    const health = healthFor([check(server.url)], dir);
    await health.baseline(new AbortController().signal);
    expect(health.reports[0]?.baseline).toMatchObject({ outcome: 'pass' });
    const error = await health.verify(new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e as UnrotError,
    );
    await server.close();
    expect(error?.code).toBe('E_HEALTH_FAILED');
    expect(error?.message).toContain('web (status) regressed: was pass before the update, fails after');
    expect(health.reports[0]).toMatchObject({ verdict: 'regressed', rollback: true, after: { outcome: 'fail' } });
    expect(health.reports[0]?.after?.attempts.map((a) => a.ok)).toEqual([false, false]);
    const history = JSON.parse(await readFile(join(dir, 'health', 'ct-101.json'), 'utf8')) as {
      checks: Record<string, Array<{ phase: string; outcome: string }>>;
    };
    expect(history.checks['web']?.map((e) => `${e.phase}:${e.outcome}`)).toEqual(['before-update:pass', 'after-update:fail']);
  });

  it('fails before and after: pre-existing, no rollback by default; rollback with gate.pre_existing: rollback', async () => {
    const server = await startScriptedServer([503]);
    const keep = healthFor([check(server.url)], join(state, 'pre'));
    await keep.baseline(new AbortController().signal);
    await keep.verify(new AbortController().signal);
    expect(keep.reports[0]).toMatchObject({ verdict: 'pre-existing', rollback: false, baseline: { outcome: 'fail' } });

    const strict = healthFor([check(server.url, { pre_existing: 'rollback', on_warn: 'ignore' })], join(state, 'pre-strict'));
    await strict.baseline(new AbortController().signal);
    await expect(strict.verify(new AbortController().signal)).rejects.toMatchObject({ code: 'E_HEALTH_FAILED' });
    await server.close();
  });

  it('a probe that cannot be loaded has no baseline and fails after the update', async () => {
    const health = new ContainerHealth({
      checks: [check('http://127.0.0.1:9/')],
      container,
      stateDir: join(state, 'noload'),
      loadProbe: async () => {
        throw new UnrotError('E_PLUGIN_LOAD', 'gone');
      },
      log: silentLogger,
      readExec: () => ({ read: () => Promise.reject(new Error('unused')) }),
      address: () => undefined,
    });
    await health.baseline(new AbortController().signal);
    expect(health.reports[0]?.baselineError).toBe('E_PLUGIN_LOAD: gone');
    await expect(health.verify(new AbortController().signal)).rejects.toMatchObject({ code: 'E_HEALTH_FAILED' });
    expect(health.reports[0]).toMatchObject({ verdict: 'regressed', after: { outcome: 'fail', summary: 'E_PLUGIN_LOAD: gone' } });
  });
});

/** A history file as the store writes it, pre-seeded with `n` baselines of `attempts` attempts, `ok` of them passing. */
async function seedHistory(stateDir: string, baselines: Array<{ outcome: 'pass' | 'warn' | 'fail'; attempts: number; ok: number }>) {
  await mkdir(join(stateDir, 'health'), { recursive: true });
  const entries = baselines.map((b, i) => ({
    at: new Date(Date.parse('2026-11-01T02:00:00Z') + i * 86_400_000).toISOString(),
    outcome: b.outcome,
    attempts: b.attempts,
    okAttempts: b.ok,
    phase: 'before-update',
    summary: 'seeded',
  }));
  await writeFile(join(stateDir, 'health', 'ct-101.json'), `${JSON.stringify({ version: 1, vmid: 101, checks: { web: entries } })}\n`);
}

const flakyWeeks = [
  ...Array.from({ length: 6 }, () => ({ outcome: 'pass' as const, attempts: 1, ok: 1 })),
  ...Array.from({ length: 4 }, () => ({ outcome: 'warn' as const, attempts: 3, ok: 1 })),
];

describe('flaky or broken: the gate reads the check’s recent baselines (pre-seeded history file)', () => {
  it('a flaky check that fails after the update is reported pre-existing with its class and rate; the update is kept', async () => {
    const dir = join(state, 'flaky');
    await seedHistory(dir, flakyWeeks);
    const server = await startScriptedServer([200, 500]);
    const health = healthFor([check(server.url)], dir);
    await health.baseline(new AbortController().signal);
    await health.verify(new AbortController().signal);
    await server.close();
    const report = health.reports[0];
    expect(report).toMatchObject({ verdict: 'pre-existing', rollback: false, baseline: { outcome: 'pass' }, after: { outcome: 'fail' } });
    expect(report?.reason).toBe(
      'fails after the update, but its recent baselines were flaky: not blamed on the update (gate.unreliable: ignore)',
    );
    // 10 seeded baselines plus this run's: 11 samples, 11 of 19 attempts passed.
    expect(report?.history).toEqual({ class: 'flaky', samples: 11, outcomeRate: 1, attemptRate: 11 / 19 });
  });

  it('gate.unreliable: rollback rolls a flaky check back like any regression', async () => {
    const dir = join(state, 'flaky-strict');
    await seedHistory(dir, flakyWeeks);
    const server = await startScriptedServer([200, 500]);
    const health = healthFor([check(server.url, { pre_existing: 'ignore', on_warn: 'ignore', unreliable: 'rollback' })], dir);
    await health.baseline(new AbortController().signal);
    await expect(health.verify(new AbortController().signal)).rejects.toMatchObject({ code: 'E_HEALTH_FAILED' });
    await server.close();
    expect(health.reports[0]).toMatchObject({ verdict: 'regressed', rollback: true, history: { class: 'flaky' } });
  });

  it('a stable check that fails after the update is regressed and rolls back; the history keeps 2 × window results', async () => {
    const dir = join(state, 'stable');
    await seedHistory(
      dir,
      Array.from({ length: 12 }, () => ({ outcome: 'pass' as const, attempts: 1, ok: 1 })),
    );
    const server = await startScriptedServer([200, 500]);
    const health = healthFor([check(server.url, { pre_existing: 'ignore', on_warn: 'ignore', history: { window: 5 } })], dir);
    await health.baseline(new AbortController().signal);
    await expect(health.verify(new AbortController().signal)).rejects.toMatchObject({ code: 'E_HEALTH_FAILED' });
    await server.close();
    expect(health.reports[0]).toMatchObject({
      verdict: 'regressed',
      rollback: true,
      history: { class: 'stable', samples: 5, outcomeRate: 1, attemptRate: 1 },
    });
    const file = JSON.parse(await readFile(join(dir, 'health', 'ct-101.json'), 'utf8')) as { checks: Record<string, unknown[]> };
    expect(file.checks['web']).toHaveLength(10);
  });

  it('a check with too little history (unknown) is judged like a stable one', async () => {
    const dir = join(state, 'young');
    await seedHistory(dir, flakyWeeks.slice(7));
    const server = await startScriptedServer([200, 500]);
    const health = healthFor([check(server.url)], dir);
    await health.baseline(new AbortController().signal);
    await expect(health.verify(new AbortController().signal)).rejects.toMatchObject({ code: 'E_HEALTH_FAILED' });
    await server.close();
    expect(health.reports[0]?.history).toMatchObject({ class: 'unknown', samples: 4 });
  });
});

describe('health_checks and restart policy', () => {
  it('validates probe options against the installed probes with file, line and key path', async () => {
    const dir = await configDir({
      'global.yml': 'defaults:\n  health_checks:\n    - probe: tcp\n      options: { port: 70000 }\n',
      'containers/101.yml':
        'health_checks:\n  - probe: http\n    options: { paht: /health }\n  - probe: smtp\n  - probe: http\n    name: http-1\n    schedule: { attempts: 2 }\n',
    });
    const config = await loadConfig(dir);
    const err = await configError(() => validateHealthPolicy(config, new Map()));
    expect(err.problems.map((p) => p.path)).toEqual([
      'health_checks[0].probe',
      'health_checks[1].probe',
      'health_checks[2].probe',
      'health_checks[2].name',
      'health_checks[2].schedule',
      'defaults.health_checks[0].probe',
    ]);
    const real = await configError(() => validateHealthPolicy(config, probes));
    expect(real.problems.map((p) => `${p.line} ${p.path}: ${p.message}`)).toEqual([
      expect.stringMatching(/^3 health_checks\[0\]\.options\.paht: unknown key 'paht'/),
      "4 health_checks[1].probe: unknown probe 'smtp' (installed: cmd, http, tcp)",
      "6 health_checks[2].name: check name 'http-1' is used twice (first at item 1)",
      '7 health_checks[2].schedule: failure_threshold (3) is more than attempts (2)',
      expect.stringMatching(/^4 defaults\.health_checks\[0\]\.options\.port: /),
    ]);
  });

  it('a container list replaces the defaults list; restart merges per key; defaults filled in', async () => {
    const dir = await configDir({
      'global.yml':
        'defaults:\n  health_checks:\n    - probe: tcp\n      options: { port: 22 }\n  restart:\n    units: [a.service]\n    wait_active_s: 5\n',
      'containers/101.yml': 'health_checks:\n  - probe: http\n    name: web\n    options: { port: 80 }\nrestart:\n  when: always\n',
      'containers/102.yml': 'enabled: true\n',
    });
    const config = await loadConfig(dir);
    const p101 = effectivePolicy(config, 101);
    expect(p101.healthChecks).toEqual([
      expect.objectContaining({
        name: 'web',
        probe: 'http',
        options: { port: 80 },
        gate: {
          pre_existing: 'ignore',
          on_warn: 'ignore',
          unreliable: 'ignore',
          history: { window: 20, min_samples: 5, flaky_below: 0.9 },
        },
      }),
    ]);
    expect(p101.healthChecks[0]?.schedule).toMatchObject({ attempts: 5, failure_threshold: 3, backoff: { initial_ms: 1000 } });
    expect(p101.restart).toEqual({ units: ['a.service'], when: 'always', waitActiveMs: 5000 });
    const p102 = effectivePolicy(config, 102);
    expect(p102.healthChecks.map((c) => c.name)).toEqual(['tcp-1']);
    expect(p102.restart).toEqual({ units: ['a.service'], when: 'changed', waitActiveMs: 5000 });
  });

  it('the examples/ policy validates against the bundled probes', async () => {
    const config = await loadConfig(join(repo, 'examples'));
    expect(() => validateHealthPolicy(config, new Map())).toThrow(/unknown probe 'http'/);
    expect(() => validateHealthPolicy(config, probes)).not.toThrow();
    // examples/containers/web.yml selects by tag: the policy is read once the fleet is known.
    bindFleet(config, [{ vmid: 101, name: 'app-101', tags: ['web'] }]);
    const policy = effectivePolicy(config, 101);
    expect(policy.healthChecks.map((c) => c.name)).toEqual(['web', 'unit-active']);
    expect(policy.restart).toEqual({ units: ['web-app.service'], when: 'changed', waitActiveMs: 60_000 });
  });

  it('refuses a unit name that could be read as an option', async () => {
    const dir = await configDir({ 'global.yml': '', 'containers/101.yml': 'restart:\n  units: [--now.service]\n' });
    const err = await configError(() => loadConfig(dir));
    expect(err.problems.map((p) => p.path)).toContain('restart.units[0]');
  });
});
