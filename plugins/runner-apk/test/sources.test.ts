import { describe, expect, it } from 'vitest';
import { parseRepositories } from '../src/parse-repositories.js';
import { apkEndpoints, profileProxies, unusedProfileProxies } from '../src/sources.js';

// The environment rules are apk-tools 2.14's libfetch (http.c http_get_proxy / http_make_proxy_url,
// common.c fetch_no_proxy_match and HTTP_DEFAULT_PROXY_PORT 3128); the repository lines follow
// apk-repositories(5). Host names here are never contacted.
const REPOS = parseRepositories(
  'https://dl-cdn.alpinelinux.org/alpine/v3.20/main\n@testing http://mirror.example.org:8080/alpine/edge/testing\n/media/usb/apks\n',
  '/etc/apk/repositories',
);

describe('apkEndpoints', () => {
  it('names each network repository, skips a local directory', () => {
    const warnings: string[] = [];
    expect(apkEndpoints(REPOS, {}, (m) => warnings.push(m))).toEqual([
      { host: 'dl-cdn.alpinelinux.org', port: 443, origin: 'https://dl-cdn.alpinelinux.org/alpine/v3.20/main (/etc/apk/repositories)' },
      {
        host: 'mirror.example.org',
        port: 8080,
        origin: '@testing http://mirror.example.org:8080/alpine/edge/testing (/etc/apk/repositories)',
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it('goes through the proxy of the repository’s scheme, upper-case variable first, credentials redacted', () => {
    const out = apkEndpoints(
      REPOS,
      { HTTPS_PROXY: 'http://u:p@proxy.lan:8080/', https_proxy: 'http://other:1/', http_proxy: 'proxy.lan' },
      () => {},
    );
    expect(out).toEqual([
      {
        host: 'proxy.lan',
        port: 8080,
        origin:
          'HTTPS_PROXY=http://***@proxy.lan:8080/ (environment), for https://dl-cdn.alpinelinux.org/alpine/v3.20/main (/etc/apk/repositories)',
      },
      // No port in the proxy URL: libfetch uses 3128.
      {
        host: 'proxy.lan',
        port: 3128,
        origin:
          'http_proxy=http://proxy.lan (environment), for @testing http://mirror.example.org:8080/alpine/edge/testing (/etc/apk/repositories)',
      },
    ]);
  });

  it('honours no_proxy suffixes; a proxy that is not http:// is ignored, as apk ignores it', () => {
    const warnings: string[] = [];
    const out = apkEndpoints(
      REPOS,
      { https_proxy: 'https://secure-proxy.lan:443', http_proxy: 'http://proxy.lan:3128', no_proxy: '.example.org' },
      (m) => warnings.push(m),
    );
    expect(out).toEqual([
      { host: 'dl-cdn.alpinelinux.org', port: 443, origin: 'https://dl-cdn.alpinelinux.org/alpine/v3.20/main (/etc/apk/repositories)' },
      {
        host: 'mirror.example.org',
        port: 8080,
        origin: '@testing http://mirror.example.org:8080/alpine/edge/testing (/etc/apk/repositories)',
      },
    ]);
    expect(warnings).toEqual([
      'https_proxy=https://secure-proxy.lan:443 is not an http:// proxy, so apk ignores it and connects directly to https://dl-cdn.alpinelinux.org/alpine/v3.20/main (/etc/apk/repositories)',
    ]);
  });
});

// What alpine-conf's setup-proxy (setup-proxy.in at commit 04e4624ab54a2c26e03e9df960e1640ceb150ddc)
// writes to /etc/profile.d/proxy.sh for `setup-proxy http://u:p@proxy.lan:3128` (its heredoc,
// tabs stripped by <<-).
const SETUP_PROXY_SH = `# this file was generated with and might get overwritten by setup-proxy

export http_proxy=http://u:p@proxy.lan:3128
export https_proxy=http://u:p@proxy.lan:3128
export ftp_proxy=http://u:p@proxy.lan:3128
export no_proxy=localhost
`;

describe('/etc/profile.d/proxy.sh', () => {
  it('reads the proxy variables setup-proxy exports', () => {
    expect(profileProxies(SETUP_PROXY_SH)).toEqual({
      http_proxy: 'http://u:p@proxy.lan:3128',
      https_proxy: 'http://u:p@proxy.lan:3128',
      no_proxy: 'localhost',
    });
  });

  it('names those apk’s environment lacks, credentials redacted', () => {
    expect(unusedProfileProxies(profileProxies(SETUP_PROXY_SH), {})).toEqual([
      'http_proxy=http://***@proxy.lan:3128',
      'https_proxy=http://***@proxy.lan:3128',
      'no_proxy=localhost',
    ]);
    expect(unusedProfileProxies(profileProxies(SETUP_PROXY_SH), { http_proxy: 'x', https_proxy: 'x', no_proxy: 'x' })).toEqual([]);
  });
});
