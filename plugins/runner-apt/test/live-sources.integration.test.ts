// runner.sources() against REAL apt-get, base64 and apt-config (its one discovery exec) in a debootstrapped Debian 12 root
// (chroot), with source files and apt.conf.d settings laid out as containers have them. Needs
// root and the cached root of live-chroot.integration.test.ts (debootstrap on first use); no network.
// UNROT_CAPTURE_FIXTURES=1 writes the real outputs to test/fixtures/sources-scenarios.json,
// which test/sources.test.ts replays without root.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunnerContext, type SourceEndpoint, silentLogger } from '@unrot/sdk';
import { contractContainer, type Recording } from '@unrot/sdk/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import type { AptOptions } from '../src/options.js';
import { createChrootExec } from './chroot-exec.mjs';
import { BOOKWORM_ALL, freshRoot, removeRoot } from './debian-root.mjs';

const capture = process.env.UNROT_CAPTURE_FIXTURES === '1';
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const captured: { name: string; source: string; recordings: Recording[]; expected: SourceEndpoint[] }[] = [];
const roots: string[] = [];

afterAll(() => {
  for (const root of roots) removeRoot(root);
  if (capture) writeFileSync(join(fixtures, 'sources-scenarios.json'), `${JSON.stringify(captured, null, 2)}\n`);
});

/** A fresh copy of the cached Debian 12 root, then `layout` puts files in place (paths relative to the root). */
function rootWith(name: string, layout: Record<string, string | null>): string {
  const root = freshRoot(`sources-${name}`, BOOKWORM_ALL);
  roots.push(root);
  for (const [path, content] of Object.entries(layout)) {
    const file = join(root, path);
    if (content === null) rmSync(file, { force: true });
    else {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, content);
    }
  }
  return root;
}

const source = (name: string) => readFileSync(join(fixtures, 'sources', name), 'utf8');

async function sourcesIn(root: string, name: string, how: string): Promise<SourceEndpoint[]> {
  const exec = createChrootExec(root);
  const ctx: RunnerContext<AptOptions> = {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: { mode: 'upgrade', lock_timeout_s: 30 },
    container: contractContainer(),
    exclusions: [],
  };
  const endpoints = (await runner.sources?.(ctx)) ?? [];
  // One round trip, read-only.
  expect(exec.records.map((r) => r.kind)).toEqual(['read']);
  const aptVersion = readFileSync(join(root, 'var/lib/dpkg/status'), 'utf8').match(/Package: apt\n(?:.+\n)*?Version: (.+)/)?.[1];
  captured.push({
    name,
    source: `captured ${new Date().toISOString().slice(0, 10)} by plugins/runner-apt/test/live-sources.integration.test.ts with UNROT_CAPTURE_FIXTURES=1: runner.sources() through \`chroot ROOT <argv>\` in a Debian 12 minbase root (debootstrap, apt ${aptVersion}) on a Debian 12 host; ${how}`,
    recordings: exec.recordings,
    expected: endpoints,
  });
  return endpoints;
}

describe('apt sources() against the real discovery script in a Debian 12 chroot', () => {
  it("debootstrap's root: a one-line sources.list and nothing else", async () => {
    const root = rootWith('plain', {});
    const endpoints = await sourcesIn(root, 'debootstrap root, one-line sources.list', `sources.list = ${JSON.stringify(BOOKWORM_ALL)}`);
    expect(endpoints).toEqual([{ host: 'deb.debian.org', port: 80, origin: 'deb http://deb.debian.org/debian (/etc/apt/sources.list)' }]);
  });

  it('deb822 only (Debian 13 layout), third-party repositories, a renamed part apt ignores, and an apt proxy in apt.conf.d', async () => {
    const root = rootWith('proxy', {
      'etc/apt/sources.list': null,
      'etc/apt/sources.list.d/debian.sources': source('debian13-trixie-debian.sources'),
      'etc/apt/sources.list.d/nodesource.sources': source('host-nodesource.sources'),
      'etc/apt/sources.list.d/google-cloud-sdk.list': source('host-google-cloud-sdk.list'),
      'etc/apt/sources.list.d/old.list.disabled-by-farm': 'deb http://ignored.example.org/debian bookworm main\n',
      'etc/apt/apt.conf.d/90proxy': source('proxy.conf'),
    });
    const endpoints = await sourcesIn(
      root,
      'deb822 parts, third-party repos, apt proxy',
      'no sources.list; sources.list.d = fixtures/sources/debian13-trixie-debian.sources, host-nodesource.sources, host-google-cloud-sdk.list and old.list.disabled-by-farm; apt.conf.d/90proxy = fixtures/sources/proxy.conf',
    );
    expect(endpoints).toEqual([
      {
        host: 'proxy.lan',
        port: 3128,
        origin:
          'Acquire::http::Proxy http://***@proxy.lan:3128/ (apt-config), for deb http://deb.debian.org/debian (/etc/apt/sources.list.d/debian.sources)',
      },
      {
        host: 'packages.cloud.google.com',
        port: 443,
        origin: 'deb https://packages.cloud.google.com/apt (/etc/apt/sources.list.d/google-cloud-sdk.list)',
      },
    ]);
  });

  it('edge-case lines and stanzas, and auto-apt-proxy (checked directly)', async () => {
    const root = rootWith('edge', {
      'etc/apt/sources.list.d/edge-cases.list': source('edge-cases.list'),
      'etc/apt/sources.list.d/edge-cases.sources': source('edge-cases.sources'),
      'etc/apt/apt.conf.d/auto-apt-proxy.conf': source('auto-apt-proxy.conf'),
    });
    const endpoints = await sourcesIn(
      root,
      'edge cases and auto-apt-proxy',
      `sources.list = ${JSON.stringify(BOOKWORM_ALL)}; sources.list.d = fixtures/sources/edge-cases.list and edge-cases.sources; apt.conf.d/auto-apt-proxy.conf from Debian 12's auto-apt-proxy 14.1`,
    );
    expect(endpoints.map((e) => `${e.host} ${e.port}`)).toEqual([
      'deb.debian.org 80',
      'apt.example.com 8443',
      'private.example.net 80',
      '2001:db8::1 80',
      '2001:db8::2 8080',
      'mirrors.example.org 80',
      'deb.example.org 80',
      'a.example.org 80',
      'b.example.org 4443',
      'c.example.org 443',
      'mirrors.example.com 443',
    ]);
  });

  it('only reads: the source files are byte-identical afterwards', async () => {
    const root = rootWith('readonly', { 'etc/apt/sources.list.d/debian.sources': source('host-debian12-debian.sources') });
    const before = readFileSync(join(root, 'etc/apt/sources.list.d/debian.sources'));
    copyFileSync(join(root, 'etc/apt/sources.list'), join(root, 'tmp/sources.list.before'));
    await sourcesIn(
      root,
      'sources.list plus the Debian 12 host debian.sources',
      'sources.list (one-line) and sources.list.d/debian.sources = fixtures/sources/host-debian12-debian.sources',
    );
    expect(readFileSync(join(root, 'etc/apt/sources.list.d/debian.sources'))).toEqual(before);
    expect(readFileSync(join(root, 'etc/apt/sources.list'))).toEqual(readFileSync(join(root, 'tmp/sources.list.before')));
  });
});
