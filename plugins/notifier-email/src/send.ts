import { readFile } from 'node:fs/promises';
import { type Logger, type Notification, UnrotError } from '@unrot/sdk';
import { createTransport } from 'nodemailer';
import { DEFAULT_PORTS, DEFAULT_TIMEOUT_S, type EmailOptions } from './options.js';
import { headerValue, renderHtml, renderSubject, renderText } from './render.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

/** The whole conversation is capped at this many per-step timeouts. */
export const STEPS_PER_SEND = 3;

export function timeoutMsOf(options: EmailOptions): number {
  return (options.timeout_s ?? DEFAULT_TIMEOUT_S) * 1000;
}

/** Problems the schema cannot express; messages name keys, never values. */
export function checkEmailOptions(options: EmailOptions): string[] {
  const problems: string[] = [];
  const security = options.security ?? 'starttls';
  if (options.auth && security === 'plain' && !LOOPBACK.has(options.host)) {
    problems.push(
      'auth with security: plain would send the password unencrypted; use starttls or tls (plain is allowed to a loopback host only)',
    );
  }
  if (options.ca_file && security === 'plain') problems.push('ca_file has no effect with security: plain');
  return problems;
}

/** Every form the password could take in a server reply or an error (AUTH PLAIN/LOGIN are base64). */
function scrubber(options: EmailOptions): (text: string) => string {
  const auth = options.auth;
  if (!auth) return (t) => t;
  const forms = new Set([
    auth.password,
    encodeURIComponent(auth.password),
    Buffer.from(auth.password).toString('base64'),
    Buffer.from(`\0${auth.user}\0${auth.password}`).toString('base64'),
    Buffer.from(`${auth.user}\0${auth.user}\0${auth.password}`).toString('base64'),
  ]);
  return (text) => {
    let out = text;
    for (const f of forms) out = out.split(f).join('***');
    return out;
  };
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  name?: string;
}

function describe(e: SmtpError): string {
  switch (e.code) {
    case 'EAUTH':
      return 'authentication failed';
    case 'ETLS':
      return 'TLS handshake or STARTTLS failed';
    case 'ECONNECTION':
    case 'ESOCKET':
      return 'connection failed';
    case 'EDNS':
      return 'host name did not resolve';
    case 'EENVELOPE':
      return 'sender or a recipient was refused';
    default:
      return 'sending failed';
  }
}

/** Sends one message; resolves when the server accepted it for every recipient. */
export async function sendEmail(options: EmailOptions, message: Notification, signal: AbortSignal, log: Logger): Promise<void> {
  const security = options.security ?? 'starttls';
  const port = options.port ?? DEFAULT_PORTS[security];
  const where = `${options.host}:${port}`;
  const timeoutMs = timeoutMsOf(options);
  const scrub = scrubber(options);
  if (signal.aborted) throw new UnrotError('E_NOTIFY_TIMEOUT', `email: ${where} not tried: aborted by the caller (deadline)`);
  if (options.auth && security === 'plain' && !LOOPBACK.has(options.host)) {
    throw new UnrotError(
      'E_NOTIFY_FAILED',
      `email: refusing to send the SMTP password unencrypted to ${where}; use security: starttls or tls`,
      { host: options.host, port },
    );
  }
  let ca: string | undefined;
  if (options.ca_file) {
    try {
      ca = await readFile(options.ca_file, 'utf8');
    } catch (error) {
      throw new UnrotError('E_NOTIFY_FAILED', `email: cannot read ca_file ${options.ca_file} (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  const transport = createTransport({
    host: options.host,
    port,
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'plain',
    ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.password } } : {}),
    ...(options.client_name ? { name: options.client_name } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    tls: { minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) },
    // Message content is ours; never let it pull in files or URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  });
  // The transport's own timeouts are per step; this bounds the whole conversation.
  const overall = AbortSignal.timeout(timeoutMs * STEPS_PER_SEND);
  const combined = AbortSignal.any([signal, overall]);
  const started = Date.now();
  try {
    const info = await transport.sendMail({
      from: options.from,
      to: options.to,
      subject: renderSubject(message, options.subject_prefix ?? '[unrot]'),
      text: renderText(message),
      html: renderHtml(message),
      headers: { 'X-Unrot-Run-Id': headerValue(message.runId), 'X-Unrot-Severity': headerValue(message.severity) },
      signal: combined,
    });
    const refused = info.rejected ?? [];
    if (refused.length > 0) {
      throw new UnrotError('E_NOTIFY_FAILED', `email: ${where} refused ${refused.length} of ${options.to.length} recipients`, {
        host: options.host,
        port,
        refused: refused.map(String),
      });
    }
    log.info({ host: options.host, port, recipients: options.to.length, durationMs: Date.now() - started }, 'email sent');
  } catch (error) {
    if (error instanceof UnrotError) throw error;
    const e = error as SmtpError;
    if (combined.aborted || e.code === 'ETIMEDOUT' || e.name === 'AbortError') {
      const why = signal.aborted ? 'aborted by the caller (deadline)' : `no answer within ${Math.round((Date.now() - started) / 1000)} s`;
      throw new UnrotError('E_NOTIFY_TIMEOUT', `email: ${where} timed out: ${why}`, { host: options.host, port });
    }
    const detail = (e.response ?? e.message ?? '').trim();
    const server = detail ? `: ${scrub(detail)}` : '';
    throw new UnrotError('E_NOTIFY_FAILED', `email: ${describe(e)} at ${where}${server}`, {
      host: options.host,
      port,
      ...(e.code ? { smtpError: e.code } : {}),
      ...(e.responseCode ? { responseCode: e.responseCode } : {}),
    });
  } finally {
    transport.close();
  }
}
