import { spawn } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { ChangeReportSchema, checkExpositionFormat, RunReportSchema, runUnrot, secretForms } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The secrets canary of issue 7, end to end: a real run (config loading, piscina workers, the pct
// host adapter over a stand-in whose exec runs locally, the bundled webhook notifier, local HTTP
// sinks on 127.0.0.1) with planted secret values in a secrets file, a runner option and command
// output. None of them may appear, in any encoding, in anything unrot writes or prints.
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../../../..');
const fakePct = join(here, '../fixtures/fake-host/pct');
const runnersDir = join(here, '../fixtures/runners');
const cliBin = join(repo, 'packages/cli/bin/run.js');
const webhookPlugin = join(repo, 'plugins/notifier-webhook');

const FAIL_TOKEN = 'TOKENfailQ7x9Lm2';
const RECV_TOKEN = 'TOKENrecvP3k8Zt5';
const SIGNING_KEY = 'sign-key-Canary-77';
const RUNNER_SECRET = 'Canary s3cret/with+signs=&"q"';
const OPT_SECRET = 'optCanary-9d8c7b';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

function sink(status: number | 'hang'): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (status === 'hang') return; // never answers
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 500 ? '{"error":"internal"}' : '{"ok":true}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, received }));
  });
}

let work: string;
let bin: string;
let pluginRoot: string;
let failing: Awaited<ReturnType<typeof sink>>;
let receiver: Awaited<ReturnType<typeof sink>>;
let hanging: Awaited<ReturnType<typeof sink>>;
let secrets: string[];
const savedPath = process.env['PATH'];

function forms(): string[] {
  return [...secrets.flatMap(secretForms), FAIL_TOKEN, RECV_TOKEN];
}

function assertClean(where: string, text: string): void {
  for (const form of forms()) expect(text.includes(form), `${where} leaks ${JSON.stringify(form)}`).toBe(false);
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'unrot-canary-'));
  bin = join(work, 'bin');
  await mkdir(bin);
  await symlink(fakePct, join(bin, 'pct'));
  await symlink(fakePct, join(bin, 'pvesh'));
  process.env['PATH'] = `${bin}:${savedPath}`;
  pluginRoot = join(work, 'plugin');
  await mkdir(pluginRoot);
  await writeFile(
    join(pluginRoot, 'package.json'),
    JSON.stringify({
      name: '@unrot-test/canary-runners',
      version: '1.0.0',
      type: 'module',
      keywords: ['oclif-plugin'],
      oclif: { commands: './no-commands' },
      unrot: { sdk: 1, runners: [join(runnersDir, 'file-copy-runner.mjs'), join(runnersDir, 'secret-echo-runner.mjs')] },
    }),
  );
  [failing, receiver, hanging] = await Promise.all([sink(500), sink(200), sink('hang')]);
  secrets = [
    `http://127.0.0.1:${failing.port}/hooks/${FAIL_TOKEN}`,
    `http://127.0.0.1:${receiver.port}/recv/${RECV_TOKEN}`,
    SIGNING_KEY,
    RUNNER_SECRET,
    OPT_SECRET,
    `http://127.0.0.1:${hanging.port}/stuck`,
  ];
});

afterAll(async () => {
  process.env['PATH'] = savedPath;
  for (const s of [failing, receiver, hanging]) {
    s?.server.closeAllConnections();
    s?.server.close();
  }
  await rm(work, { recursive: true, force: true });
});

