import { describe, expect, it } from 'vitest';
import { isSourceHost, proxyUrl, redactUrl, urlEndpoint } from '../src/source-endpoint.js';

describe('source endpoints (shared by the runners’ sources())', () => {
  it('takes the explicit port, else the scheme default; IPv6 loses its brackets', () => {
    expect(urlEndpoint('http://deb.debian.org/debian')).toEqual({ scheme: 'http', host: 'deb.debian.org', port: 80 });
    expect(urlEndpoint('https://registry.npmjs.org/')).toEqual({ scheme: 'https', host: 'registry.npmjs.org', port: 443 });
    expect(urlEndpoint('http://127.0.0.1:8531/')).toEqual({ scheme: 'http', host: '127.0.0.1', port: 8531 });
    expect(urlEndpoint('http://[2001:db8::1]:3142/debian')).toEqual({ scheme: 'http', host: '2001:db8::1', port: 3142 });
    expect(urlEndpoint('http://user:secret@proxy.lan:3128')).toEqual({ scheme: 'http', host: 'proxy.lan', port: 3128 });
  });

  it('gives nothing for what cannot be probed', () => {
    expect(urlEndpoint('file:/srv/mirror')).toBeUndefined();
    expect(urlEndpoint('cdrom:[Debian]/')).toBeUndefined();
    expect(urlEndpoint('gopher://example.org/')).toBeUndefined();
    expect(urlEndpoint('not a url')).toBeUndefined();
    expect(isSourceHost('a;b')).toBe(false);
    expect(isSourceHost('999.1.1.1')).toBe(false);
    expect(isSourceHost('-bad.example')).toBe(false);
  });

  it('reads a proxy without scheme as http and hides credentials', () => {
    expect(proxyUrl('proxy.lan:3128')).toBe('http://proxy.lan:3128');
    expect(proxyUrl('socks5h://proxy.lan:1080')).toBe('socks5h://proxy.lan:1080');
    expect(redactUrl('http://unrot:s3cret@127.0.0.1:9/')).toBe('http://***@127.0.0.1:9/');
    expect(redactUrl('https://deb.debian.org/debian')).toBe('https://deb.debian.org/debian');
  });
});
