import { describe, expect, it } from 'vitest';
import { parsePacmanConf } from '../src/parse-pacman-conf.js';
import { pacmanEndpoints } from '../src/sources.js';
import scenarios from './fixtures/contract-scenarios.json' with { type: 'json' };

// The real pacman-conf dump of a recorded root, with its Server line replaced by the ones under test.
const real = scenarios[0]?.recordings.find((r) => r.argv.includes('pacman-conf'))?.stdout ?? '';
const withServers = (...servers: string[]) => real.replace(/^Server = .*$/m, servers.map((s) => `Server = ${s}`).join('\n'));

describe('pacman sources', () => {
  it('reads every Server of every repository, first origin kept per host:port, file:// skipped', () => {
    const warnings: string[] = [];
    const conf = parsePacmanConf(
      withServers(
        'https://geo.mirror.pkgbuild.com/core/os/x86_64',
        'http://mirror.example.org:8080/arch/core',
        'file:///srv/repo',
        'https://geo.mirror.pkgbuild.com/extra/os/x86_64',
      ),
    );
    expect(pacmanEndpoints(conf, {}, (m) => warnings.push(m))).toEqual([
      {
        host: 'geo.mirror.pkgbuild.com',
        port: 443,
        origin: 'Server = https://geo.mirror.pkgbuild.com/core/os/x86_64 ([unrot], pacman-conf)',
      },
      { host: 'mirror.example.org', port: 8080, origin: 'Server = http://mirror.example.org:8080/arch/core ([unrot], pacman-conf)' },
    ]);
    expect(warnings).toEqual([]);
  });

  it('follows libcurl: http_proxy for http, https_proxy or HTTPS_PROXY for https, all_proxy last, no_proxy by domain', () => {
    const conf = parsePacmanConf(withServers('http://a.example.org/x', 'https://b.example.org/x', 'https://mirror.lan/x'));
    const env = { http_proxy: 'proxy.lan:3128', HTTPS_PROXY: 'http://u:p@secure.lan:8443/', no_proxy: '.lan' };
    expect(pacmanEndpoints(conf, env, () => {})).toEqual([
      {
        host: 'proxy.lan',
        port: 3128,
        origin: 'http_proxy http://proxy.lan:3128 (environment), for Server = http://a.example.org/x ([unrot], pacman-conf)',
      },
      {
        host: 'secure.lan',
        port: 8443,
        origin: 'HTTPS_PROXY http://***@secure.lan:8443/ (environment), for Server = https://b.example.org/x ([unrot], pacman-conf)',
      },
      { host: 'mirror.lan', port: 443, origin: 'Server = https://mirror.lan/x ([unrot], pacman-conf)' },
    ]);
    // HTTP_PROXY in upper case is not read by libcurl for http; all_proxy is.
    expect(
      pacmanEndpoints(parsePacmanConf(withServers('http://a.example.org/x')), { all_proxy: 'http://all.lan:1080' }, () => {})[0]?.host,
    ).toBe('all.lan');
  });

  it('with XferCommand the mirrors are checked directly and a warning says why', () => {
    const conf = parsePacmanConf(real.replace('[options]\n', '[options]\nXferCommand = /usr/bin/wget --passive-ftp -c -O %o %u\n'));
    const warnings: string[] = [];
    const endpoints = pacmanEndpoints(conf, { http_proxy: 'http://proxy.lan:3128' }, (m) => warnings.push(m));
    expect(endpoints[0]?.host).toBe('127.0.0.1');
    expect(warnings[0]).toContain('XferCommand (/usr/bin/wget)');
  });
});
