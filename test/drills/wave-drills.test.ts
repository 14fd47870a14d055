import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS_DRILL_PORTS, APPS_DRILL_ROOT } from './apps-drill-env.js';
import { appsDrillSandbox, type Proc, sandboxBin } from './sandbox-harness.js';

// Staged rollout drills (issue 17) on the real-LXC sandbox, two waves: the canary CT 101
// (privileged, systemd, web-app on the drill's web port) and the rest, CT 102 (unprivileged,
// Python app). The `apps` sandbox shared with the sandbox, health, policy and hook drills
// (apps-drill-env.ts): up once per run, reset to the state `up` left before this file.
//   1. A broken update in the canary (unrot-sandbox-webconf 1.1 from the sandbox's apt repository
//      turns web-app's /health into 500): rolled back, wave 2 halted without one `pct` call into
//      CT 102 (a logging `pct` in front of the sandbox's, on PATH), exit 1, a webhook says why.
//   2. A good update: the canary runs and soaks (1 minute, the shortest soak); a run during the soak
//      does nothing; the first run after it re-probes the canary and runs wave 2 with apt held to
//      the canary's versions (`unrot-sandbox-demo=1.1` in its argv: SDK 1.2 exactVersions).

const ROOT = APPS_DRILL_ROOT;
const CONFIG = join(ROOT, 'wave-config');
const STATE = join(ROOT, 'wave-state');
const BIN = join(ROOT, 'wave-bin');
const PCT_LOG = join(ROOT, 'wave-pct-calls.log');
const WEB_PORT = APPS_DRILL_PORTS.web;
const { pct, unrot, inCt, upOrReset } = appsDrillSandbox({
  config: CONFIG,
  // Read by the logging pct in BIN (passed to host tools like every UNROT_SANDBOX_* variable).
  vars: { UNROT_SANDBOX_PCT_LOG: PCT_LOG },
  pathFirst: [BIN],
});

interface Change {
  name: string;
  from: string | null;
  to: string;
}
interface Report {
  exitCode: number;
  rollout?: {
    status: string;
    detail: string;
    soakingUntil?: string;
    waves: Array<{ name: string; vmids: number[]; status: string; detail?: string }>;
    pins: Record<string, Record<string, string[]>>;
  };
  containers: Array<{
    vmid: number;
    outcome: string;
    skipReason?: string;
    skipDetail?: string;
    error?: { step: string; code: string; message: string };
    rollback?: { reason: string; running: boolean };
    runners: Array<{
      id: string;
      updates: Change[];
      withheld: Array<{ name: string; reason: string }>;
      changed: Change[];
      plan: Array<{ argv: string[] }>;
    }>;
  }>;
  notifications?: Array<{ sink: string; status: string }>;
}

const timings: Record<string, number> = {};
const reportOf = (p: Proc, code: number): Report => {
  if (p.code !== code) throw new Error(`unrot exited ${p.code} (expected ${code})\n${p.stderr.slice(-4000)}\n${p.stdout.slice(0, 4000)}`);
  return JSON.parse(p.stdout) as Report;
};
const ct = (r: Report, vmid: number) => r.containers.find((c) => c.vmid === vmid);
const runnerOf = (r: Report, vmid: number, id: string) => ct(r, vmid)?.runners.find((x) => x.id === id);

/** Every pct call unrot made since the log was removed, as argv arrays (the logging pct ends each argument with NUL, each call with RS). */
async function pctCalls(): Promise<string[][]> {
  const text = await readFile(PCT_LOG, 'utf8').catch(() => '');
  return text
    .split('\x1e')
    .filter((call) => call !== '')
    .map((call) => call.split('\0').slice(0, -1));
}
const callsInto = (calls: string[][], vmid: number) => calls.filter((argv) => argv[1] === String(vmid));

