import type { TLSSocket } from 'node:tls';
import { UnrotError } from '@unrot/sdk';
import { buildConnector } from 'undici';
import { FINGERPRINT_MISMATCH } from './api-errors.js';

/**
 * How the node's certificate is trusted. pveproxy serves `pve-ssl.pem`, signed by the cluster's
 * own `pve-root-ca.pem`, which no system store knows: either that CA (`ca`, PEM text) or the
 * certificate's SHA-256 fingerprint (`fingerprint`, as the GUI shows it: AA:BB:…) is needed.
 * `verify: false` turns all checking off (documented as unsafe; for a throw-away lab only).
 */
export interface ApiTls {
  verify: boolean;
  /** PEM text of the CA(s) to trust instead of the system store. */
  ca?: string;
  /** SHA-256 fingerprint of the node certificate; with it the chain is not checked, the certificate is pinned. */
  fingerprint?: string;
}

const FINGERPRINT = /^(?:[0-9A-F]{2}:){31}[0-9A-F]{2}$/;

/** `aa:bb…`, `AABB…` or `AA:BB…` → `AA:BB:…` (Node's fingerprint256 form); throws E_CONFIG otherwise. */
export function normalizeFingerprint(text: string): string {
  const hex = text.trim().toUpperCase().replace(/:/g, '');
  const pairs = hex.match(/.{1,2}/g)?.join(':') ?? '';
  if (!FINGERPRINT.test(pairs))
    throw new UnrotError('E_CONFIG', 'host.fingerprint must be a SHA-256 fingerprint: 32 hex bytes, e.g. AB:CD:…');
  return pairs;
}

type Connect = buildConnector.connector;

/**
 * undici's connector with our trust rule. With a pinned fingerprint the chain cannot verify
 * (self-signed CA unknown to the system), so Node's check is off and the fingerprint of the
 * presented certificate is compared before the socket is handed to undici: a mismatch never
 * carries a request (and never the token). TLS sessions are not cached, so every connection
 * shows its certificate.
 */
export function apiConnector(tls: ApiTls, connectTimeoutMs: number): Connect {
  const pinned = tls.fingerprint !== undefined ? normalizeFingerprint(tls.fingerprint) : undefined;
  const base = buildConnector({
    timeout: connectTimeoutMs,
    maxCachedSessions: 0,
    rejectUnauthorized: tls.verify && pinned === undefined,
    ...(tls.ca !== undefined && pinned === undefined ? { ca: tls.ca } : {}),
  });
  if (pinned === undefined) return base;
  return (options, callback) =>
    base(options, (error, socket) => {
      if (error || !socket) {
        callback(error ?? new Error('no socket'), null);
        return;
      }
      const presented = (socket as TLSSocket).getPeerCertificate?.()?.fingerprint256;
      if (presented !== pinned) {
        socket.destroy();
        const mismatch = Object.assign(
          new Error(`certificate fingerprint ${presented ?? '(none)'} is not the pinned host.fingerprint ${pinned}`),
          { code: FINGERPRINT_MISMATCH },
        );
        callback(mismatch, null);
        return;
      }
      callback(null, socket);
    });
}
