// A real SMTP server in the test process (smtp-server), listening on 127.0.0.1 only.
// Received messages are parsed with mailparser so tests check what a mail client would see.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const run = promisify(execFile);

export interface Received {
  mail: ParsedMail;
  envelope: { from: string; to: string[] };
  user?: string;
  secure: boolean;
}

export interface TestSmtp {
  port: number;
  received: Received[];
  /** AUTH attempts the server saw (user names only). */
  authAttempts: string[];
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Implicit TLS from the first byte. */
  secure?: boolean;
  /** Offer STARTTLS (needs tls). */
  tls?: TestCert;
  /** Require AUTH with exactly these credentials. */
  auth?: { user: string; password: string };
  /** Offer no STARTTLS even with a certificate. */
  hideStartTls?: boolean;
}

export interface TestCert {
  key: string;
  cert: string;
  certFile: string;
  dir: string;
}

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI (argv, no shell). */
export async function makeCert(): Promise<TestCert> {
  const dir = await mkdtemp(join(tmpdir(), 'unrot-smtp-cert-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { timeout: 30_000 },
  );
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), certFile, dir };
}

export async function removeCert(cert: TestCert): Promise<void> {
  await rm(cert.dir, { recursive: true, force: true });
}

export async function startSmtp(options: TestSmtpOptions = {}): Promise<TestSmtp> {
  const received: Received[] = [];
  const authAttempts: string[] = [];
  const server = new SMTPServer({
    secure: options.secure ?? false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    hideSTARTTLS: options.hideStartTls ?? !options.tls,
    authOptional: !options.auth,
    allowInsecureAuth: true,
    disabledCommands: options.auth ? [] : ['AUTH'],
    logger: false,
    socketTimeout: 10_000,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      authAttempts.push(auth.username ?? '');
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.password) {
        callback(null, { user: auth.username });
      } else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({
            mail,
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            ...(typeof session.user === 'string' ? { user: session.user } : {}),
            secure: session.secure,
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    port: address.port,
    received,
    authAttempts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A TCP server on 127.0.0.1 that accepts and then says nothing: an SMTP server that hangs. */
export async function startHangingServer(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  // Stops itself even if a test forgets to close it.
  const guard = setTimeout(() => server.close(), 60_000);
  guard.unref();
  return {
    port: address.port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(guard);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
