/**
 * Hides `user:password@` in every URL of a text before go's output reaches a message or report.
 * Go itself already masks the password in its errors (measured: "refusing to pass credentials
 * to insecure URL: http://u:xxxxx@127.0.0.1:9/…"); this covers the user name and any other tool.
 */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s"'<>]+@/gi, '$1***@');
}