/** What must not change in a container a halted or soaking rollout holds back. */
async function untouched(vmid: number): Promise<Record<string, string>> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
  const demo = await inCt(vmid, 'dpkg-query', '-W', '-f=${Version}', 'unrot-sandbox-demo');
  const files = await inCt(vmid, 'md5sum', '/var/lib/dpkg/status', '/opt/py-app/venv/pyvenv.cfg');
  const lib = await inCt(vmid, '/opt/py-app/venv/bin/python', '-m', 'pip', 'list', '--format=freeze', '--disable-pip-version-check');
  return { demo, files, lib, snapshots: (await pct('listsnapshot', String(vmid))).stdout };
}

async function webHealth(): Promise<number> {
  for (let i = 0; ; i++) {
    const status = await fetch(`http://127.0.0.1:${WEB_PORT}/health`, { signal: AbortSignal.timeout(5000) })
      .then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      })
      .catch(() => 0);
    if (status === 200 || i >= 100) return status;
    await new Promise((res) => setTimeout(res, 200));
  }
}

// The webhook receiver: every POST body, as the generic format sends it.
const received: Array<{ severity: string; title: string; text: string }> = [];
let receiver: Server;

const WAVES = (soak: string) =>
  `rollout:\n  waves:\n    - name: canary\n      ids: [101]\n${soak ? `      soak: ${soak}\n` : ''}    - name: rest\n      rest: true\n`;

async function writeConfig(opts: { soak?: string; excludeWebconf?: boolean }): Promise<void> {
  const sandboxGlobal = await readFile(join(ROOT, 'unrot-config/global.yml'), 'utf8');
  const node = /^node: (\S+)/m.exec(sandboxGlobal)?.[1] ?? 'vm';
  const port = (receiver.address() as AddressInfo).port;
  await mkdir(join(CONFIG, 'containers'), { recursive: true });
  await writeFile(join(ROOT, 'wave-secrets.env'), `WAVE_WEBHOOK_URL=http://127.0.0.1:${port}/unrot\n`, { mode: 0o600 });
  await chmod(join(ROOT, 'wave-secrets.env'), 0o600);
  await writeFile(
    join(CONFIG, 'global.yml'),
    [
      `node: ${node}`,
      `state_dir: ${STATE}`,
      'max_concurrency: 2',
      'defaults:',
      '  runners:',
      '    os: apt',
      '  backup:',
      '    mode: snapshot',
      '    keep: 3',
      'targets:',
      '  allow: [101, 102]',
      '# The test machine is shared with other drills: its load is not under test here.',
      'preflight:',
      '  max_load: 1000',
      `secrets_files: [${join(ROOT, 'wave-secrets.env')}]`,
      'notifications:',
      '  - notifier: webhook',
      '    name: wave-hook',
      '    min_severity: failure',
      '    options:',
      '      format: generic',
      '      url: { secret: WAVE_WEBHOOK_URL }',
      '      retries: 0',
      WAVES(opts.soak ?? ''),
    ].join('\n'),
  );
  const schedule = '{ warmup_ms: 300, attempts: 4, failure_threshold: 2, backoff: { initial_ms: 300, factor: 2, max_ms: 1000 } }';
  await writeFile(
    join(CONFIG, 'containers/101.yml'),
    [
      'runners:',
      '  os: apt',
      '  npm:',
      '    projects: [/opt/web-app]',
      ...(opts.excludeWebconf ? ['exclusions:', '  packages: [unrot-sandbox-webconf]'] : []),
      'restart:',
      '  units: [web-app.service]',
      '  wait_active_s: 30',
      'health_checks:',
      '  - probe: http',
      '    name: web',
      `    options: { port: ${WEB_PORT}, path: /health, timeout_ms: 2000 }`,
      `    schedule: ${schedule}`,
      '',
    ].join('\n'),
  );
  await writeFile(join(CONFIG, 'containers/102.yml'), 'runners:\n  os: apt\n  pip:\n    venvs: [/opt/py-app/venv]\n');
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => {
      if (req.method === 'POST') received.push(JSON.parse(body) as (typeof received)[number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));

  const ready = await upOrReset();
  timings[`sandbox ${ready.how}`] = ready.ms;
  await rm(STATE, { recursive: true, force: true });
  await rm(CONFIG, { recursive: true, force: true });
  // A pct that logs its argv (NUL-separated, one call a line), then runs the sandbox's own.
  await mkdir(BIN, { recursive: true });
  await writeFile(
    join(BIN, 'pct'),
    `#!/bin/sh\n{ for a in "$@"; do printf '%s\\000' "$a"; done; printf '\\036'; } >> "$UNROT_SANDBOX_PCT_LOG"\nexec ${join(sandboxBin, 'pct')} "$@"\n`,
    { mode: 0o755 },
  );
  // The broken update waits in the sandbox's repository: webconf 1.0 installed, 1.1 offered.
  await inCt(101, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', '-y', '-q', 'install', 'unrot-sandbox-webconf=1.0');
});

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  console.log(`wave drill timings (ms): ${JSON.stringify(timings)}`);
});

