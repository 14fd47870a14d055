/** Names a failed request by the innermost error code: ECONNREFUSED, a TLS reason, undici's socket errors. */
const KNOWN: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the connection closed before the whole body arrived',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: unable to verify the certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS: unknown certificate issuer',
  CERT_HAS_EXPIRED: 'TLS: certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate does not name this host',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is it plain HTTP?)',
};

export function describeError(error: unknown): string {
  const chain: { code?: unknown; message?: unknown }[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    chain.push(current as { code?: unknown; message?: unknown });
    current = (current as { cause?: unknown }).cause;
  }
  // The innermost coded error is the most specific (undici wraps Node's).
  const coded =
    [...chain].reverse().find((e) => typeof e.code === 'string' && e.code in KNOWN) ?? chain.find((e) => typeof e.code === 'string');
  if (coded) {
    const code = String(coded.code);
    return `${KNOWN[code] ?? String(coded.message ?? 'request failed')} (${code})`;
  }
  const message = String(chain[0]?.message ?? error);
  // undici's parser error for a body cut short carries no code (its code table is keyed by name).
  if (message.includes('(Invalid EOF state)')) return 'the connection closed before the whole body arrived (HPE_INVALID_EOF_STATE)';
  return message;
}
