import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS_DRILL_PORTS, APPS_DRILL_ROOT } from './apps-drill-env.js';
import { appsDrillSandbox, health, type Proc, reportOf } from './sandbox-harness.js';

// Health-gating drills on the real-LXC sandbox (CT 101: systemd, web-app.service on the drill's
// web port), the `apps` sandbox shared with the sandbox, policy, hook and wave drills
// (apps-drill-env.ts): up once per run, reset to the state `up` left before this file. The policy
// restarts web-app.service after an update and probes /health with the bundled http probe, before
// the update (baseline) and after it (gate):
//   - web:       /health answers 2xx;
//   - web-fresh: the body says the `ms` the process loaded equals the one installed, which is only
//                true after a restart: it fails if the probes run before web-app was restarted.
// Restart drills on CT 102 (unprivileged, no systemd: a launcher is PID 1 and starts py-app again
// 2 s after it exits): `restart.processes` signals py-app and waits for the launcher's new one;
//   - py-fresh:  the version the process imported (greeting) equals the one installed;
//   - unrot-sandbox-pyconf 1.1 makes py-app exit when it starts: the restart fails, and rolls back.

const CONFIG = join(APPS_DRILL_ROOT, 'health-config');
const STATE = join(APPS_DRILL_ROOT, 'health-state');
const WEB_PORT = APPS_DRILL_PORTS.web;
const PY_PORT = APPS_DRILL_PORTS.py;
const { pct, unrot, inCt, upOrReset } = appsDrillSandbox({ config: CONFIG });
const timings: Record<string, number> = {};

interface Phase {
  outcome: 'pass' | 'warn' | 'fail';
  summary: string;
  attempts: Array<{ ok: boolean; durationMs: number; detail: string; startedAt: string }>;
}
interface Report {
  exitCode: number;
  containers: Array<{
    vmid: number;
    outcome: string;
    error?: { step: string; code: string; message: string };
    rollback?: { reason: string; running: boolean };
    restart?: {
      when: string;
      planned: boolean;
      skipped?: string;
      units: Array<{ unit: string; hostArgv: string[]; state?: string }>;
      processes?: Array<{
        name: string;
        find: { argv: string[]; hostArgv: string[] };
        stop: { argv: string[]; hostArgv: string[] };
        oldPids?: number[];
        newPids?: number[];
        state?: string;
        detail?: string;
        durationMs?: number;
      }>;
    };
    health?: Array<{ name: string; probe: string; baseline?: Phase; after?: Phase; verdict?: string; rollback?: boolean; reason?: string }>;
    runners: Array<{ id: string; changed: Array<{ name: string; to: string }> }>;
  }>;
}

