import { UnrotError } from '@unrot/sdk';

/** Where a request went, for error messages: method and API path, never headers (the token lives there). */
export interface RequestSite {
  method: string;
  /** Path below /api2/json, e.g. /nodes/pve/lxc/101/snapshot. */
  path: string;
  /** scheme://host:port of the API. */
  origin: string;
}

// Proxmox's own text for a failed ACL check (PVE::RPCEnvironment::check → raise_perm_exc):
// "Permission check failed (/vms/101, VM.Snapshot)"; older checks name only the path.
const PERMISSION = /Permission check failed \(([^,)]+)(?:,\s*([^)]+))?\)/;

/**
 * The coded error for an HTTP answer that is not 2xx. Proxmox puts its message in the reason
 * phrase and (pve-http-server ≥ 5) in the body's `message`; parameter errors add `errors`.
 */
export function apiHttpError(site: RequestSite, status: number, statusText: string, body: unknown): UnrotError {
  const fields = typeof body === 'object' && body !== null ? (body as { message?: unknown; errors?: unknown }) : {};
  const message = (typeof fields.message === 'string' && fields.message.trim() !== '' ? fields.message : statusText).trim();
  const details: Record<string, unknown> = { method: site.method, path: site.path, status, message };
  if (typeof fields.errors === 'object' && fields.errors !== null) details['errors'] = fields.errors;
  const where = `${site.method} ${site.path}`;
  if (status === 401)
    return new UnrotError(
      'E_API_AUTH',
      `Proxmox API refused the token (401 ${message || 'authentication failure'}) for ${where}: check host.token_id and the secret, and that the token has not expired or been removed`,
      details,
    );
  if (status === 403) {
    const perm = PERMISSION.exec(message);
    if (perm) {
      details['aclPath'] = perm[1];
      if (perm[2]) details['privilege'] = perm[2].trim();
    }
    const what = perm?.[2] ? `privilege ${perm[2].trim()} on ${perm[1]}` : perm ? `a privilege on ${perm[1]}` : 'a privilege';
    return new UnrotError('E_API_FORBIDDEN', `Proxmox API token lacks ${what} for ${where} (403 ${message})`, details);
  }
  const params =
    typeof fields.errors === 'object' && fields.errors !== null
      ? `: ${Object.entries(fields.errors as Record<string, unknown>)
          .map(([k, v]) => `${k}: ${String(v).trim()}`)
          .join('; ')}`
      : '';
  return new UnrotError('E_API_RESPONSE', `Proxmox API ${where} answered ${status}: ${message}${params}`, details);
}

// Node/undici codes by what they mean to an operator.
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'EPROTO',
]);
/** Our own code for a certificate whose SHA-256 fingerprint is not the pinned one (see api-tls.ts). */
export const FINGERPRINT_MISMATCH = 'UNROT_TLS_FINGERPRINT_MISMATCH';

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is pveproxy running?)',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connect timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stalled',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
};

function codeChain(error: unknown): Array<{ code?: string; message?: string; name?: string }> {
  const chain: Array<{ code?: string; message?: string; name?: string }> = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown };
    chain.push({
      ...(typeof e.code === 'string' ? { code: e.code } : {}),
      ...(typeof e.message === 'string' ? { message: e.message } : {}),
      ...(typeof e.name === 'string' ? { name: e.name } : {}),
    });
    current = e.cause;
  }
  return chain;
}

/**
 * The coded error for a request that got no HTTP answer: refused/unreachable/timed out →
 * E_API_UNREACHABLE, certificate problems → E_API_TLS, our abort → E_EXEC_ABORTED. The
 * message names the code and the origin; nothing of the request (headers) is kept.
 */
export function apiTransportError(site: RequestSite, error: unknown, aborted: boolean): UnrotError {
  const where = `${site.method} ${site.path}`;
  const details = { method: site.method, path: site.path, origin: site.origin };
  if (error instanceof UnrotError) return error;
  const chain = codeChain(error);
  if (aborted || chain.some((e) => e.name === 'AbortError' || e.code === 'UND_ERR_ABORTED'))
    return new UnrotError('E_EXEC_ABORTED', `Proxmox API request ${where} was aborted`, details);
  const tls = chain.find((e) => e.code !== undefined && (TLS_CODES.has(e.code) || e.code === FINGERPRINT_MISMATCH));
  if (tls) {
    const why =
      tls.code === FINGERPRINT_MISMATCH
        ? (tls.message ?? 'certificate fingerprint does not match host.fingerprint')
        : `${tls.code}: ${tls.message ?? 'certificate not trusted'}`;
    return new UnrotError(
      'E_API_TLS',
      `TLS verification of ${site.origin} failed (${why}); set host.ca_file to the node's pve-root-ca.pem or host.fingerprint to its certificate's SHA-256 fingerprint`,
      { ...details, tlsCode: tls.code },
    );
  }
  const coded = [...chain].reverse().find((e) => e.code !== undefined && e.code in UNREACHABLE) ?? chain.find((e) => e.code !== undefined);
  const code = coded?.code ?? 'unknown';
  const why = UNREACHABLE[code] ?? coded?.message ?? chain[0]?.message ?? 'request failed';
  return new UnrotError('E_API_UNREACHABLE', `Proxmox API at ${site.origin} not reachable for ${where}: ${why} (${code})`, {
    ...details,
    errno: code,
  });
}
