import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseComposePs, serviceStates } from '../../src/health/compose-ps.js';
import { type ComposeRestartResult, composeCommands, composePsArgv, restartCompose } from '../../src/health/restart-compose.js';
import type { TaskRestartCompose } from '../../src/health/restart-policy.js';
import { captureRestart, FakeContainer } from './fake-container.js';
import { fakeClock } from './helpers.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/compose-ps');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

const stack: TaskRestartCompose = { projectDir: '/opt/stack', files: [], services: [], action: 'recreate', pull: false, waitMs: 10_000 };

/** A v2.21+ `ps` line (the documented one) with State, Health and ExitCode changed. */
const line = (service: string, state: string, health = '', exitCode = 0, name = `stack-${service}-1`) =>
  JSON.stringify({
    ID: 'f02a4efaabb6',
    Name: name,
    Command: '/docker-entrypoint.sh nginx',
    Project: 'stack',
    Service: service,
    State: state,
    Health: health,
    ExitCode: exitCode,
    Publishers: null,
  });

describe('docker compose ps --format json (both formats)', () => {
  it('reads the one-array format of compose up to v2.20 (docs at v2.20.3)', () => {
    expect(parseComposePs(fixture('v2.20-array.json'))).toEqual([
      { name: 'example-bar-1', service: 'bar', state: 'exited', health: '', exitCode: 0 },
      { name: 'example-foo-1', service: 'foo', state: 'running', health: '', exitCode: 0 },
    ]);
  });

  it('reads the one-object-per-line format of compose v2.21 and later (docs after PR 13868)', () => {
    expect(parseComposePs(fixture('v2.21-json-lines.jsonl'))).toEqual(parseComposePs(fixture('v2.20-array.json')));
  });

  it('reads the full v2.26 line (every formatter field, labels as one string)', () => {
    expect(parseComposePs(fixture('v2.26-json-lines.jsonl'))).toEqual([
      { name: 'test-docker-json-ps-db-1', service: 'db', state: 'running', health: '', exitCode: 0 },
    ]);
  });

  it('no containers: empty output (v2.21+), [] (v2.20), null; garbage is E_HOST_OUTPUT', () => {
    expect(parseComposePs('')).toEqual([]);
    expect(parseComposePs('[]\n')).toEqual([]);
    expect(parseComposePs('null\n')).toEqual([]);
    expect(() => parseComposePs('NAME IMAGE COMMAND\n')).toThrow(expect.objectContaining({ code: 'E_HOST_OUTPUT' }));
    expect(() => parseComposePs('{"Name":"x"}\n')).toThrow(/has no Service or State/);
  });

  it('leaves out one-off containers of docker compose run', () => {
    const oneoff = fixture('v2.26-json-lines.jsonl').replace('com.docker.compose.oneoff=False', 'com.docker.compose.oneoff=True');
    expect(parseComposePs(oneoff)).toEqual([]);
    expect(parseComposePs(line('web', 'exited', '', 1, 'stack-web-run-0123456789ab'))).toEqual([]);
  });

  it('a service is up when its containers run (healthy if they have a healthcheck) or finished with exit 0', () => {
    const states = serviceStates(
      ['web', 'db', 'migrate', 'worker', 'cache', 'gone'],
      parseComposePs(
        [
          line('web', 'running', 'healthy'),
          line('db', 'running', 'starting'),
          line('migrate', 'exited', '', 0),
          line('worker', 'exited', '', 137),
          line('cache', 'restarting'),
        ].join('\n'),
      ),
    );
    expect(states.map((s) => [s.service, s.ready, s.failed])).toEqual([
      ['web', true, false],
      ['db', false, false],
      ['migrate', true, false],
      ['worker', false, true],
      ['cache', false, false],
      ['gone', false, false],
    ]);
    expect(states[3]?.detail).toBe('stack-worker-1 exited (137)');
  });
});

const restart = (ct: FakeContainer, c: TaskRestartCompose) =>
  captureRestart<ComposeRestartResult>((onResult) => restartCompose(c, ct.exec(), new AbortController().signal, ct.clock, onResult));

