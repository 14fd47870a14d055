// A canary secret is loaded from a secrets file, then pushed through every place unrot writes
// text: pino log lines (both integration points), the run report, a notification's payload
// and its delivery errors, and coded errors. None of them may hold it in any encoding.
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { notifyRun } from '../../src/notify/index.js';
import { writeFileAtomic } from '../../src/report/write-atomic.js';
import {
  createRedactor,
  loadSecrets,
  redactingDestination,
  redactingPinoOptions,
  resolveSecretRefs,
  secretForms,
} from '../../src/secrets/index.js';
import { failingNotifier, recordingNotifier } from '../notify/notifiers.js';
import { ct, makeReport } from '../notify/report-fixtures.js';
import { configError, secretsFile, tempDir } from './helpers.js';

const CANARY = 'CANARY-s3cr3t/v@lue+with=signs&"quotes"';
const TOKEN = 'tok_9f8e7d6c5b4a';

async function setup() {
  const dir = await tempDir();
  const file = await secretsFile(dir, 'secrets.env', `SMTP_PASSWORD='${CANARY}'\nHOOK_TOKEN=${TOKEN}\n`);
  const store = await loadSecrets([file]);
  return { dir, store, redactor: createRedactor(store.values()) };
}

/** Every encoding of every secret that must not appear. */
function assertClean(text: string): void {
  for (const form of [...secretForms(CANARY), ...secretForms(TOKEN)]) expect(text, `leaks ${form}`).not.toContain(form);
}

describe('secrets canary', () => {
  it('is loaded with its quotes stripped', async () => {
    const { store } = await setup();
    expect(store.get('SMTP_PASSWORD')?.value).toBe(CANARY);
  });

  it('never reaches a log file through a redacting destination (message, object, error, bindings)', async () => {
    const { dir, redactor } = await setup();
    const file = join(dir, 'host.jsonl');
    const log = pino(
      { base: { runId: 'r1' }, timestamp: pino.stdTimeFunctions.isoTime },
      redactingDestination(pino.destination({ dest: file, sync: true }), redactor),
    );
    log.info(`connecting with ${CANARY}`);
    log.warn({ options: { auth: { password: CANARY } }, url: `https://x/?t=${encodeURIComponent(TOKEN)}` }, 'sink options');
    log.error({ err: new UnrotError('E_NOTIFY_FAILED', `login ${TOKEN} refused`, { header: `Bearer ${TOKEN}` }) }, 'failed');
    log.child({ token: TOKEN }).info({ basic: Buffer.from(CANARY).toString('base64') }, 'child');
    log.flush();
    const text = await readFile(file, 'utf8');
    assertClean(text);
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(4);
    expect(lines[0]?.msg).toBe('connecting with ***');
    expect(lines[1]?.options).toEqual({ auth: { password: '***' } });
    expect(lines[3]?.token).toBe('***');
  });

  it('never reaches a log file through the pino options (formatters and hooks)', async () => {
    const { dir, redactor } = await setup();
    const file = join(dir, 'ct-101.jsonl');
    const log = pino({ timestamp: false, ...redactingPinoOptions(redactor) }, pino.destination({ dest: file, sync: true }));
    log.info({ password: CANARY, nested: [{ t: TOKEN }] }, `msg ${TOKEN}`);
    log.info(`plain ${CANARY}`);
    log.flush();
    const text = await readFile(file, 'utf8');
    assertClean(text);
    expect(text).toContain('"msg":"msg ***"');
  });

  it('never reaches report.json', async () => {
    const { dir, redactor } = await setup();
    const report = makeReport([
      ct(101, 'failed', { error: { step: 'apply', runner: 'npm', code: 'E_EXEC_FAILED', message: `npm ERR! 401 token ${TOKEN}` } }),
    ]);
    const path = join(dir, 'report.json');
    await writeFileAtomic(path, JSON.stringify(redactor.value(report), null, 2));
    const text = await readFile(path, 'utf8');
    assertClean(text);
    expect(text).toContain('npm ERR! 401 token ***');
  });

  it('never reaches a notification: title, text, log tails, the report inside it, or delivery errors', async () => {
    const { dir, redactor } = await setup();
    const logFile = join(dir, 'ct-102.jsonl');
    // A container log written before redaction was in place: the tail is scrubbed on the way out.
    const raw = pino({ timestamp: false }, pino.destination({ dest: logFile, sync: true }));
    raw.info({ argv: ['curl', '-u', `admin:${CANARY}`] }, 'exec');
    raw.flush();
    const report = makeReport([
      ct(101, 'updated'),
      ct(102, 'failed', { logFile, error: { step: 'apply', code: 'E_EXEC_FAILED', message: `auth ${TOKEN} rejected` } }),
    ]);
    const rec = recordingNotifier('rec');
    const broken = failingNotifier(new UnrotError('E_NOTIFY_FAILED', `POST https://hooks.example/${encodeURIComponent(CANARY)} failed`));
    const warnings: unknown[] = [];
    const result = await notifyRun({
      report,
      sinks: [
        { name: 'rec', notifier: rec, options: {}, minSeverity: 'success', timeoutMs: 5_000 },
        { name: 'broken', notifier: broken, options: {}, minSeverity: 'success', timeoutMs: 5_000 },
      ],
      redactor,
      log: { debug() {}, info() {}, error() {}, warn: (o: unknown) => warnings.push(o) },
      stateFile: join(dir, 'notify-state.json'),
    });
    expect(result.severity).toBe('degraded');
    const sent = rec.messages[0]!;
    expect(sent.text).toContain('auth *** rejected');
    expect(sent.text).toContain('admin:***');
    assertClean(JSON.stringify(sent));
    expect(result.deliveries[1]?.error?.message).toBe('POST https://hooks.example/*** failed');
    assertClean(JSON.stringify(result));
    assertClean(JSON.stringify(warnings));
    assertClean(await readFile(join(dir, 'notify-state.json'), 'utf8'));
  });

  it('never reaches an error message: config errors name the key, and coded errors are scrubbed', async () => {
    const { store, redactor } = await setup();
    const e = await configError(() =>
      resolveSecretRefs({ password: { secret: 'SMTP_PASSWRD' } }, store, { file: '/etc/unrot/global.yml', path: [] }),
    );
    assertClean(`${e.message}\n${e.stack}\n${JSON.stringify(e)}`);
    const thrown = new UnrotError('E_EXEC_FAILED', `git clone https://user:${encodeURIComponent(CANARY)}@git.example/x failed`, {
      argv: ['git', 'clone', `https://user:${CANARY}@git.example/x`],
    });
    const clean = redactor.value(thrown);
    assertClean(`${clean.message}\n${clean.stack}\n${JSON.stringify(clean)}`);
    expect(clean.message).toBe('git clone https://user:***@git.example/x failed');
  });
});

describe('redacting destination', () => {
  it("passes pino's flush callback through", async () => {
    const { dir, redactor } = await setup();
    const file = join(dir, 'flush.jsonl');
    const dest = pino.destination({ dest: file, sync: false });
    await once(dest, 'ready');
    const log = pino({}, redactingDestination(dest, redactor));
    log.info(`async ${TOKEN}`);
    await new Promise<void>((resolve, reject) => log.flush((e) => (e ? reject(e) : resolve())));
    const text = await readFile(file, 'utf8');
    expect(text).toContain('"msg":"async ***"');
    assertClean(text);
  });
});
