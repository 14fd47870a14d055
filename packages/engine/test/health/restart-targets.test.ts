import { Value } from '@sinclair/typebox/value';
import type { UnrotError } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { resolveRestart, type TaskRestart } from '../../src/health/restart-policy.js';
import { planRestart, restartChangingCommands, restartTargets } from '../../src/health/restart-targets.js';
import { RestartReportSchema } from '../../src/lifecycle/container-result.js';
import { FakeContainer } from './fake-container.js';
import { fakeClock } from './helpers.js';

const hostArgv = (argv: string[]) => ['pct', 'exec', '102', '--', ...argv];
const APP = '/opt/py-app/venv/bin/python /opt/py-app/server.py';

const policy = resolveRestart({
  units: ['web-app.service'],
  processes: [
    { name: 'py-app', match: { cmdline: '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py' }, settle_s: 1 },
    { name: 'worker', match: { pidfile: '/run/worker.pid' }, start: ['/opt/worker/start'], stop_signal: 'INT', wait_s: 5 },
  ],
  compose: [{ project_dir: '/opt/stack', services: ['web'] }],
  wait_active_s: 30,
}) as TaskRestart;

describe('restart plan (unrot plan and the report)', () => {
  it('resolves defaults: TERM, 30 s to stop, wait_s from wait_active_s, settle 0, compose recreate without pull', () => {
    expect(policy.processes).toEqual([
      {
        name: 'py-app',
        match: { cmdline: '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py' },
        stopSignal: 'TERM',
        stopTimeoutMs: 30_000,
        waitMs: 30_000,
        settleMs: 1_000,
      },
      {
        name: 'worker',
        match: { pidfile: '/run/worker.pid' },
        start: ['/opt/worker/start'],
        stopSignal: 'INT',
        stopTimeoutMs: 30_000,
        waitMs: 5_000,
        settleMs: 0,
      },
    ]);
    expect(policy.compose).toEqual([
      { projectDir: '/opt/stack', files: [], services: ['web'], action: 'recreate', pull: false, waitMs: 30_000 },
    ]);
    expect(resolveRestart({ when: 'always' })).toBeUndefined();
    expect(resolveRestart({ units: ['a.service'] })).toEqual({ units: ['a.service'], when: 'changed', waitActiveMs: 60_000 });
  });

  it('lists every command with its host argv; the PIDs a kill gets are a placeholder until it runs', () => {
    const plan = planRestart(policy, true, hostArgv);
    expect(Value.Check(RestartReportSchema, plan)).toBe(true);
    expect(plan).toEqual({
      when: 'changed',
      planned: true,
      units: [
        {
          unit: 'web-app.service',
          argv: ['systemctl', 'restart', 'web-app.service'],
          hostArgv: ['pct', 'exec', '102', '--', 'systemctl', 'restart', 'web-app.service'],
        },
      ],
      processes: [
        {
          name: 'py-app',
          match: "cmdline '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py'",
          find: {
            argv: ['pgrep', '-f', '--', '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py'],
            hostArgv: ['pct', 'exec', '102', '--', 'pgrep', '-f', '--', '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py'],
          },
          stop: { argv: ['kill', '-s', 'TERM', '<pids>'], hostArgv: ['pct', 'exec', '102', '--', 'kill', '-s', 'TERM', '<pids>'] },
        },
        {
          name: 'worker',
          match: 'pidfile /run/worker.pid',
          find: { argv: ['pgrep', '-F', '/run/worker.pid'], hostArgv: ['pct', 'exec', '102', '--', 'pgrep', '-F', '/run/worker.pid'] },
          stop: { argv: ['kill', '-s', 'INT', '<pids>'], hostArgv: ['pct', 'exec', '102', '--', 'kill', '-s', 'INT', '<pids>'] },
          start: { argv: ['/opt/worker/start'], hostArgv: ['pct', 'exec', '102', '--', '/opt/worker/start'] },
        },
      ],
      compose: [
        {
          projectDir: '/opt/stack',
          action: 'recreate',
          services: ['web'],
          commands: [
            {
              argv: ['docker', 'compose', '--project-directory', '/opt/stack', 'up', '--detach', '--force-recreate', 'web'],
              hostArgv: [
                'pct',
                'exec',
                '102',
                '--',
                'docker',
                'compose',
                '--project-directory',
                '/opt/stack',
                'up',
                '--detach',
                '--force-recreate',
                'web',
              ],
            },
          ],
          wait: {
            argv: ['docker', 'compose', '--project-directory', '/opt/stack', 'ps', '--all', '--format', 'json', 'web'],
            hostArgv: [
              'pct',
              'exec',
              '102',
              '--',
              'docker',
              'compose',
              '--project-directory',
              '/opt/stack',
              'ps',
              '--all',
              '--format',
              'json',
              'web',
            ],
          },
        },
      ],
    });
    // systemctl restart, kill (py-app), kill + start (worker), compose up.
    expect(restartChangingCommands(policy)).toBe(5);
    expect(planRestart({ units: ['a.service'], when: 'always', waitActiveMs: 1000 }, false, hostArgv)).toEqual({
      when: 'always',
      planned: false,
      units: [
        { unit: 'a.service', argv: ['systemctl', 'restart', 'a.service'], hostArgv: hostArgv(['systemctl', 'restart', 'a.service']) },
      ],
    });
  });
});