describe('restart.compose', () => {
  it('recreates by default: up --detach --force-recreate, never --remove-orphans; pull first only when asked', () => {
    expect(composeCommands(stack)).toEqual([
      ['docker', 'compose', '--project-directory', '/opt/stack', 'up', '--detach', '--force-recreate'],
    ]);
    const full: TaskRestartCompose = {
      ...stack,
      files: ['/opt/stack/compose.yaml', '/opt/stack/prod.yaml'],
      services: ['web'],
      pull: true,
    };
    const base = [
      'docker',
      'compose',
      '--project-directory',
      '/opt/stack',
      '--file',
      '/opt/stack/compose.yaml',
      '--file',
      '/opt/stack/prod.yaml',
    ];
    expect(composeCommands(full)).toEqual([
      [...base, 'pull', 'web'],
      [...base, 'up', '--detach', '--force-recreate', 'web'],
    ]);
    expect(composeCommands({ ...stack, action: 'restart', services: ['web', 'db'] })).toEqual([
      ['docker', 'compose', '--project-directory', '/opt/stack', 'restart', 'web', 'db'],
    ]);
    expect(composePsArgv(full)).toEqual([...base, 'ps', '--all', '--format', 'json', 'web']);
  });

  it('waits until every service of the project runs and is healthy (both ps formats over time)', async () => {
    const ct = new FakeContainer(fakeClock());
    const answers = [
      // v2.20 style first: one array, the db still starting.
      `[${line('web', 'running')},${line('db', 'running', 'starting')}]\n`,
      `${line('web', 'running')}\n${line('db', 'running', 'starting')}\n`,
      `${line('web', 'running')}\n${line('db', 'running', 'healthy')}\n`,
    ];
    ct.onRead = (argv) => {
      if (argv.includes('config')) return { exitCode: 0, stdout: 'db\nweb\n' };
      if (argv.includes('ps')) return { exitCode: 0, stdout: answers.shift() ?? '' };
      return undefined;
    };
    const { result, error } = await restart(ct, stack);
    expect(error).toBeUndefined();
    expect(result.state).toBe('running');
    expect(result.containers.map((c) => `${c.service} ${c.state} ${c.health}`)).toEqual(['web running ', 'db running healthy']);
    expect(ct.trace()).toEqual([
      'read: docker compose --project-directory /opt/stack config --services',
      'change: docker compose --project-directory /opt/stack up --detach --force-recreate',
      'read: docker compose --project-directory /opt/stack ps --all --format json',
      'read: docker compose --project-directory /opt/stack ps --all --format json',
      'read: docker compose --project-directory /opt/stack ps --all --format json',
    ]);
  });

  it('a container that exits non-zero fails at once with E_RESTART_FAILED naming it', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.onRead = (argv) => (argv.includes('ps') ? { exitCode: 0, stdout: `${line('web', 'exited', '', 1)}\n` } : undefined);
    const { result, error } = await restart(ct, { ...stack, services: ['web'] });
    expect(error?.code).toBe('E_RESTART_FAILED');
    expect(error?.message).toBe('compose project /opt/stack: web: stack-web-1 exited (1)');
    expect(result).toMatchObject({ state: 'failed', detail: 'web: stack-web-1 exited (1)' });
    expect(ct.clock.sleeps).toEqual([]);
  });

  it('a service that stays unhealthy fails after wait_s, naming its state', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.onRead = (argv) => (argv.includes('ps') ? { exitCode: 0, stdout: `${line('web', 'running', 'unhealthy')}\n` } : undefined);
    const { error } = await restart(ct, { ...stack, services: ['web'], waitMs: 3_000 });
    expect(error?.message).toBe('compose project /opt/stack: not up 3 s after recreate: web: stack-web-1 running unhealthy');
  });

  it('a failing docker compose up fails the restart with the command error', async () => {
    const ct = new FakeContainer(fakeClock());
    ct.onChange = () => ({ exitCode: 1, stderr: 'no configuration file provided: not found' });
    const { result, error } = await restart(ct, { ...stack, services: ['web'] });
    expect(error?.code).toBe('E_EXEC_FAILED');
    expect(result.detail).toContain('no configuration file provided');
  });
});