describe('staged rollout drills (CT 101 canary, CT 102 wave 2)', () => {
  it('a broken update in the canary is rolled back and halts wave 2: no pct call into CT 102, exit 1, the webhook says why', async () => {
    await writeConfig({});
    const before102 = await untouched(102);
    await rm(PCT_LOG, { force: true });
    received.length = 0;
    const r = await unrot('run', '--json');
    timings['halt drill: run'] = r.ms;
    const report = reportOf(r, 1);

    expect(ct(report, 101)).toMatchObject({
      outcome: 'rolled-back',
      error: { step: 'verify', code: 'E_HEALTH_FAILED' },
      rollback: { running: true },
    });
    expect(runnerOf(report, 101, 'apt')?.changed).toContainEqual({ name: 'unrot-sandbox-webconf', from: '1.0', to: '1.1' });
    const why = "rollout halted: wave 'canary': 1 container was rolled back (halt_on_rollback)";
    expect(ct(report, 102)).toMatchObject({ outcome: 'skipped', skipReason: 'rollout-halted', skipDetail: why });
    expect(report.rollout).toMatchObject({
      status: 'halted',
      waves: [
        { name: 'canary', vmids: [101], status: 'halted' },
        { name: 'rest', vmids: [102], status: 'skipped', detail: why },
      ],
    });

    // Nothing in wave 2 was touched: the one pct call naming CT 102 is the run-start inventory every
    // run makes of every target (`pct config`, read on the host, for its tags): no exec, no snapshot.
    // CT 101 meanwhile got its update, snapshot and rollback.
    const calls = await pctCalls();
    expect(callsInto(calls, 102)).toEqual([['config', '102']]);
    expect(callsInto(calls, 101).map((a) => a[0])).toEqual(expect.arrayContaining(['exec', 'snapshot', 'rollback']));
    expect(await untouched(102)).toEqual(before102);

    // The canary is back at the old version and healthy.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    expect(await inCt(101, 'dpkg-query', '-W', '-f=${Version}', 'unrot-sandbox-webconf')).toBe('1.0');
    expect(await webHealth()).toBe(200);

    // One message, loud, with the reason.
    expect(report.notifications).toEqual([expect.objectContaining({ sink: 'wave-hook', status: 'sent' })]);
    expect(received).toHaveLength(1);
    expect(received[0]?.severity).toBe('failure');
    expect(received[0]?.text).toContain(`Staged rollout halted: wave 'canary': 1 container was rolled back (halt_on_rollback)`);
  });

  it('a good update: the canary soaks, a run during the soak does nothing, after it wave 2 installs the canary’s version', async () => {
    await writeConfig({ soak: '1m', excludeWebconf: true });
    const before102 = await untouched(102);
    await rm(PCT_LOG, { force: true });
    const first = await unrot('run', '--json');
    timings['soak drill: wave 1'] = first.ms;
    const wave1 = reportOf(first, 0);
    expect(ct(wave1, 101)?.outcome).toBe('updated');
    expect(runnerOf(wave1, 101, 'apt')?.changed).toEqual([{ name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' }]);
    expect(runnerOf(wave1, 101, 'npm')?.changed).toContainEqual(expect.objectContaining({ name: 'ms', from: '2.0.0', to: '2.1.3' }));
    // The canary is held to nothing: apt names the package (the excluded webconf kept out), no version.
    expect(runnerOf(wave1, 101, 'apt')?.plan[0]?.argv.slice(-2)).toEqual(['--only-upgrade', 'unrot-sandbox-demo']);
    expect(ct(wave1, 102)).toMatchObject({ outcome: 'skipped', skipReason: 'rollout-soaking' });
    expect(wave1.rollout?.status).toBe('soaking');
    expect(wave1.rollout?.pins['apt']).toEqual({ 'unrot-sandbox-demo': ['1.1'] });
    expect(callsInto(await pctCalls(), 102)).toEqual([['config', '102']]);
    expect(await untouched(102)).toEqual(before102);
    const until = Date.parse(wave1.rollout?.soakingUntil ?? '');
    const stateFile = join(STATE, 'rollout-state.json');
    const stateBytes = await readFile(stateFile, 'utf8');

    // During the soak: nothing runs, nothing is written.
    await rm(PCT_LOG, { force: true });
    const during = await unrot('run', '--json');
    timings['soak drill: run during the soak'] = during.ms;
    expect(Date.now()).toBeLessThan(until);
    const held = reportOf(during, 0);
    expect(ct(held, 101)).toMatchObject({ outcome: 'skipped', skipReason: 'rollout-wave-done' });
    expect(ct(held, 102)).toMatchObject({ outcome: 'skipped', skipReason: 'rollout-soaking' });
    expect(ct(held, 102)?.skipDetail).toContain("wave 'canary' soaks until");
    const duringCalls = await pctCalls();
    // Only the inventory: the soaking rollout answers before any container is looked at again.
    expect([...callsInto(duringCalls, 101), ...callsInto(duringCalls, 102)]).toEqual([
      ['config', '101'],
      ['config', '102'],
    ]);
    expect(await readFile(stateFile, 'utf8')).toBe(stateBytes);
    expect(await untouched(102)).toEqual(before102);

    // After the soak: the canary's health check passes again, wave 2 runs, apt held to demo 1.1 exactly.
    await new Promise((res) => setTimeout(res, Math.max(0, until - Date.now() + 1000)));
    await rm(PCT_LOG, { force: true });
    const after = await unrot('run', '--json');
    timings['soak drill: wave 2 after the soak'] = after.ms;
    const wave2 = reportOf(after, 0);
    expect(wave2.rollout?.waves.map((w) => w.status)).toEqual(['done-earlier', 'done']);
    expect(wave2.rollout?.status).toBe('completed');
    expect(ct(wave2, 102)?.outcome).toBe('updated');
    expect(runnerOf(wave2, 102, 'apt')?.plan[0]?.argv.slice(-3)).toEqual(['install', '--only-upgrade', 'unrot-sandbox-demo=1.1']);
    expect(runnerOf(wave2, 102, 'apt')?.changed).toEqual([{ name: 'unrot-sandbox-demo', from: '1.0', to: '1.1' }]);
    expect(runnerOf(wave2, 102, 'pip')?.changed).toContainEqual(
      expect.objectContaining({ name: 'unrot-demo-lib', from: '1.0.0', to: '1.1.0' }),
    );
    // The soak's end re-probed the canary (read-only: no snapshot of CT 101 in this run).
    expect(callsInto(await pctCalls(), 101).filter((a) => a[0] === 'snapshot' || a[0] === 'rollback')).toEqual([]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    expect(await inCt(102, 'dpkg-query', '-W', '-f=${Version}', 'unrot-sandbox-demo')).toBe('1.1');
  });
});