describe('restartTargets', () => {
  const unitThenProcess: TaskRestart = {
    ...policy,
    units: ['web-app.service'],
    compose: [],
    processes: policy.processes?.slice(0, 1) ?? [],
  };

  it('restarts units, then processes, then compose projects, filling in each report entry', async () => {
    const ct = new FakeContainer(fakeClock());
    const old = ct.spawn(APP, { pid: 120 });
    ct.onExit = (pid) => {
      if (pid === old) ct.at(500, () => ct.spawn(APP, { pid: 121 }));
    };
    ct.onRead = (argv) => {
      if (argv[0] === 'systemctl') return { exitCode: 0, stdout: 'active\n' };
      if (argv.includes('ps')) return { exitCode: 0, stdout: '{"Name":"stack-web-1","Service":"web","State":"running","Health":""}\n' };
      return undefined;
    };
    const report = planRestart(policy, false, hostArgv);
    const withoutWorker = { ...policy, processes: policy.processes?.slice(0, 1) ?? [] };
    await restartTargets(withoutWorker, ct.exec(), new AbortController().signal, report, ct.clock);
    expect(report.units[0]).toMatchObject({ state: 'active', durationMs: expect.any(Number) });
    expect(report.processes?.[0]).toMatchObject({ name: 'py-app', oldPids: [120], newPids: [121], state: 'running', escalated: false });
    expect(report.compose?.[0]).toMatchObject({ state: 'running', containers: [{ service: 'web', state: 'running' }] });
    expect(Value.Check(RestartReportSchema, report)).toBe(true);
    expect(ct.trace().filter((c) => c.startsWith('change'))).toEqual([
      'change: systemctl restart web-app.service',
      'change: kill -s TERM 120',
      'change: docker compose --project-directory /opt/stack up --detach --force-recreate web',
    ]);
  });

  it('stops at the first target that does not come back: a unit that is failed throws E_RESTART_FAILED, nothing after it runs', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.spawn(APP, { pid: 120 });
    ct.onRead = (argv) => (argv[0] === 'systemctl' ? { exitCode: 3, stdout: 'failed\n' } : undefined);
    const report = planRestart(unitThenProcess, false, hostArgv);
    const error = await restartTargets(unitThenProcess, ct.exec(), new AbortController().signal, report, ct.clock).then(
      () => undefined,
      (e: unknown) => e as UnrotError,
    );
    expect(error?.code).toBe('E_RESTART_FAILED');
    expect(error?.message).toBe('web-app.service is failed 0 s after systemctl restart (wait_active_s 30)');
    expect(report.units[0]?.state).toBe('failed');
    expect(report.processes?.[0]?.state).toBeUndefined();
    expect(ct.trace().filter((c) => c.startsWith('change'))).toEqual(['change: systemctl restart web-app.service']);
  });

  it('a unit still activating after wait_active_s fails too; an abort ends the wait with E_EXEC_ABORTED', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.onRead = () => ({ exitCode: 3, stdout: 'activating\n' });
    const r: TaskRestart = { units: ['slow.service'], when: 'changed', waitActiveMs: 2_000 };
    const report = planRestart(r, false, hostArgv);
    await expect(restartTargets(r, ct.exec(), new AbortController().signal, report, ct.clock)).rejects.toMatchObject({
      code: 'E_RESTART_FAILED',
      message: 'slow.service is activating 2 s after systemctl restart (wait_active_s 2)',
    });
    const aborted = new AbortController();
    aborted.abort();
    await expect(restartTargets(r, ct.exec(), aborted.signal, planRestart(r, false, hostArgv), ct.clock)).rejects.toMatchObject({
      code: 'E_EXEC_ABORTED',
    });
  });
});
