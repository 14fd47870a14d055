// End to end through the real email plugin, loaded the way the engine loads plugins (package.json
// `unrot.notifiers` → built module), to a real SMTP server on 127.0.0.1: config with a secret
// reference → prepareSinks → notifyRun → the message as a mail client sees it.
// Needs the plugin built: npx tsc -p plugins/notifier-email
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Notifier } from '@unrot/sdk';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { makeCert, removeCert, startSmtp } from '../../../../plugins/notifier-email/test/helpers/smtp-server.js';
import { notifyRun, prepareSinks } from '../../src/notify/index.js';
import { createRedactor, loadSecrets, secretForms } from '../../src/secrets/index.js';
import { secretsFile, tempDir } from '../secrets/helpers.js';
import { ct, makeReport } from './report-fixtures.js';

const PLUGIN = resolve(import.meta.dirname, '../../../../plugins/notifier-email');
const PASSWORD = 'e2e-SMTP-pa55/word+';

async function loadEmailNotifier(): Promise<Notifier> {
  const pkg = JSON.parse(await readFile(join(PLUGIN, 'package.json'), 'utf8')) as { unrot: { notifiers: string[] } };
  const mod = (await import(pathToFileURL(join(PLUGIN, pkg.unrot.notifiers[0] as string)).href)) as { default: Notifier };
  return mod.default;
}

describe('a degraded run reported by email', () => {
  it('arrives with severity and counts in the subject, the failing CT and its log tail, and no secret', async () => {
    const dir = await tempDir();
    const cert = await makeCert();
    const smtp = await startSmtp({ tls: cert, auth: { user: 'unrot', password: PASSWORD } });
    try {
      const store = await loadSecrets([await secretsFile(dir, 'secrets.env', `SMTP_PASSWORD=${PASSWORD}\n`)]);
      const email = await loadEmailNotifier();
      const sinks = prepareSinks(
        [
          {
            notifier: 'email',
            min_severity: 'degraded',
            options: {
              host: '127.0.0.1',
              port: smtp.port,
              security: 'starttls',
              ca_file: cert.certFile,
              auth: { user: 'unrot', password: { secret: 'SMTP_PASSWORD' } },
              from: 'unrot <unrot@pve1.example>',
              to: ['ops@example.org'],
              timeout_s: 5,
            },
          },
        ],
        new Map([['email', email]]),
        store,
        '/etc/unrot/global.yml',
      );
      const logFile = join(dir, 'ct-102.jsonl');
      const log = pino({ timestamp: false }, pino.destination({ dest: logFile, sync: true }));
      log.error({ argv: ['apt-get', 'install', '-y', 'pkg<2'] }, 'dpkg: error processing package <pkg> & friends');
      log.flush();
      const report = makeReport([ct(101, 'updated'), ct(102, 'failed', { logFile })]);

      const result = await notifyRun({
        report,
        sinks,
        redactor: createRedactor(store.values()),
        stateFile: join(dir, 'notify-state.json'),
      });

      expect(result.severity).toBe('degraded');
      expect(result.deliveries).toEqual([{ sink: 'email-1', notifier: 'email', status: 'sent', durationMs: expect.any(Number) }]);
      expect(smtp.received).toHaveLength(1);
      const { mail, secure, user } = smtp.received[0]!;
      expect(secure).toBe(true);
      expect(user).toBe('unrot');
      expect(mail.subject).toBe('[unrot] DEGRADED: 1 failed, 1 updated on pve1');
      expect(mail.text).toContain('CT 102 ct102: step apply (apt), E_EXEC_FAILED: dpkg failed in CT 102');
      expect(mail.text).toContain('ERROR dpkg: error processing package <pkg> & friends');
      expect(String(mail.html)).toContain('ERROR dpkg: error processing package &#60;pkg&#62; &#38; friends');
      const everything = `${mail.subject}\n${mail.text}\n${String(mail.html)}\n${JSON.stringify(result)}`;
      for (const form of secretForms(PASSWORD)) expect(everything).not.toContain(form);
    } finally {
      await smtp.close();
      await removeCert(cert);
    }
  });
});
