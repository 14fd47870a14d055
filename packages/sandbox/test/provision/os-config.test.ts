import { Value } from '@sinclair/typebox/value';
import { ContainerPolicySchema, GlobalPolicySchema } from '@unrot/engine/policy';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pkgbuild, rpmSpec } from '../../src/provision/os-packages.js';
import { pacmanConfSection, yumRepoFile } from '../../src/provision/os-repos.js';
import { ctGroups, sandboxSettings } from '../../src/provision/settings.js';
import type { SandboxState } from '../../src/provision/state.js';
import { unrotConfigFiles } from '../../src/provision/unrot-config.js';
import { effectiveGroups } from '../../src/provision/up.js';

// The pure parts of the os group (CT 103 dnf, CT 104 pacman): settings, what `up` keeps, the
// generated unrot config and the repository files an admin would write. No LXC, no root.

const s = sandboxSettings({ UNROT_SANDBOX_ROOT: '/var/lib/unrot-sandbox-x', UNROT_SANDBOX_NODE: 'node1' });

describe('container groups', () => {
  it('defaults to the apps only; UNROT_SANDBOX_CTS picks groups and refuses unknown ones', () => {
    expect(s.groups).toEqual(['apps']);
    expect(s.rpmPort).toBe(8433);
    expect(s.pacmanPort).toBe(8434);
    expect(ctGroups('os')).toEqual(['os']);
    expect(ctGroups('os, apps')).toEqual(['apps', 'os']);
    expect(() => ctGroups('apps,dnf')).toThrow(/UNROT_SANDBOX_CTS must list groups out of apps, os(, \w+)*, got 'apps,dnf'/);
    expect(() => sandboxSettings({ UNROT_SANDBOX_RPM_PORT: '70000' })).toThrow(/UNROT_SANDBOX_RPM_PORT must be a TCP port/);
  });

  it('up keeps every group a sandbox already has (only down removes containers)', () => {
    const had = (groups?: SandboxState['groups']) => ({ groups }) as SandboxState;
    expect(effectiveGroups(['apps'], undefined)).toEqual(['apps']);
    expect(effectiveGroups(['apps'], had(['apps', 'os']))).toEqual(['apps', 'os']);
    expect(effectiveGroups(['os'], had(['apps']))).toEqual(['apps', 'os']);
    // A state written before groups existed had the apps.
    expect(effectiveGroups(['os'], had(undefined))).toEqual(['apps', 'os']);
  });
});

describe('the generated unrot config', () => {
  const load = (files: Record<string, string>, rel: string) => parse(files[rel] ?? '') as unknown;

  it('has containers/103.yml and 104.yml only when those CTs exist', () => {
    expect(Object.keys(unrotConfigFiles(s)).sort()).toEqual(['containers/101.yml', 'containers/102.yml', 'global.yml']);
    const osOnly = unrotConfigFiles(s, [103, 104]);
    expect(Object.keys(osOnly).sort()).toEqual(['containers/103.yml', 'containers/104.yml', 'global.yml']);
    expect(load(osOnly, 'global.yml')).toMatchObject({ targets: { allow: [103, 104] } });
    expect(load(unrotConfigFiles(s, [101, 102, 103, 104]), 'global.yml')).toMatchObject({ targets: { allow: [101, 102, 103, 104] } });
  });

  it('selects dnf and pacman as os runners, excludes unrot-sandbox-keep, and validates', () => {
    const files = unrotConfigFiles(s, [101, 102, 103, 104]);
    expect(Value.Errors(GlobalPolicySchema, load(files, 'global.yml')).First()).toBeUndefined();
    for (const rel of ['containers/103.yml', 'containers/104.yml']) {
      expect(Value.Errors(ContainerPolicySchema, load(files, rel)).First()).toBeUndefined();
    }
    expect(load(files, 'containers/103.yml')).toEqual({ runners: { os: 'dnf' }, exclusions: { packages: ['unrot-sandbox-keep'] } });
    expect(load(files, 'containers/104.yml')).toEqual({ runners: { os: 'pacman' }, exclusions: { packages: ['unrot-sandbox-keep'] } });
  });
});

describe('repository configuration written into the CTs', () => {
  it('a yum .repo for the local, unsigned repository', () => {
    const repo = yumRepoFile(8433);
    expect(repo).toMatch(/^\[unrot-sandbox\]$/m);
    expect(repo).toMatch(/^baseurl=http:\/\/127\.0\.0\.1:8433\/$/m);
    expect(repo).toMatch(/^gpgcheck=0$/m);
    expect(repo).toMatch(/^enabled=1$/m);
  });

  it('a pacman.conf section that trusts only this repository without signatures', () => {
    const section = pacmanConfSection(8434);
    expect(section).toMatch(/^\[unrot-sandbox\]\nSigLevel = Optional TrustAll\nServer = http:\/\/127\.0\.0\.1:8434$/m);
  });
});

describe('package sources', () => {
  it('the broken RPM fails in %pre; the good ones have no scriptlet', async () => {
    const good = await rpmSpec({ name: 'unrot-sandbox-demo', version: '1.1', summary: 'x', broken: false });
    expect(good).toMatch(/^Name: unrot-sandbox-demo$/m);
    expect(good).toMatch(/^Version: 1\.1$/m);
    expect(good).not.toMatch(/^%pre$/m);
    const broken = await rpmSpec({ name: 'unrot-sandbox-demo', version: '1.2', summary: 'x', broken: true });
    expect(broken).toMatch(/^%pre\n[^\n]*\nexit 1$/m);
  });

  it('one PKGBUILD per version builds every package of it; the broken one ships a file the keep package owns', async () => {
    const good = await pkgbuild('1.1', [
      { name: 'unrot-sandbox-demo', version: '1.1', summary: 'x', broken: false },
      { name: 'unrot-sandbox-keep', version: '1.1', summary: 'y', broken: false },
    ]);
    expect(good).toMatch(/^pkgname=\('unrot-sandbox-demo' 'unrot-sandbox-keep'\)$/m);
    expect(good).toMatch(/^pkgver=1\.1$/m);
    expect(good).toMatch(/^package_unrot-sandbox-demo\(\) \{$/m);
    expect(good).toMatch(/^package_unrot-sandbox-keep\(\) \{$/m);
    expect(good).not.toContain('taken over');
    const broken = await pkgbuild('1.2', [{ name: 'unrot-sandbox-demo', version: '1.2', summary: 'x', broken: true }]);
    expect(broken).toMatch(/^pkgname=\('unrot-sandbox-demo'\)$/m);
    expect(broken).toContain('"$pkgdir/usr/share/unrot-sandbox-keep/VERSION"');
  });
});
