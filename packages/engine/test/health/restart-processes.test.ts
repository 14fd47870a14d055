import { describe, expect, it } from 'vitest';
import type { TaskRestartProcess } from '../../src/health/restart-policy.js';
import { findArgv, type ProcessRestartResult, restartProcess } from '../../src/health/restart-processes.js';
import { captureRestart, FakeContainer } from './fake-container.js';
import { fakeClock } from './helpers.js';

const APP = '/opt/py-app/venv/bin/python /opt/py-app/server.py';
const base: TaskRestartProcess = {
  name: 'py-app',
  match: { cmdline: '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py' },
  stopSignal: 'TERM',
  stopTimeoutMs: 10_000,
  waitMs: 5_000,
  settleMs: 0,
};

const restart = (ct: FakeContainer, p: TaskRestartProcess) =>
  captureRestart<ProcessRestartResult>((onResult) => restartProcess(p, ct.exec(), new AbortController().signal, ct.clock, onResult));

describe('restart.processes', () => {
  it('finds the process with pgrep: -F for a pid file, -f -- for a command line, -x -- for a name', () => {
    expect(findArgv({ pidfile: '/run/py-app.pid' })).toEqual(['pgrep', '-F', '/run/py-app.pid']);
    expect(findArgv({ cmdline: '^/usr/bin/app --serve' })).toEqual(['pgrep', '-f', '--', '^/usr/bin/app --serve']);
    expect(findArgv({ comm: 'gunicorn' })).toEqual(['pgrep', '-x', '--', 'gunicorn']);
  });

  it('without start: signals the process, waits until it is gone and until its supervisor started a new one', async () => {
    const ct = new FakeContainer(fakeClock());
    const launcher = ct.spawn('/bin/sh /usr/local/sbin/sandbox-init', { pid: 1 });
    const old = ct.spawn(APP, { pid: 120 });
    // Like CT 102's launcher: the app exited, so start it again 2 s later.
    ct.onExit = (pid) => {
      if (pid === old) ct.at(2_000, () => ct.spawn(APP, { pid: 133 }));
    };
    const { result, error } = await restart(ct, base);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ oldPids: [120], newPids: [133], escalated: false, state: 'running' });
    expect(result.durationMs).toBeGreaterThanOrEqual(2_000);
    expect(ct.procs.has(launcher)).toBe(true);
    expect(ct.trace().filter((c) => c.startsWith('change'))).toEqual(['change: kill -s TERM 120']);
    expect(ct.trace()[0]).toBe('read: pgrep -f -- ^/opt/py-app/venv/bin/python /opt/py-app/server\\.py');
  });

  it('with start: a process ignoring TERM gets KILL after stop_timeout_s, then the start command runs', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.spawn(APP, { pid: 120, ignores: ['TERM'] });
    const start = ['start-stop-daemon', '--start', '--background', '--exec', '/opt/py-app/venv/bin/python', '--', '/opt/py-app/server.py'];
    ct.onChange = (argv) => {
      if (argv[0] === 'start-stop-daemon') ct.spawn(APP, { pid: 140 });
      return undefined;
    };
    const { result, error } = await restart(ct, { ...base, start, stopTimeoutMs: 3_000 });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ oldPids: [120], newPids: [140], escalated: true, state: 'running' });
    expect(ct.trace().filter((c) => c.startsWith('change'))).toEqual([
      'change: kill -s TERM 120',
      'change: kill -s KILL 120',
      `change: ${start.join(' ')}`,
    ]);
    // Waited stop_timeout_s (3 s) before KILL.
    expect(ct.clock.now() - Date.parse('2026-11-26T02:00:00Z')).toBeGreaterThanOrEqual(3_000);
  });

  it('a pid file: stopped with its own signal, started again, found by the new pid in the file', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.pidfiles.set('/run/app.pid', ct.spawn('/usr/sbin/appd', { pid: 300 }));
    ct.onChange = (argv) => {
      if (argv[0] === '/usr/sbin/appd') ct.pidfiles.set('/run/app.pid', ct.spawn('/usr/sbin/appd', { pid: 301 }));
      return undefined;
    };
    const { result } = await restart(ct, { ...base, match: { pidfile: '/run/app.pid' }, stopSignal: 'INT', start: ['/usr/sbin/appd'] });
    expect(result).toMatchObject({ oldPids: [300], newPids: [301], state: 'running' });
    expect(ct.trace()).toContain('change: kill -s INT 300');
  });

  it('a process that does not come back fails the restart with E_RESTART_FAILED after wait_s', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.spawn(APP, { pid: 120 });
    const { result, error } = await restart(ct, base);
    expect(error?.code).toBe('E_RESTART_FAILED');
    expect(error?.message).toBe(
      "process py-app: no new process matching cmdline '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py' within 5 s after SIGTERM (no start command: a supervisor was expected to start it)",
    );
    expect(result).toMatchObject({ oldPids: [120], newPids: [], state: 'failed', detail: expect.stringContaining('within 5 s') });
  });

  it('a crash loop is not a restart: the new process must still run settle_s after it appeared', async () => {
    const ct = new FakeContainer(fakeClock());
    const old = ct.spawn(APP, { pid: 120 });
    let next = 150;
    ct.onExit = (pid) => {
      if (pid !== old && pid < 150) return;
      // The supervisor restarts it every 2 s; each new one dies 300 ms after it started.
      ct.at(2_000, () => {
        const p = ct.spawn(APP, { pid: next++ });
        ct.at(300, () => ct.kill(p));
      });
    };
    const { result, error } = await restart(ct, { ...base, settleMs: 5_000 });
    expect(error?.code).toBe('E_RESTART_FAILED');
    expect(error?.message).toBe('process py-app: new PID 150 exited within settle_s 5 s after it started');
    expect(result).toMatchObject({ oldPids: [120], newPids: [150], state: 'failed' });
  });

  it('never signals PID 1 (the container init) and refuses a match that selects it', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.spawn('/bin/sleep infinity', { pid: 1 });
    const { error } = await restart(ct, { ...base, match: { comm: 'sleep' } });
    expect(error?.code).toBe('E_RESTART_FAILED');
    expect(error?.message).toContain("comm 'sleep' selects PID 1");
    expect(ct.trace().some((c) => c.startsWith('change'))).toBe(false);
  });

  it('a start command that fails ends the restart with its own error and a failed report entry', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.spawn(APP, { pid: 120 });
    ct.onChange = (argv) => (argv[0] === '/opt/py-app/start' ? { exitCode: 1, stderr: 'cannot bind' } : undefined);
    const { result, error } = await restart(ct, { ...base, start: ['/opt/py-app/start'] });
    expect(error?.code).toBe('E_EXEC_FAILED');
    expect(result).toMatchObject({ state: 'failed', detail: expect.stringContaining('/opt/py-app/start exited 1') });
  });

  it('not running before the restart: nothing is signalled; the start command starts it', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.onChange = (argv) => {
      if (argv[0] === '/opt/py-app/start') ct.spawn(APP, { pid: 160 });
      return undefined;
    };
    const { result } = await restart(ct, { ...base, start: ['/opt/py-app/start'] });
    expect(result).toMatchObject({ oldPids: [], newPids: [160], state: 'running' });
    expect(ct.trace().filter((c) => c.startsWith('change'))).toEqual(['change: /opt/py-app/start']);
  });
});
