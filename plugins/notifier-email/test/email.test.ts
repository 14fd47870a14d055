import { silentLogger, UnrotError } from '@unrot/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import notifier, { type EmailOptions, notifier as named } from '../src/index.js';
import { failureMessage, successMessage } from './helpers/messages.js';
import { makeCert, removeCert, startHangingServer, startSmtp, type TestCert } from './helpers/smtp-server.js';

const PASSWORD = 'c4n4ry-Sm7p-p4ss/word+=';

async function send(options: Partial<EmailOptions> & { port: number }, message = failureMessage, signal = new AbortController().signal) {
  const full: EmailOptions = {
    host: '127.0.0.1',
    security: 'plain',
    from: 'unrot <unrot@pve1.example>',
    to: ['ops@example.org'],
    timeout_s: 5,
    ...options,
  };
  return notifier.send({ log: silentLogger, signal, options: full }, message);
}

async function failure(p: Promise<unknown>): Promise<UnrotError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(UnrotError);
    return error as UnrotError;
  }
  throw new Error('expected a failure');
}

let cert: TestCert;
beforeAll(async () => {
  cert = await makeCert();
});
afterAll(async () => {
  await removeCert(cert);
});

describe('email notifier', () => {
  it('is exported as default and as `notifier`, with id email', () => {
    expect(named).toBe(notifier);
    expect(notifier.id).toBe('email');
    expect(notifier.sdk).toBe(1);
  });

  it('delivers a text and an HTML part, subject with severity and counts, to every recipient (plain, no auth)', async () => {
    const smtp = await startSmtp();
    try {
      await send({ port: smtp.port, to: ['ops@example.org', 'oncall@example.org'] });
      expect(smtp.received).toHaveLength(1);
      const { mail, envelope } = smtp.received[0]!;
      expect(mail.subject).toBe('[unrot] FAILURE: 1 failed, 2 updated on pve1');
      expect(envelope.from).toBe('unrot@pve1.example');
      expect(envelope.to).toEqual(['ops@example.org', 'oncall@example.org']);
      expect(mail.from?.value[0]?.address).toBe('unrot@pve1.example');
      expect(mail.from?.value[0]?.name).toBe('unrot');
      expect(mail.text).toContain('dpkg said <script>alert("x")</script> & left pkg<2 half-configured');
      expect(mail.text).toContain('20261126T021500Z-3fa9c2');
      const html = String(mail.html);
      expect(html).toContain('dpkg said &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; left pkg&#60;2');
      expect(html).not.toContain('<script>');
      expect(html).toContain('<h2');
      expect(mail.headers.get('x-unrot-severity')).toBe('failure');
      expect(mail.headers.get('x-unrot-run-id')).toBe('20261126T021500Z-3fa9c2');
    } finally {
      await smtp.close();
    }
  });

  it('puts the severity in the subject even when the title does not carry it, with a custom prefix', async () => {
    const smtp = await startSmtp();
    try {
      await send({ port: smtp.port, subject_prefix: '[pve1-updates]' }, successMessage);
      expect(smtp.received[0]?.mail.subject).toBe('[pve1-updates] SUCCESS: 3 updated on pve1');
    } finally {
      await smtp.close();
    }
  });

  it('upgrades with STARTTLS, verifies the server against ca_file, and authenticates', async () => {
    const smtp = await startSmtp({ tls: cert, auth: { user: 'unrot', password: PASSWORD } });
    try {
      await send({ port: smtp.port, security: 'starttls', ca_file: cert.certFile, auth: { user: 'unrot', password: PASSWORD } });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]?.secure).toBe(true);
      expect(smtp.received[0]?.user).toBe('unrot');
    } finally {
      await smtp.close();
    }
  });

  it('starttls refuses a server that does not offer STARTTLS instead of sending in clear', async () => {
    const smtp = await startSmtp();
    try {
      const e = await failure(send({ port: smtp.port, security: 'starttls' }));
      expect(e.code).toBe('E_NOTIFY_FAILED');
      expect(e.message).toContain(`127.0.0.1:${smtp.port}`);
      expect(smtp.received).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });

  it('refuses a self-signed server certificate that is not trusted (no ca_file)', async () => {
    const smtp = await startSmtp({ tls: cert });
    try {
      const e = await failure(send({ port: smtp.port, security: 'starttls' }));
      expect(e.code).toBe('E_NOTIFY_FAILED');
      expect(smtp.received).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });

  it('speaks implicit TLS from the first byte (security: tls)', async () => {
    const smtp = await startSmtp({ secure: true, tls: cert, auth: { user: 'unrot', password: PASSWORD } });
    try {
      await send({ port: smtp.port, security: 'tls', ca_file: cert.certFile, auth: { user: 'unrot', password: PASSWORD } });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]?.secure).toBe(true);
      expect(smtp.received[0]?.mail.subject).toBe('[unrot] FAILURE: 1 failed, 2 updated on pve1');
    } finally {
      await smtp.close();
    }
  });

  it('a wrong password fails with E_NOTIFY_FAILED naming the server, never the password', async () => {
    const smtp = await startSmtp({ tls: cert, auth: { user: 'unrot', password: 'the-right-one' } });
    try {
      const e = await failure(
        send({ port: smtp.port, security: 'starttls', ca_file: cert.certFile, auth: { user: 'unrot', password: PASSWORD } }),
      );
      expect(e.code).toBe('E_NOTIFY_FAILED');
      expect(e.message).toContain('authentication failed');
      expect(e.message).toContain(`127.0.0.1:${smtp.port}`);
      const everything = `${e.message}\n${e.stack}\n${JSON.stringify(e)}\n${JSON.stringify(e.details)}`;
      for (const form of [PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(PASSWORD).toString('base64')]) {
        expect(everything).not.toContain(form);
      }
      expect(smtp.authAttempts).toEqual(['unrot']);
      expect(smtp.received).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });

  it('will not send a password unencrypted to a host that is not loopback', async () => {
    const e = await failure(
      notifier.send(
        {
          log: silentLogger,
          signal: new AbortController().signal,
          options: {
            host: 'smtp.example.org',
            security: 'plain',
            from: 'unrot@pve1.example',
            to: ['ops@example.org'],
            auth: { user: 'u', password: PASSWORD },
          },
        },
        failureMessage,
      ),
    );
    expect(e.code).toBe('E_NOTIFY_FAILED');
    expect(e.message).toContain('unencrypted');
    expect(e.message).not.toContain(PASSWORD);
  });

  it('a server that accepts but never greets times out with E_NOTIFY_TIMEOUT within timeout_s', async () => {
    const hanging = await startHangingServer();
    try {
      const started = Date.now();
      const e = await failure(send({ port: hanging.port, timeout_s: 1 }));
      const took = Date.now() - started;
      expect(e.code).toBe('E_NOTIFY_TIMEOUT');
      expect(e.message).toContain(`127.0.0.1:${hanging.port}`);
      expect(took).toBeGreaterThanOrEqual(900);
      expect(took).toBeLessThan(5_000);
      expect(hanging.connections()).toBe(1);
    } finally {
      await hanging.close();
    }
  });

  it("stops when the caller's signal aborts (the dispatcher's deadline), even with a long timeout_s", async () => {
    const hanging = await startHangingServer();
    try {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      const e = await failure(send({ port: hanging.port, timeout_s: 60 }, failureMessage, controller.signal));
      clearTimeout(timer);
      expect(e.code).toBe('E_NOTIFY_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await hanging.close();
    }
  });

  it('a refused connection fails with E_NOTIFY_FAILED', async () => {
    const smtp = await startSmtp();
    const port = smtp.port;
    await smtp.close();
    const e = await failure(send({ port }));
    expect(e.code).toBe('E_NOTIFY_FAILED');
    expect(e.message).toContain(`127.0.0.1:${port}`);
  });
});
