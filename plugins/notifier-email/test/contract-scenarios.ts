// Scenarios for the SDK's notifier contract kit: each starts a real SMTP server on 127.0.0.1
// (smtp-server in this process) and points the email notifier at it.
import type { NotifierFixture, NotifierScenario } from '@unrot/sdk/testing';
import { makeCert, removeCert, startHangingServer, startSmtp, type TestSmtpOptions } from './helpers/smtp-server.js';

const PASSWORD = 'contract-Pa55word/with+symbols=';
const base = { host: '127.0.0.1', from: 'unrot <unrot@pve1.example>', to: ['ops@example.org'], timeout_s: 2 };

async function smtpFixture(
  server: (cert: Awaited<ReturnType<typeof makeCert>>) => TestSmtpOptions,
  options: (port: number, caFile: string) => unknown,
): Promise<NotifierFixture> {
  const cert = await makeCert();
  const smtp = await startSmtp(server(cert));
  return {
    options: options(smtp.port, cert.certFile),
    deliveries: () => smtp.received.length,
    teardown: async () => {
      await smtp.close();
      await removeCert(cert);
    },
  };
}

export const emailScenarios: NotifierScenario[] = [
  {
    name: 'plain SMTP without auth (a local relay)',
    setup: () =>
      smtpFixture(
        () => ({}),
        (port) => ({ ...base, port, security: 'plain' }),
      ),
    expect: { delivered: true },
  },
  {
    name: 'STARTTLS with auth, server verified against ca_file',
    setup: () =>
      smtpFixture(
        (cert) => ({ tls: cert, auth: { user: 'unrot', password: PASSWORD } }),
        (port, ca_file) => ({ ...base, port, security: 'starttls', ca_file, auth: { user: 'unrot', password: PASSWORD } }),
      ),
    expect: { delivered: true },
  },
  {
    name: 'implicit TLS with auth',
    setup: () =>
      smtpFixture(
        (cert) => ({ secure: true, tls: cert, auth: { user: 'unrot', password: PASSWORD } }),
        (port, ca_file) => ({ ...base, port, security: 'tls', ca_file, auth: { user: 'unrot', password: PASSWORD } }),
      ),
    expect: { delivered: true },
  },
  {
    name: 'a wrong password',
    setup: () =>
      smtpFixture(
        (cert) => ({ tls: cert, auth: { user: 'unrot', password: 'the-right-password' } }),
        (port, ca_file) => ({ ...base, port, security: 'starttls', ca_file, auth: { user: 'unrot', password: PASSWORD } }),
      ),
    expect: { delivered: false, errorCode: 'E_NOTIFY_FAILED' },
  },
  {
    name: 'an untrusted (self-signed) certificate',
    setup: () =>
      smtpFixture(
        (cert) => ({ tls: cert }),
        (port) => ({ ...base, port, security: 'starttls' }),
      ),
    expect: { delivered: false, errorCode: 'E_NOTIFY_FAILED' },
  },
  {
    name: 'a server that accepts the connection and never answers',
    setup: async () => {
      const hanging = await startHangingServer();
      return {
        options: { ...base, port: hanging.port, security: 'plain', timeout_s: 1 },
        deliveries: () => 0,
        teardown: () => hanging.close(),
      };
    },
    expect: { delivered: false, errorCode: 'E_NOTIFY_TIMEOUT' },
  },
];

/** Generic name for loops over every plugin (test/plugins.test.ts). */
export const scenarios = emailScenarios;
export default emailScenarios;