/** A config dir with a 0600 secrets file, two webhook sinks and two containers that leak. */
async function setup(name: string, sinks: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, 'config/containers'), { recursive: true });
  await writeFile(
    join(bin, 'fleet.json'),
    JSON.stringify({
      containers: [
        { vmid: 101, name: 'web', status: 'running', tags: 'web' },
        { vmid: 102, name: 'db', status: 'running', tags: 'db' },
      ],
    }),
  );
  const secretsFile = join(dir, 'secrets.env');
  await writeFile(
    secretsFile,
    [
      `FAIL_HOOK_URL=${secrets[0]}`,
      `RECEIVER_URL=${secrets[1]}`,
      `SIGNING_KEY=${SIGNING_KEY}`,
      `RUNNER_SECRET='${RUNNER_SECRET}'`,
      `OPT_SECRET=${OPT_SECRET}`,
      `HANG_URL=${secrets[5]}`,
      '',
    ].join('\n'),
  );
  await chmod(secretsFile, 0o600);
  await writeFile(join(dir, 'src1'), `v2-${RUNNER_SECRET}\n`);
  await writeFile(join(dir, 'dst1'), 'v1\n');
  await writeFile(join(dir, 'leak'), `${RUNNER_SECRET}\n`);
  await writeFile(
    join(dir, 'config/global.yml'),
    [
      'max_concurrency: 2',
      `state_dir: ${join(dir, 'state')}`,
      `prometheus_textfile: ${join(dir, 'textfile/unrot.prom')}`,
      `secrets_files: [${secretsFile}]`,
      'defaults:',
      '  backup: { mode: none }',
      '  runners: { os: none }',
      '  timeouts: { check: 5 }',
      '  retries: 0',
      // The machine's own load is not what this test is about (as in fake-host-harness.ts).
      'preflight: { max_load: 100000 }',
      sinks,
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'config/containers/101.yml'),
    `runners:\n  file-copy: { source: ${dir}/src1, target: ${dir}/dst1 }\n  secret-echo: { echo: ${OPT_SECRET}, file: ${dir}/leak }\n`,
  );
  await writeFile(
    join(dir, 'config/containers/102.yml'),
    `runners:\n  secret-echo: { echo: ${OPT_SECRET}, file: ${dir}/leak, fail: true }\n`,
  );
  return dir;
}

const SINKS = `notifications:
  - notifier: webhook
    name: failing
    min_severity: success
    options: { format: generic, url: { secret: FAIL_HOOK_URL }, retries: 1, backoff_ms: 20, timeout_ms: 2000 }
  - notifier: webhook
    name: receiver
    min_severity: success
    options: { format: generic, url: { secret: RECEIVER_URL }, secret: { secret: SIGNING_KEY }, retries: 0, timeout_ms: 2000 }
`;

