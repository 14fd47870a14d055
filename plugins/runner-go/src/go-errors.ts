// What go prints when a module path has no versions. From a GOPROXY, go says "reading
// URL: STATUS" with the server's own status text: measured "404 Not Found" (+ "server response:
// not found") from Node's http, "404 File not found" from python3 -m http.server; the protocol
// says 404 and 410 both mean "no such module". The rest are go's words in direct mode.
const NO_SUCH_MODULE =
  /: (404|410) [^\n]*|no matching versions|unrecognized import path|repository not found|does not contain package|invalid version|unknown revision/i;

// A lookup that failed on the way (measured: "dial tcp 127.0.0.1:9: connect: connection refused",
// "unrecognized import path …: dial tcp: lookup example.test on …: no such host") says nothing
// about whether the module exists.
const NETWORK_FAILURE =
  /dial tcp|no such host|connection refused|i\/o timeout|TLS handshake|certificate|server misbehaving|network is unreachable/i;

/** True when go's stderr says the module does not exist, and not that it could not ask. */
export function saysModuleAbsent(stderr: string): boolean {
  return NO_SUCH_MODULE.test(stderr) && !NETWORK_FAILURE.test(stderr);
}
