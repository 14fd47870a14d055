import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRepoFile } from '../src/repo-files.js';
import { dnfEndpoints } from '../src/sources.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/sources/${name}`, import.meta.url), 'utf8');

describe('repository files', () => {
  it("Fedora's fedora.repo (metalinks with $releasever/$basearch in the query, not the host)", () => {
    const parsed = parseRepoFile(fixture('coreos-fedora.repo'), '/etc/yum.repos.d/fedora.repo');
    expect(parsed.repos.map((r) => [r.id, r.urls.map((u) => u.key)])).toEqual([
      ['fedora', ['metalink']],
      ['fedora-updates', ['metalink']],
      ['fedora-updates-testing', ['metalink']],
    ]);
    const warnings: string[] = [];
    expect(dnfEndpoints(parsed.repos, undefined, (m) => warnings.push(m))).toEqual([
      {
        host: 'mirrors.fedoraproject.org',
        port: 443,
        origin:
          'metalink https://mirrors.fedoraproject.org/metalink?repo=fedora-$releasever&arch=$basearch [fedora] (/etc/yum.repos.d/fedora.repo)',
      },
    ]);
    expect(warnings).toEqual([]);
  });

  it("Debian's dnf.conf: [main] only, no proxy, no repository", () => {
    expect(parseRepoFile(fixture('debian12-dnf.conf'), '/etc/dnf/dnf.conf')).toEqual({ repos: [], skipped: [] });
  });

  it('edge cases: several baseurls, disabled, per-repo proxy, _none_, file://, a $variable host', () => {
    const parsed = parseRepoFile(fixture('edge-cases.repo'), 'edge.repo');
    expect(parsed.skipped).toEqual(['edge.repo: [off] is disabled']);
    const warnings: string[] = [];
    const endpoints = dnfEndpoints(parsed.repos, 'http://main-proxy.example.org:8080', (m) => warnings.push(m));
    expect(endpoints.map((e) => `${e.host}:${e.port} ${e.origin}`)).toEqual([
      'main-proxy.example.org:8080 proxy of [main] http://main-proxy.example.org:8080, for baseurl http://mirror-a.example.org/fedora/ [multi] (edge.repo)',
      'proxy.example.org:3128 proxy of [via-proxy] http://***@proxy.example.org:3128, for mirrorlist https://mirrors.example.org/list?repo=x [via-proxy] (edge.repo)',
      'direct.example.org:80 baseurl http://direct.example.org/ [direct] (edge.repo)',
    ]);
    expect(warnings).toEqual([
      'not checked: baseurl http://$mirrorhost/fedora/ [templated] (edge.repo) names no plain host name or address (a $variable in the host?)',
    ]);
  });

  it('without a proxy every baseurl host is its own endpoint (IPv6 literal without brackets)', () => {
    const parsed = parseRepoFile(fixture('edge-cases.repo'), 'edge.repo');
    const endpoints = dnfEndpoints(
      parsed.repos.filter((r) => r.id === 'multi'),
      undefined,
      () => {},
    );
    expect(endpoints.map((e) => `${e.host}:${e.port}`)).toEqual([
      'mirror-a.example.org:80',
      'mirror-b.example.org:8443',
      '2001:db8::10:80',
    ]);
  });
});