describe('a run with planted secrets and notifications', () => {
  it('leaves no trace of any secret in logs, reports, audit files, metrics or notifications; failing sinks do not change the outcome', async () => {
    const dir = await setup('engine', SINKS);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot, webhookPlugin] });

    // The outcome is the containers' alone: 101 updated, 102 failed at check → exit 1.
    expect(run.report.containers.map((c) => [c.vmid, c.outcome])).toEqual([
      [101, 'updated'],
      [102, 'failed'],
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.report.containers[1]?.error).toMatchObject({ step: 'check', code: 'E_EXEC_FAILED' });
    expect(run.report.containers[1]?.error?.message).toContain('***');
    expect(run.report.containers[0]?.runners[0]?.changed).toEqual([{ name: 'demo', from: 'v1', to: 'v2-***' }]);

    // Each sink's delivery is recorded; the failing one neither failed nor blocked the run.
    expect(run.report.notifications?.map((n) => [n.sink, n.status])).toEqual([
      ['failing', 'failed'],
      ['receiver', 'sent'],
    ]);
    expect(failing.received.length).toBe(2); // one retry
    expect(receiver.received.length).toBe(1);
    const payload = JSON.parse(receiver.received[0]?.body ?? '{}');
    expect(payload).toMatchObject({ schema: 'unrot.notification/v1', severity: 'degraded', runId: run.report.runId });
    expect(payload.text).toContain('CT 102 db');

    // The report validates against RunReportSchema and matches what is on disk.
    expect([...Value.Errors(RunReportSchema, run.report)]).toEqual([]);
    const onDisk = JSON.parse(await readFile(run.reportPath, 'utf8'));
    expect(Value.Check(RunReportSchema, onDisk)).toBe(true);
    expect(onDisk.notifications).toEqual(run.report.notifications);

    // Audit artifacts: changes.json, the latest pointer, the Prometheus textfile.
    const stateDir = join(dir, 'state');
    expect(await readlink(join(stateDir, 'runs/latest'))).toBe(run.report.runId);
    expect((await lstat(join(stateDir, 'runs/latest'))).isSymbolicLink()).toBe(true);
    const changes = JSON.parse(await readFile(join(run.report.logDir, 'changes.json'), 'utf8'));
    expect(Value.Check(ChangeReportSchema, changes)).toBe(true);
    expect(changes.who.trigger).toBe(process.env['UNROT_TRIGGER'] || 'manual');
    expect(changes.containers).toEqual([
      { vmid: 101, name: 'web', outcome: 'updated', changes: [{ runner: 'file-copy', name: 'demo', from: 'v1', to: 'v2-***' }] },
    ]);
    const prom = await readFile(join(dir, 'textfile/unrot.prom'), 'utf8');
    expect(checkExpositionFormat(prom)).toEqual([]);
    expect(prom).toContain('unrot_last_run_exit_code 1\n');
    expect(prom).toContain('unrot_containers{outcome="failed"} 1\n');
    expect(prom).toContain('unrot_container_outcome{vmid="101",name="web",outcome="updated"} 1\n');
    expect(prom).toContain('unrot_packages_changed_total 1\n');

    // The secrets did go through: the runner logged them, the sinks got their URLs.
    const ct102 = await readFile(join(run.report.logDir, 'ct-102.jsonl'), 'utf8');
    expect(ct102).toContain('upstream says ***');
    expect(failing.received[0]?.url).toBe(`/hooks/${FAIL_TOKEN}`);

    // ... and nothing unrot wrote holds one: every file of the state dir, the textfile, every payload.
    const written = [...(await allFiles(stateDir)), join(dir, 'textfile/unrot.prom')];
    expect(written.some((f) => f.endsWith('host.jsonl'))).toBe(true);
    expect(written.some((f) => f.endsWith('ct-101.jsonl'))).toBe(true);
    expect(written.some((f) => f.endsWith('notify-state.json'))).toBe(true);
    for (const file of written) assertClean(file, await readFile(file, 'utf8'));
    for (const r of [...receiver.received, ...failing.received]) assertClean(`payload to ${r.url.slice(0, 6)}`, r.body);
    assertClean('the returned report', JSON.stringify(run.report));
  });

  it('does not wait past the notification deadline for a sink that never answers', async () => {
    const dir = await setup(
      'hanging',
      `notifications:\n  - notifier: webhook\n    name: stuck\n    min_severity: success\n    options: { format: generic, url: { secret: HANG_URL }, retries: 0, timeout_ms: 60000 }\n`,
    );
    const started = Date.now();
    const run = await runUnrot({
      configDir: join(dir, 'config'),
      dryRun: false,
      pluginRoots: [pluginRoot, webhookPlugin],
      notifyDeadlineMs: 1_000,
    });
    expect(run.exitCode).toBe(1);
    expect(run.report.notifications).toMatchObject([{ sink: 'stuck', status: 'timeout', error: { code: 'E_NOTIFY_TIMEOUT' } }]);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('reports, measures and notifies a run that ends in an error, and scrubs the error that reaches the terminal', async () => {
    const dir = await setup('host-error', SINKS);
    const host = {
      listContainers: async () => {
        throw Object.assign(new Error(`pvesh said: ${RUNNER_SECRET}`), { code: 'E_EXEC_SPAWN' });
      },
    } as unknown as Parameters<typeof runUnrot>[0]['host'];
    const before = receiver.received.length;
    const error = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [pluginRoot, webhookPlugin], host }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe('pvesh said: ***');
    expect((error as { hostError?: boolean }).hostError).toBe(true);

    const stateDir = join(dir, 'state');
    const runId = await readlink(join(stateDir, 'runs/latest'));
    const report = JSON.parse(await readFile(join(stateDir, 'runs', runId, 'report.json'), 'utf8'));
    expect(Value.Check(RunReportSchema, report)).toBe(true);
    expect(report).toMatchObject({ exitCode: 3, containers: [], error: { code: 'E_EXEC_SPAWN', message: 'pvesh said: ***' } });
    expect(report.notifications.map((n: { sink: string; status: string }) => [n.sink, n.status])).toEqual([
      ['failing', 'failed'],
      ['receiver', 'sent'],
    ]);
    const payload = JSON.parse(receiver.received[before]?.body ?? '{}');
    expect(payload.severity).toBe('failure');
    expect(payload.text).toContain('The run ended in an error: E_EXEC_SPAWN: pvesh said: ***');
    const prom = await readFile(join(dir, 'textfile/unrot.prom'), 'utf8');
    expect(checkExpositionFormat(prom)).toEqual([]);
    expect(prom).toContain('unrot_last_run_exit_code 3\n');
    for (const file of await allFiles(stateDir)) assertClean(file, await readFile(file, 'utf8'));
    assertClean('payload', receiver.received[before]?.body ?? '');
  });

  it('keeps secrets off the terminal of the built CLI (run, report), with the same exit code', async () => {
    const dir = await setup('cli', SINKS);
    const xdg = join(work, 'xdg');
    const env = { ...process.env, PATH: `${bin}:${savedPath}`, XDG_DATA_HOME: xdg, UNROT_TRIGGER: 'timer' };
    // Asynchronous: the local sinks live in this process and must answer while the CLI runs.
    const unrot = (...args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [cliBin, ...args], { env, timeout: 120_000 });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString('utf8');
        });
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString('utf8');
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    // The fixture runners are a linked user plugin, as `unrot plugins link` installs one.
    expect((await unrot('plugins', 'link', pluginRoot, '--no-install')).code).toBe(0);
    const config = join(dir, 'config');
    const before = receiver.received.length;

    // UNROT_TRIGGER=timer puts the run under the default maintenance window: --force lifts it.
    const human = await unrot('run', '--config', config, '--force');
    expect(human.stdout).toContain('CT 102 db');
    expect(human.stdout).toContain('FAILED at check');
    expect(human.stdout).toMatch(/notification failing \(webhook\): failed/);
    expect(human.code).toBe(1);
    assertClean('unrot run stdout', human.stdout);
    assertClean('unrot run stderr', human.stderr);
    expect(receiver.received.length).toBe(before + 1);
    assertClean('CLI payload', receiver.received.at(-1)?.body ?? '');

    const json = await unrot('run', '--config', config, '--json', '--force');
    expect(json.code).toBe(1);
    assertClean('unrot run --json', json.stdout + json.stderr);
    const report = JSON.parse(json.stdout);
    expect(Value.Check(RunReportSchema, report)).toBe(true);

    // `unrot report`: latest by default, by id, --json; an unknown id is a usage error.
    const latest = await unrot('report', '--config', config);
    expect(latest.code).toBe(0);
    expect(latest.stdout).toContain(`unrot run ${report.runId}`);
    assertClean('unrot report', latest.stdout + latest.stderr);
    const byId = await unrot('report', report.runId, '--config', config, '--json');
    expect(byId.code).toBe(0);
    expect(JSON.parse(byId.stdout)).toEqual(report);
    const missing = await unrot('report', '20200101T000000Z-abcdef', '--config', config);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('E_USAGE: no report for run 20200101T000000Z-abcdef');
    const bad = await unrot('report', '../../etc', '--config', config, '--json');
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.code).toBe('E_USAGE');

    const changes = JSON.parse(await readFile(join(report.logDir, 'changes.json'), 'utf8'));
    expect(changes.who.trigger).toBe('timer');
    for (const file of await allFiles(join(dir, 'state'))) assertClean(file, await readFile(file, 'utf8'));
  });
});
