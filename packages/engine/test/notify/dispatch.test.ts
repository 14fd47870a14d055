import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Notification } from '@unrot/sdk';
import { UnrotError } from '@unrot/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_IO_LIMIT_MS } from '../../src/notify/dispatch.js';
import { dispatchNotifications, type NotificationSinkRuntime, type NotifySeverity } from '../../src/notify/index.js';
import { failingNotifier, ignoringNotifier, recordingNotifier, silentServer, tcpNotifier } from './notifiers.js';

function message(severity: NotifySeverity): Notification {
  return { severity, title: `${severity.toUpperCase()}: x on pve1`, text: 'text', runId: 'run-1', report: {} };
}

function sink(
  name: string,
  notifier: NotificationSinkRuntime['notifier'],
  extra: Partial<NotificationSinkRuntime> = {},
): NotificationSinkRuntime {
  return { name, notifier, options: {}, minSeverity: 'success', timeoutMs: 5_000, ...extra };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe('routing by minimum severity', () => {
  const cases: Array<[NotifySeverity, string[]]> = [
    ['success', ['all']],
    ['degraded', ['all', 'degraded+']],
    ['failure', ['all', 'degraded+', 'failure-only']],
  ];
  for (const [severity, expected] of cases) {
    it(`a ${severity} message goes to ${expected.join(', ')}`, async () => {
      const sinks = {
        all: recordingNotifier('a'),
        'degraded+': recordingNotifier('b'),
        'failure-only': recordingNotifier('c'),
      };
      const results = await dispatchNotifications({
        notification: message(severity),
        sinks: [
          sink('all', sinks.all, { minSeverity: 'success' }),
          sink('degraded+', sinks['degraded+'], { minSeverity: 'degraded' }),
          sink('failure-only', sinks['failure-only'], { minSeverity: 'failure' }),
        ],
      });
      for (const [name, n] of Object.entries(sinks)) {
        const want = expected.includes(name);
        expect(n.messages.length, name).toBe(want ? 1 : 0);
        expect(results.find((r) => r.sink === name)?.status, name).toBe(want ? 'sent' : 'below-min-severity');
      }
    });
  }
});

describe('delivery', () => {
  it('sends to all sinks in parallel and reports each result', async () => {
    const a = recordingNotifier('a');
    const results = await dispatchNotifications({
      notification: message('failure'),
      sinks: [
        sink('ok', a),
        sink('coded', failingNotifier(new UnrotError('E_NOTIFY_FAILED', 'HTTP 500 from hooks.example'))),
        sink('plain-error', failingNotifier(new TypeError('fetch failed'))),
        sink('thrown-string', failingNotifier('boom')),
      ],
    });
    expect(a.messages[0]?.title).toBe('FAILURE: x on pve1');
    expect(results.map((r) => [r.sink, r.status, r.error?.code, r.error?.message])).toEqual([
      ['ok', 'sent', undefined, undefined],
      ['coded', 'failed', 'E_NOTIFY_FAILED', 'HTTP 500 from hooks.example'],
      ['plain-error', 'failed', 'E_NOTIFY_FAILED', 'fetch failed'],
      ['thrown-string', 'failed', 'E_NOTIFY_FAILED', 'boom'],
    ]);
  });

  it('a notifier that throws synchronously does not escape', async () => {
    const n = recordingNotifier('sync');
    n.send = () => {
      throw new Error('sync throw');
    };
    const results = await dispatchNotifications({ notification: message('failure'), sinks: [sink('s', n)] });
    expect(results[0]).toMatchObject({ status: 'failed', error: { code: 'E_NOTIFY_FAILED', message: 'sync throw' } });
  });

  it('a hanging sink times out at its deadline, is aborted, and does not hold up the others', async () => {
    const server = await silentServer();
    cleanups.push(server.close);
    const hanging = tcpNotifier(server.port);
    const fast = recordingNotifier('fast');
    const started = performance.now();
    const results = await dispatchNotifications({
      notification: message('failure'),
      sinks: [sink('hangs', hanging, { timeoutMs: 300 }), sink('fast', fast)],
    });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1_500);
    expect(results.find((r) => r.sink === 'hangs')).toMatchObject({ status: 'timeout', error: { code: 'E_NOTIFY_TIMEOUT' } });
    expect(results.find((r) => r.sink === 'fast')?.status).toBe('sent');
    expect(hanging.aborted()).toBe(true);
  });

  it('a notifier that ignores its signal and never settles is left behind at the overall deadline', async () => {
    const started = performance.now();
    const results = await dispatchNotifications({
      notification: message('failure'),
      sinks: [sink('stuck', ignoringNotifier(), { timeoutMs: 60_000 })],
      deadlineMs: 250,
    });
    const took = performance.now() - started;
    expect(took).toBeLessThan(1_000);
    expect(results).toEqual([
      {
        sink: 'stuck',
        notifier: 'stuck',
        status: 'timeout',
        error: { code: 'E_NOTIFY_TIMEOUT', message: 'stuck: no delivery within 250 ms' },
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('never throws, even when the throttle state cannot be written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'unrot-dispatch-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // A regular file where the state directory should be: reading and writing both fail.
    await writeFile(join(dir, 'not-a-dir'), '');
    const rec = recordingNotifier();
    const warnings: unknown[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (o: unknown) => warnings.push(o) };
    const results = await dispatchNotifications({
      notification: message('failure'),
      sinks: [sink('s', rec, { throttle: { max: 1, window_s: 60 } })],
      stateFile: join(dir, 'not-a-dir', 'state.json'),
      log,
    });
    expect(results[0]?.status).toBe('sent');
    expect(rec.messages).toHaveLength(1);
    expect(JSON.stringify(warnings)).toContain('ENOTDIR');
  });

  it('a throttle state file that blocks on open (a FIFO) costs at most the state I/O limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'unrot-dispatch-'));
    const fifo = join(dir, 'state.json');
    await promisify(execFile)('mkfifo', [fifo]);
    cleanups.push(async () => {
      // Release the reader still blocked in the thread pool, then clean up.
      const w = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
      await w?.close();
      await rm(dir, { recursive: true, force: true });
    });
    const rec = recordingNotifier();
    const started = performance.now();
    const results = await dispatchNotifications({
      notification: message('failure'),
      sinks: [sink('s', rec, { throttle: { max: 1, window_s: 60 } })],
      stateFile: fifo,
    });
    const took = performance.now() - started;
    expect(results[0]?.status).toBe('sent');
    expect(took).toBeGreaterThanOrEqual(STATE_IO_LIMIT_MS - 50);
    expect(took).toBeLessThan(STATE_IO_LIMIT_MS + 1_500);
  });
});
