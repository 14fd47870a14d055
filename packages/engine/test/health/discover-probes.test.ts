import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { silentLogger } from '@unrot/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverProbes, loadProbeModule } from '../../src/health/discover-probes.js';
import { type HealthSchedule, HealthScheduleSchema } from '../../src/health/policy-schema.js';
import { prepareProbeOptions, probeOptionProblems } from '../../src/health/probe-options.js';
import { runSchedule } from '../../src/health/schedule.js';
import { container, fakeClock } from './helpers.js';

// Uses the bundled probe plugins' builds (npx tsc -p plugins/probe-<x>), as the engine loads them.
const repo = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const bundled = ['probe-http', 'probe-tcp', 'probe-cmd', 'runner-pip'].map((p) => join(repo, 'plugins', p));
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'unrot-discover-probes-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function plugin(name: string, unrot: unknown, files: Record<string, string> = {}): Promise<string> {
  const root = join(work, name.replace(/[@/]/g, '_'));
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'package.json'), JSON.stringify({ name, version: '1.0.0', unrot }));
  for (const [file, body] of Object.entries(files)) await writeFile(join(root, file), body);
  return root;
}

describe('discoverProbes', () => {
  it('finds the bundled probe plugins through unrot.probes and skips runner plugins', async () => {
    const catalog = await discoverProbes(bundled);
    expect([...catalog.keys()].sort()).toEqual(['cmd', 'http', 'tcp']);
    expect(catalog.get('http')).toMatchObject({ plugin: { name: '@unrot/probe-http', version: '0.1.0' } });
  });

  it('refuses another SDK version, a module without a probe, and two plugins with one probe id', async () => {
    const old = await plugin('old-probe', { sdk: 0, probes: ['./x.mjs'] });
    await expect(discoverProbes([old])).rejects.toMatchObject({ code: 'E_PLUGIN_INCOMPATIBLE' });
    const empty = await plugin('empty-probe', { sdk: 1, probes: ['./index.mjs'] }, { 'index.mjs': 'export const nothing = 1;\n' });
    await expect(discoverProbes([empty])).rejects.toMatchObject({ code: 'E_PLUGIN_LOAD' });
    const tcpModule = join(repo, 'plugins/probe-tcp/dist/index.js');
    const copy = await plugin(
      'copy-probe',
      { sdk: 1, probes: ['./copy.mjs'] },
      { 'copy.mjs': `export { default } from ${JSON.stringify(tcpModule)};\n` },
    );
    await expect(discoverProbes([join(repo, 'plugins/probe-tcp'), copy])).rejects.toMatchObject({
      code: 'E_PLUGIN_LOAD',
      message: expect.stringContaining("'tcp'"),
    });
  });
});

describe('probe options', () => {
  it('fills defaults and reports problems by path without echoing values', async () => {
    const http = await loadProbeModule(join(repo, 'plugins/probe-http/dist/index.js'));
    expect(prepareProbeOptions('http', http.optionsSchema, { port: 8080 })).toMatchObject({
      port: 8080,
      method: 'GET',
      expect_status: ['2xx'],
    });
    const problems = probeOptionProblems(http.optionsSchema, { port: 'eighty', headers: { 'bad name': 'Bearer s3cr3t' } });
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['/port', '/headers/bad name']));
    let message = '';
    try {
      prepareProbeOptions('http', http.optionsSchema, { headers: { 'bad name': 'Bearer s3cr3t' } });
    } catch (error) {
      expect(error).toMatchObject({ code: 'E_CONFIG' });
      message = (error as Error).message;
    }
    expect(message).toContain('options of probe http: /headers/bad name');
    expect(message).not.toContain('s3cr3t');
  });
});

describe('a schedule with the discovered tcp probe against a real listener', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('passes while the port is open and fails after 3 refusals once it is closed', async () => {
    const catalog = await discoverProbes(bundled);
    const probe = await loadProbeModule(catalog.get('tcp')!.modulePath);
    const options = prepareProbeOptions('tcp', probe.optionsSchema, { port });
    const context = (signal: AbortSignal) => ({
      exec: { read: () => Promise.reject(new Error('unused')) },
      log: silentLogger,
      signal,
      options,
      container,
      address: '127.0.0.1',
    });
    const schedule = Value.Default(HealthScheduleSchema, {}) as HealthSchedule;
    const up = await runSchedule({ probe, context, schedule, clock: fakeClock() });
    expect(up.outcome).toBe('pass');
    expect(up.attempts[0]?.detail).toBe(`connected to 127.0.0.1:${port} in ${up.attempts[0]?.durationMs} ms`);

    await new Promise<void>((resolve) => server.close(() => resolve()));
    const down = await runSchedule({ probe, context, schedule, clock: fakeClock() });
    expect(down.outcome).toBe('fail');
    expect(down.attempts).toHaveLength(3);
    expect(down.summary).toBe(`3 failed attempts in a row: 127.0.0.1:${port}: connection refused (ECONNREFUSED)`);
  });
});
