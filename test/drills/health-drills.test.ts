import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRILL_ROOT, health, inCt, type Proc, pct, sandbox, unrotWith } from './sandbox-harness.js';

// Health-gating drills on the real-LXC sandbox (CT 101: systemd, web-app.service on the drill
// port 3201). The policy restarts web-app.service after an update and probes /health with the
// bundled http probe, before the update (baseline) and after it (gate):
//   - web:       /health answers 2xx;
//   - web-fresh: the body says the `ms` the process loaded equals the one installed, which is only
//                true after a restart: it fails if the probes run before web-app was restarted.

const CONFIG = join(DRILL_ROOT, 'health-config');
const STATE = join(DRILL_ROOT, 'health-state');
const WEB_PORT = 3201;
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
    restart?: { when: string; planned: boolean; skipped?: string; units: Array<{ unit: string; hostArgv: string[]; state?: string }> };
    health?: Array<{ name: string; probe: string; baseline?: Phase; after?: Phase; verdict?: string; rollback?: boolean; reason?: string }>;
    runners: Array<{ id: string; changed: Array<{ name: string; to: string }> }>;
  }>;
}

const json = (p: Proc): Report => {
  try {
    return JSON.parse(p.stdout) as Report;
  } catch {
    throw new Error(`unrot exited ${p.code} without a JSON report:\n${p.stderr}\n${p.stdout.slice(0, 3000)}`);
  }
};
const ct101 = (r: Report) => r.containers.find((c) => c.vmid === 101);
const unrot = (...args: string[]) => unrotWith(CONFIG, ...args);
const apt = (...args: string[]) => inCt(101, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q', ...args);
const version = async (pkg: string) =>
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  (await pct('exec', '101', '--', 'dpkg-query', '-W', '-f=${Version} ${db:Status-Abbrev}', pkg)).stdout.trim();
const appHealth = async (): Promise<{ status: number; body: { ms?: string; msLoaded?: string; status?: string } }> => {
  const res = await fetch(`http://127.0.0.1:${WEB_PORT}/health`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as { ms?: string; msLoaded?: string } };
};

async function writeConfig(exclude: string[] = []): Promise<void> {
  await mkdir(join(CONFIG, 'containers'), { recursive: true });
  await writeFile(
    join(CONFIG, 'global.yml'),
    `state_dir: ${STATE}\ndefaults:\n  runners:\n    os: apt\n  backup:\n    mode: snapshot\n    keep: 2\ntargets:\n  allow: [101]\n`,
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
      '  units: [web-app.service]',
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
  await sandbox('down');
  const up = await sandbox('up');
  if (up.code !== 0) throw new Error(`unrot-sandbox up failed (${up.code}):\n${up.stderr}`);
  timings['sandbox up'] = up.ms;
  await rm(STATE, { recursive: true, force: true });
  await writeConfig();
  await apt('install', 'unrot-sandbox-webconf=1.0');
});

afterAll(async () => {
  await sandbox('down');
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
});
