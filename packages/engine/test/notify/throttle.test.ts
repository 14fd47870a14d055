import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notification } from '@unrot/sdk';
import { UnrotError } from '@unrot/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatchNotifications, MAX_HELD, type NotificationSinkRuntime, type NotifySeverity } from '../../src/notify/index.js';
import { failingNotifier, recordingNotifier } from './notifiers.js';

const T0 = Date.parse('2026-11-26T00:00:00Z');
const MIN = 60_000;
let dir: string;
let stateFile: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unrot-throttle-'));
  stateFile = join(dir, 'notify-state.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function message(n: number, severity: NotifySeverity = 'degraded'): Notification {
  return { severity, title: `${severity.toUpperCase()}: message ${n}`, text: `body ${n}`, runId: `run-${n}`, report: {} };
}

function sink(notifier: NotificationSinkRuntime['notifier'], extra: Partial<NotificationSinkRuntime> = {}): NotificationSinkRuntime {
  return { name: 'mail', notifier, options: {}, minSeverity: 'success', timeoutMs: 5_000, throttle: { max: 2, window_s: 3600 }, ...extra };
}

/** One run's dispatch, as a separate process would do it: state only through the file. */
function send(sinks: NotificationSinkRuntime[], n: number, atMs: number, severity?: NotifySeverity) {
  return dispatchNotifications({ notification: message(n, severity), sinks, stateFile, now: () => atMs });
}

describe('throttling per sink', () => {
  it('allows max messages per window, holds the rest, and folds them into the next allowed one', async () => {
    const rec = recordingNotifier();
    const sinks = [sink(rec)];
    expect((await send(sinks, 1, T0))[0]?.status).toBe('sent');
    expect((await send(sinks, 2, T0 + 10 * MIN))[0]?.status).toBe('sent');
    expect((await send(sinks, 3, T0 + 20 * MIN))[0]?.status).toBe('throttled');
    expect((await send(sinks, 4, T0 + 30 * MIN, 'failure'))[0]?.status).toBe('throttled');
    expect(rec.messages.map((m) => m.title)).toEqual(['DEGRADED: message 1', 'DEGRADED: message 2']);

    // Message 1 leaves the window at T0 + 60 min: one slot free again.
    const fifth = await send(sinks, 5, T0 + 61 * MIN);
    expect(fifth[0]).toMatchObject({ status: 'sent', folded: 2 });
    const folded = rec.messages[2]!;
    expect(folded.title).toBe('DEGRADED: message 5 (+2 earlier)');
    expect(folded.runId).toBe('run-5');
    expect(folded.text).toContain('body 5');
    expect(folded.text).toContain('Not delivered to this sink earlier (2 messages, oldest first):');
    expect(folded.text).toContain('2026-11-26T00:20:00.000Z DEGRADED DEGRADED: message 3 (run run-3, held back by throttle)');
    expect(folded.text).toContain('2026-11-26T00:30:00.000Z FAILURE FAILURE: message 4 (run run-4, held back by throttle)');

    // Window now holds messages 2 and 5: the next is held again, and folded only once.
    expect((await send(sinks, 6, T0 + 62 * MIN))[0]?.status).toBe('throttled');
    expect((await send(sinks, 7, T0 + 200 * MIN))[0]).toMatchObject({ status: 'sent', folded: 1 });
    expect(rec.messages[3]?.text).toContain('message 6');
    expect(rec.messages[3]?.text).not.toContain('message 3');
  });

  it('keeps the state on disk atomically: valid JSON, mode 0600, no temp files left', async () => {
    const sinks = [sink(recordingNotifier())];
    for (let i = 0; i < 4; i++) await send(sinks, i, T0 + i * MIN);
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(state.version).toBe(1);
    expect(state.sinks.mail.sent).toEqual([T0, T0 + MIN]);
    expect(state.sinks.mail.held.map((h: { runId: string }) => h.runId)).toEqual(['run-2', 'run-3']);
    expect((await stat(stateFile)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['notify-state.json']);
  });

  it('messages below a sink minimum neither count nor are held', async () => {
    const rec = recordingNotifier();
    const sinks = [sink(rec, { minSeverity: 'failure', throttle: { max: 1, window_s: 3600 } })];
    expect((await send(sinks, 1, T0, 'success'))[0]?.status).toBe('below-min-severity');
    expect((await send(sinks, 2, T0 + MIN, 'degraded'))[0]?.status).toBe('below-min-severity');
    expect((await send(sinks, 3, T0 + 2 * MIN, 'failure'))[0]).toMatchObject({ status: 'sent' });
    expect(rec.messages[0]?.title).toBe('FAILURE: message 3');
  });

  it('sinks are throttled independently', async () => {
    const a = recordingNotifier('a');
    const b = recordingNotifier('b');
    const sinks = [sink(a, { name: 'a', throttle: { max: 1, window_s: 60 } }), sink(b, { name: 'b' })];
    await send(sinks, 1, T0);
    const second = await send(sinks, 2, T0 + 1000);
    expect(second.map((r) => r.status)).toEqual(['throttled', 'sent']);
    expect(b.messages).toHaveLength(2);
  });

  it('a failed delivery keeps the digest and itself for the next message', async () => {
    const broken = failingNotifier(new UnrotError('E_NOTIFY_FAILED', 'smtp down'), 'mail');
    await send([sink(broken, { throttle: { max: 1, window_s: 60 } })], 1, T0);
    await send([sink(broken, { throttle: { max: 1, window_s: 60 } })], 2, T0 + 1000);
    const rec = recordingNotifier('mail');
    const result = await send([sink(rec, { throttle: { max: 1, window_s: 60 } })], 3, T0 + 2000);
    expect(result[0]).toMatchObject({ status: 'sent', folded: 2 });
    expect(rec.messages[0]?.text).toContain('message 1 (run run-1, delivery failed)');
    expect(rec.messages[0]?.text).toContain('message 2 (run run-2, delivery failed)');
  });

  it(`keeps at most ${MAX_HELD} held messages and counts the rest`, async () => {
    const rec = recordingNotifier();
    const sinks = [sink(rec, { throttle: { max: 1, window_s: 86_400 } })];
    await send(sinks, 0, T0);
    for (let i = 1; i <= MAX_HELD + 10; i++) await send(sinks, i, T0 + i * 1000);
    await send(sinks, 999, T0 + 86_400_000 + 1);
    const last = rec.messages.at(-1)!;
    expect(last.title).toBe(`DEGRADED: message 999 (+${MAX_HELD + 10} earlier)`);
    expect(last.text).toContain('… and 10 older messages not kept');
    expect(last.text).not.toContain('message 10 (');
    expect(last.text).toContain('message 11 (');
  });

  it('an unreadable state file is reported and ignored: the message still goes out', async () => {
    await writeFile(stateFile, '{ not json');
    const rec = recordingNotifier();
    const warnings: unknown[] = [];
    const results = await dispatchNotifications({
      notification: message(1),
      sinks: [sink(rec)],
      stateFile,
      now: () => T0,
      log: { debug() {}, info() {}, error() {}, warn: (o: unknown) => warnings.push(o) },
    });
    expect(results[0]?.status).toBe('sent');
    expect(JSON.stringify(warnings)).toContain(`ignoring ${stateFile}`);
    expect(JSON.parse(await readFile(stateFile, 'utf8')).sinks.mail.sent).toEqual([T0]);
  });
});
