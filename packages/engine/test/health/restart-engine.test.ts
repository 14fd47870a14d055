import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runUnrot } from '@unrot/engine';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyPolicy, type FakeHost, fakeCt, fakeHost } from '../lifecycle/fake-host-harness.js';

// restart.processes through the real engine (config, worker, PctHost) against the pct stand-in,
// whose `exec` runs on this machine: real processes are found with pgrep, signalled with kill and
// started again with start-stop-daemon, the way docs/health-checks.md recommends.
let host: FakeHost;
beforeAll(async () => {
  host = await fakeHost();
});
afterAll(() => host.restore());

const GLOBAL =
  'state_dir: STATE\ncommand_allowlist: [/usr/sbin/start-stop-daemon]\ndefaults:\n  backup:\n    mode: none\n  runners:\n    os: none\n';
// A command line nothing else on this machine has: sleep's argument carries a random fraction.
const marker = `3599.${String(Math.random()).slice(2, 10)}`;
const pattern = `^(/usr/bin/)?sleep ${marker.replace('.', '\\.')}$`;
const children: ChildProcess[] = [];
const pidfiles: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const f of pidfiles.splice(0)) {
    const pid = Number((await readFile(f, 'utf8').catch(() => '')).trim());
    if (pid > 1) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

function startApp(): number {
  const child = spawn('sleep', [marker], { stdio: 'ignore' });
  children.push(child);
  if (child.pid === undefined) throw new Error('sleep did not start');
  return child.pid;
}

const restartPolicy = (dir: string, withStart: boolean) =>
  [
    'restart:',
    '  processes:',
    '    - name: app',
    `      match: { cmdline: '${pattern}' }`,
    ...(withStart
      ? [
          `      start: [/usr/sbin/start-stop-daemon, --start, --background, --make-pidfile, --pidfile, ${dir}/app.pid, --startas, /usr/bin/sleep, --, '${marker}']`,
        ]
      : []),
    '      wait_s: 3',
    '      settle_s: 1',
    '',
  ].join('\n');

async function setup(withStart: boolean): Promise<string> {
  const dir = await host.setup({ containers: [fakeCt(101)] }, GLOBAL, { 101: '' });
  await writeFile(join(dir, 'src1'), 'v2\n');
  await writeFile(join(dir, 'dst1'), 'v1\n');
  await writeFile(join(dir, 'config/containers/101.yml'), `${copyPolicy(1).replaceAll('DIR', dir)}${restartPolicy(dir, withStart)}`);
  pidfiles.push(join(dir, 'app.pid'));
  return dir;
}

describe('restart.processes through the engine', () => {
  it('a plan lists find, stop and start with their host argv and counts kill and start as changing commands', async () => {
    const dir = await setup(true);
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: true, pluginRoots: [host.pluginRoot] });
    const ct = run.report.containers[0];
    expect(ct?.outcome).toBe('planned');
    expect(ct?.restart?.processes?.[0]).toMatchObject({
      name: 'app',
      find: { argv: ['pgrep', '-f', '--', pattern], hostArgv: ['pct', 'exec', '101', '--', 'pgrep', '-f', '--', pattern] },
      stop: { hostArgv: ['pct', 'exec', '101', '--', 'kill', '-s', 'TERM', '<pids>'] },
      start: { argv: expect.arrayContaining(['/usr/sbin/start-stop-daemon', '--background', marker]) },
    });
    // cp (the runner), kill and start.
    expect(ct?.changingCommands).toBe(3);
  });

  it('after the update the process is stopped and started again detached: new PID, report filled in', async () => {
    const dir = await setup(true);
    const old = startApp();
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    const ct = run.report.containers[0];
    expect(ct?.error).toBeUndefined();
    expect(ct?.outcome).toBe('updated');
    const proc = ct?.restart?.processes?.[0];
    expect(proc).toMatchObject({ state: 'running', oldPids: [old], escalated: false });
    const fresh = Number((await readFile(join(dir, 'app.pid'), 'utf8')).trim());
    expect(proc?.newPids).toEqual([fresh]);
    expect(fresh).not.toBe(old);
    // start-stop-daemon returned at once: the restart took about settle_s, not the app's lifetime.
    expect(proc?.durationMs).toBeLessThan(10_000);
    // cp, kill, start.
    expect(ct?.changingCommands).toBe(3);
  });

  it('without start and without a supervisor the process does not come back: the restart step fails, verify never runs', async () => {
    const dir = await setup(false);
    const old = startApp();
    const run = await runUnrot({ configDir: join(dir, 'config'), dryRun: false, pluginRoots: [host.pluginRoot] });
    const ct = run.report.containers[0];
    expect(ct?.outcome).toBe('failed');
    expect(ct?.error).toMatchObject({ step: 'restart', code: 'E_RESTART_FAILED' });
    expect(ct?.error?.message).toContain('process app: no new process matching');
    expect(ct?.restart?.processes?.[0]).toMatchObject({ state: 'failed', oldPids: [old], newPids: [] });
    expect(run.exitCode).toBe(1);
  });
});