const json = (p: Proc) => reportOf<Report>(p);
const ct101 = (r: Report) => r.containers.find((c) => c.vmid === 101);
const ct102 = (r: Report) => r.containers.find((c) => c.vmid === 102);
const apt = (...args: string[]) => inCt(101, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q', ...args);
const version = async (pkg: string) =>
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  (await pct('exec', '101', '--', 'dpkg-query', '-W', '-f=${Version} ${db:Status-Abbrev}', pkg)).stdout.trim();
const appHealth = async (): Promise<{ status: number; body: { ms?: string; msLoaded?: string; status?: string } }> => {
  const res = await fetch(`http://127.0.0.1:${WEB_PORT}/health`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as { ms?: string; msLoaded?: string } };
};

interface PyHealth {
  'unrot-demo-lib'?: string;
  greeting?: string;
  pid?: number;
}
const pyHealth = async (): Promise<PyHealth> => {
  const res = await fetch(`http://127.0.0.1:${PY_PORT}/health`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`py-app /health answered ${res.status}`);
  return (await res.json()) as PyHealth;
};
/** py-app after its launcher (re)started it: up to 30 s. */
async function pyHealthWhenUp(): Promise<PyHealth> {
  for (let i = 0; ; i++) {
    try {
      return await pyHealth();
    } catch (error) {
      if (i >= 150) throw error;
      await new Promise((res) => setTimeout(res, 200));
    }
  }
}
const pyVersion = async (pkg: string) =>
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  (await pct('exec', '102', '--', 'dpkg-query', '-W', '-f=${Version} ${db:Status-Abbrev}', pkg)).stdout.trim();

/** CT 102: apt + pip, py-app restarted as a process (no systemd), probed before and after. */
async function writePyConfig(exclude: string[] = []): Promise<void> {
  const schedule = '{ warmup_ms: 300, attempts: 4, failure_threshold: 2, backoff: { initial_ms: 300, factor: 2, max_ms: 1000 } }';
  await writeFile(
    join(CONFIG, 'containers/102.yml'),
    [
      'runners:',
      '  os: apt',
      '  pip:',
      '    venvs: [/opt/py-app/venv]',
      ...(exclude.length > 0 ? ['exclusions:', `  packages: [${exclude.join(', ')}]`] : []),
      'restart:',
      '  processes:',
      '    - name: py-app',
      "      match: { cmdline: '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py$' }",
      "      # no start: CT 102's launcher (PID 1) starts it again 2 s after it exits",
      '      wait_s: 15',
      '      settle_s: 3',
      'health_checks:',
      '  - probe: http',
      '    name: py',
      `    options: { port: ${PY_PORT}, path: /health, timeout_ms: 2000 }`,
      `    schedule: ${schedule}`,
      '  - probe: http',
      '    name: py-fresh',
      `    options: { port: ${PY_PORT}, path: /health, timeout_ms: 2000, body_regex: '"unrot-demo-lib": "([^"]+)", "greeting": "hello sandbox from unrot-demo-lib \\1"' }`,
      `    schedule: ${schedule}`,
      '',
    ].join('\n'),
  );
}

async function writeConfig(exclude: string[] = [], units: string[] = ['web-app.service']): Promise<void> {
  await mkdir(join(CONFIG, 'containers'), { recursive: true });
  await writeFile(
    join(CONFIG, 'global.yml'),
    // The test machine's own load is not under test here (backpressure: packages/engine/test/fleet/backpressure.test.ts).
    `state_dir: ${STATE}\ndefaults:\n  runners:\n    os: apt\n  backup:\n    mode: snapshot\n    keep: 2\ntargets:\n  allow: [101, 102]\npreflight:\n  max_load: 1000\n`,
  );
  const schedule = '{ warmup_ms: 300, attempts: 4, failure_threshold: 2, backoff: { initial_ms: 300, factor: 2, max_ms: 1000 } }';
  await writeFile(
    join(CONFIG, 'containers/101.yml'),
    [
      'runners:',
      '  os: apt',
      '  npm:',
      '    projects: [/opt/web-app]',
      ...(exclude.length > 0 ? ['exclusions:', `  packages: [${exclude.join(', ')}]`] : []),
      'restart:',
      `  units: [${units.join(', ')}]`,
      '  wait_active_s: 30',
      'health_checks:',
      '  - probe: http',
      '    name: web',
      `    options: { port: ${WEB_PORT}, path: /health, timeout_ms: 2000 }`,
      `    schedule: ${schedule}`,
      '  - probe: http',
      '    name: web-fresh',
      `    options: { port: ${WEB_PORT}, path: /health, timeout_ms: 2000, body_regex: '"ms":"([^"]+)","msLoaded":"\\1"' }`,
      `    schedule: ${schedule}`,
      '',
    ].join('\n'),
  );
}

beforeAll(async () => {
  const ready = await upOrReset();
  timings[`sandbox ${ready.how}`] = ready.ms;
  await rm(STATE, { recursive: true, force: true });
  await writeConfig();
  await writePyConfig(['unrot-sandbox-pyconf']);
  await apt('install', 'unrot-sandbox-webconf=1.0');
  await inCt(102, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q', 'install', 'unrot-sandbox-pyconf=1.0');
});

afterAll(() => {
  console.log(`health drill timings (ms): ${JSON.stringify(timings)}`);
});

describe('health drills', () => {
  it('the policy is validated against the installed probes: an unknown option is refused with its file, line and key path', async () => {
    await writeFile(
      join(CONFIG, 'containers/101.yml'),
      'runners:\n  os: apt\nhealth_checks:\n  - probe: http\n    options: { port: 3201, paht: /health }\n  - probe: smtp\n',
    );
    const v = await unrot('validate');
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/101\.yml:5:\d+ health_checks\[0\]\.options\.paht/);
    expect(v.stderr).toMatch(/101\.yml:6:\d+ health_checks\[1\]\.probe: unknown probe 'smtp'/);
    await writeConfig();
  });

  it('plan lists the restart as a changing command and runs no probe', async () => {
    const p = await unrot('plan', '--ct', '101', '--json');
    timings['plan'] = p.ms;
    const c = ct101(json(p));
    expect(c?.outcome).toBe('planned');
    expect(c?.restart).toMatchObject({ planned: true, when: 'changed' });
    expect(c?.restart?.units[0]?.hostArgv).toEqual(['pct', 'exec', '101', '--', 'systemctl', 'restart', 'web-app.service']);
    expect(c?.health).toBeUndefined();
    expect((await appHealth()).body.msLoaded).toBe('2.0.0');
  });

  it('an update that breaks the service is detected by its probe and rolled back; healthy at the old version afterwards', async () => {
    expect(await version('unrot-sandbox-webconf')).toBe('1.0 ii');
    expect((await appHealth()).status).toBe(200);
    const r = await unrot('run', '--ct', '101', '--json');
    timings['broken update: run + rollback'] = r.ms;
    expect(r.code, r.stderr).toBe(1);
    const c = ct101(json(r));
    expect(c).toMatchObject({ outcome: 'rolled-back', error: { step: 'verify', code: 'E_HEALTH_FAILED' } });
    expect(c?.error?.message).toContain('web (http) regressed');
    expect(c?.rollback).toMatchObject({ running: true });
    expect(c?.rollback?.reason).toContain('E_HEALTH_FAILED');
    const web = c?.health?.find((h) => h.name === 'web');
    expect(web).toMatchObject({
      probe: 'http',
      verdict: 'regressed',
      rollback: true,
      baseline: { outcome: 'pass' },
      after: { outcome: 'fail' },
    });
    // Every attempt is reported with its timing; each failed on the 500.
    expect(web?.after?.attempts).toHaveLength(2);
    for (const a of web?.after?.attempts ?? []) {
      expect(a.ok).toBe(false);
      expect(a.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(a.startedAt)).not.toBeNaN();
    }
    expect(web?.after?.attempts.at(-1)?.detail).toContain('500');
    expect(web?.after?.summary).toContain('2 failed attempts in a row');
    expect(c?.restart?.units[0]).toMatchObject({ unit: 'web-app.service', state: 'active' });
    // Baseline history on disk.
    const history = JSON.parse(await readFile(join(STATE, 'health', 'ct-101.json'), 'utf8')) as {
      checks: Record<string, Array<{ phase: string; outcome: string }>>;
    };
    expect(history.checks['web']?.map((e) => `${e.phase}:${e.outcome}`)).toEqual(['before-update:pass', 'after-update:fail']);
    // Back at the old version, and healthy.
    expect(await version('unrot-sandbox-webconf')).toBe('1.0 ii');
    expect(await version('unrot-sandbox-demo')).toBe('1.0 ii');
    let healthy = 0;
    for (let i = 0; i < 100 && healthy !== 200; i++) {
      healthy = await health(WEB_PORT).catch(() => 0);
      if (healthy !== 200) await new Promise((res) => setTimeout(res, 200));
    }
    expect(healthy).toBe(200);
    expect((await appHealth()).body).toMatchObject({ ms: '2.0.0', msLoaded: '2.0.0' });
  });

  it('restart: web-app.service is restarted after its npm dependency updates and is active before the probes run', async () => {
    await writeConfig(['unrot-sandbox-webconf']);
    const r = await unrot('run', '--ct', '101', '--json');
    timings['restart drill run'] = r.ms;
    expect(r.code, r.stderr).toBe(0);
    const c = ct101(json(r));
    expect(c?.outcome).toBe('updated');
    expect(c?.runners.find((x) => x.id === 'npm')?.changed).toEqual([expect.objectContaining({ name: 'ms', to: '2.1.3' })]);
    expect(c?.restart).toMatchObject({ planned: false, units: [{ unit: 'web-app.service', state: 'active' }] });
    // web-fresh passes only when the process serving /health loaded the updated ms: it was restarted first.
    expect(c?.health?.map((h) => [h.name, h.baseline?.outcome, h.after?.outcome, h.verdict])).toEqual([
      ['web', 'pass', expect.stringMatching(/^(pass|warn)$/), 'healthy'],
      ['web-fresh', 'pass', expect.stringMatching(/^(pass|warn)$/), 'healthy'],
    ]);
    expect((await appHealth()).body).toMatchObject({ ms: '2.1.3', msLoaded: '2.1.3' });
    expect((await inCt(101, 'systemctl', 'is-active', 'web-app.service')).trim()).toBe('active');
  });

  it('an application already failing before the update is reported pre-existing and not rolled back (default policy)', async () => {
    await apt('--allow-downgrades', 'install', 'unrot-sandbox-demo=1.0');
    await inCt(101, 'sh', '-c', 'echo broken > /etc/web-app/mode');
    expect((await appHealth()).status).toBe(500);
    const r = await unrot('run', '--ct', '101', '--json');
    timings['pre-existing failure run'] = r.ms;
    expect(r.code, r.stderr).toBe(0);
    const c = ct101(json(r));
    expect(c?.outcome).toBe('updated');
    expect(c?.rollback).toBeUndefined();
    expect(c?.health?.find((h) => h.name === 'web')).toMatchObject({
      verdict: 'pre-existing',
      rollback: false,
      baseline: { outcome: 'fail' },
      after: { outcome: 'fail' },
    });
    expect(await version('unrot-sandbox-demo')).toBe('1.1 ii');
    await inCt(101, 'sh', '-c', 'echo ok > /etc/web-app/mode');
    expect((await appHealth()).status).toBe(200);
  });

  it('a unit that cannot be restarted (CT 101, systemd) fails the restart step and rolls the update back', async () => {
    await writeConfig(['unrot-sandbox-webconf'], ['web-app.service', 'web-app-missing.service']);
    await apt('--allow-downgrades', 'install', 'unrot-sandbox-demo=1.0');
    const r = await unrot('run', '--ct', '101', '--json');
    timings['failed unit restart: run + rollback'] = r.ms;
    expect(r.code, r.stderr).toBe(1);
    const c = ct101(json(r));
    expect(c).toMatchObject({ outcome: 'rolled-back', error: { step: 'restart', code: 'E_EXEC_FAILED' }, rollback: { running: true } });
    expect(c?.error?.message).toContain('systemctl restart web-app-missing.service exited 5');
    expect(c?.restart?.units.map((u) => [u.unit, u.state])).toEqual([
      ['web-app.service', 'active'],
      ['web-app-missing.service', undefined],
    ]);
    expect(await version('unrot-sandbox-demo')).toBe('1.0 ii');
    let healthy = 0;
    for (let i = 0; i < 100 && healthy !== 200; i++) {
      healthy = await health(WEB_PORT).catch(() => 0);
      if (healthy !== 200) await new Promise((res) => setTimeout(res, 200));
    }
    expect(healthy).toBe(200);
    await writeConfig(['unrot-sandbox-webconf']);
  });

  it('plan lists the process restart of CT 102 (pgrep and kill with their host argv) and runs nothing', async () => {
    const before = await pyHealth();
    const p = await unrot('plan', '--ct', '102', '--json');
    timings['py plan'] = p.ms;
    expect(p.code, p.stderr).toBe(0);
    const c = ct102(json(p));
    expect(c?.outcome).toBe('planned');
    expect(c?.restart).toMatchObject({ planned: true, when: 'changed', units: [] });
    expect(c?.restart?.processes?.[0]).toMatchObject({
      name: 'py-app',
      find: { hostArgv: ['pct', 'exec', '102', '--', 'pgrep', '-f', '--', '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py$'] },
      stop: { hostArgv: ['pct', 'exec', '102', '--', 'kill', '-s', 'TERM', '<pids>'] },
    });
    expect(c?.restart?.processes?.[0]?.oldPids).toBeUndefined();
    expect((await pyHealth()).pid).toBe(before.pid);
  });

  it('restart.processes: CT 102’s Python app (no systemd) gets a new PID after its pip dependency updates and serves the new version', async () => {
    const before = await pyHealth();
    expect(before).toMatchObject({ 'unrot-demo-lib': '1.0.0', greeting: 'hello sandbox from unrot-demo-lib 1.0.0' });
    const r = await unrot('run', '--ct', '102', '--json');
    timings['py restart run'] = r.ms;
    expect(r.code, r.stderr).toBe(0);
    const c = ct102(json(r));
    expect(c?.outcome).toBe('updated');
    expect(c?.runners.find((x) => x.id === 'pip')?.changed).toEqual([expect.objectContaining({ name: 'unrot-demo-lib', to: '1.1.0' })]);
    const proc = c?.restart?.processes?.[0];
    expect(proc).toMatchObject({ name: 'py-app', state: 'running', oldPids: [before.pid] });
    expect(proc?.newPids).toHaveLength(1);
    expect(proc?.newPids?.[0]).not.toBe(before.pid);
    timings['py restart (signal → new pid → settle 3 s)'] = proc?.durationMs ?? -1;
    // py-fresh passes only when the process serving /health imported the updated library: it was restarted first.
    expect(c?.health?.map((h) => [h.name, h.baseline?.outcome, h.after?.outcome, h.verdict])).toEqual([
      ['py', 'pass', expect.stringMatching(/^(pass|warn)$/), 'healthy'],
      ['py-fresh', 'pass', expect.stringMatching(/^(pass|warn)$/), 'healthy'],
    ]);
    // The process answering now is the one the restart saw come up, and it loaded 1.1.0.
    expect(await pyHealth()).toEqual({
      status: 'ok',
      app: 'py-app',
      'unrot-demo-lib': '1.1.0',
      greeting: 'hello sandbox from unrot-demo-lib 1.1.0',
      pid: proc?.newPids?.[0],
    });
  });

  it('a restart that fails (py-app exits when it starts after the update) fails the restart step and rolls back to the old version', async () => {
    await writePyConfig();
    expect(await pyVersion('unrot-sandbox-pyconf')).toBe('1.0 ii');
    const before = await pyHealth();
    const r = await unrot('run', '--ct', '102', '--json');
    timings['failed restart: run + rollback'] = r.ms;
    expect(r.code, r.stderr).toBe(1);
    const c = ct102(json(r));
    expect(c).toMatchObject({ outcome: 'rolled-back', error: { step: 'restart', code: 'E_RESTART_FAILED' } });
    expect(c?.runners.find((x) => x.id === 'apt')?.changed).toEqual([expect.objectContaining({ name: 'unrot-sandbox-pyconf', to: '1.1' })]);
    // py-app lives ~0.1 s before it exits: a look may or may not catch one of its PIDs.
    expect(c?.error?.message).toMatch(/^process py-app: (no new process matching .* within 15 s|new PID \d+ exited within settle_s 3 s)/);
    console.log(`failed restart: ${c?.error?.message}`);
    expect(c?.restart?.processes?.[0]).toMatchObject({ state: 'failed', oldPids: [before.pid] });
    expect(c?.rollback).toMatchObject({ running: true });
    expect(c?.rollback?.reason).toContain('E_RESTART_FAILED');
    // verify never ran: the health checks have a baseline and no verdict.
    expect(c?.health?.map((h) => [h.name, h.baseline?.outcome, h.after, h.verdict])).toEqual([
      ['py', 'pass', undefined, undefined],
      ['py-fresh', 'pass', undefined, undefined],
    ]);
    // Back at the old version and serving again (the launcher started py-app in the restored CT).
    expect(await pyVersion('unrot-sandbox-pyconf')).toBe('1.0 ii');
    expect((await inCt(102, 'cat', '/etc/py-app/mode')).trim()).toBe('ok');
    expect(await pyHealthWhenUp()).toMatchObject({ 'unrot-demo-lib': '1.1.0', greeting: 'hello sandbox from unrot-demo-lib 1.1.0' });
  });
});
