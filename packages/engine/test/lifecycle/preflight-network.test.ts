import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { EngineEvents, runUnrot } from '@unrot/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHost, fakeCt, fakeHost } from './fake-host-harness.js';

// The pre-flight network check through the real engine: a runner's sources are probed from
// "inside the container" (the fake host runs pct exec on this machine) before check runs.
let host: FakeHost;
let server: Server;
let openPort = 0;
let closedPort = 0;
beforeAll(async () => {
  host = await fakeHost();
  server = createServer((s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  openPort = (server.address() as { port: number }).port;
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => {
  host.restore();
  await new Promise((resolve) => server.close(resolve));
});

const GLOBAL = 'state_dir: STATE\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n';
const policy = (ports: number[]) =>
  `runners:\n  file-copy:\n    source: DIR/src1\n    target: DIR/dst1\n    sources:\n${ports.map((p) => `      - { host: 127.0.0.1, port: ${p} }\n`).join('')}`;

async function setup(ports: number[], global = GLOBAL): Promise<string> {
  const dir = await host.setup({ containers: [fakeCt(101)] }, global, { 101: policy(ports) });
  await writeFile(join(dir, 'src1'), 'v2\n');
  await writeFile(join(dir, 'dst1'), 'v1\n');
  return dir;
}

describe('pre-flight: package sources reachable from inside the container', () => {
  it('every source answers: the container is updated and the report lists each source', async () => {
    const dir = await setup([openPort]);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    const ct = run.report.containers[0];
    expect(ct?.outcome).toBe('updated');
    expect(ct?.preflight?.sources).toEqual([
      expect.objectContaining({ runner: 'file-copy', host: '127.0.0.1', port: openPort, origin: 'file-copy options', result: 'ok' }),
    ]);
  });

  it('a source that refuses: skipped unreachable before check, nothing changed, the plan says so too', async () => {
    const dir = await setup([openPort, closedPort]);
    const steps: string[] = [];
    const events = new EngineEvents();
    events.on('step:start', ({ step }) => steps.push(step));
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot], events });
    const ct = run.report.containers[0];
    expect(ct).toMatchObject({ outcome: 'skipped', skipReason: 'unreachable', changingCommands: 0 });
    expect(ct?.skipDetail).toContain(`file-copy: 127.0.0.1:${closedPort}`);
    expect(ct?.preflight?.sources?.map((s) => s.result)).toEqual(['ok', 'failed']);
    expect(steps).not.toContain('check');
    expect(await readFile(join(dir, 'dst1'), 'utf8')).toBe('v1\n');
    // Needs attention (docs/exit-codes.md): a fleet whose sources are down must not look green.
    expect(run.exitCode).toBe(6);
    expect(ct?.skipClass).toBe('attention');
    expect(run.report.summary.needsAttention).toBe(1);
    const plan = await runUnrot({ configDir: join(dir, 'config'), dryRun: true, pluginRoots: [host.pluginRoot] });
    expect(plan.report.containers[0]).toMatchObject({ outcome: 'skipped', skipReason: 'unreachable' });
  });

  it('preflight.network: false turns the check off', async () => {
    const dir = await setup([closedPort], `${GLOBAL}preflight:\n  max_load: 100000\n  network: false\n`);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    expect(run.report.containers[0]?.outcome).toBe('updated');
    expect(run.report.containers[0]?.preflight?.sources).toBeUndefined();
  });
});
