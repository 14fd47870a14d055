import { Value } from '@sinclair/typebox/value';
import { ContainerPolicySchema, GlobalPolicySchema } from '@unrot/engine/policy';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LANG_HEALTH_CHECKS, LANG_VMID } from '../../src/provision/lang-ct.js';
import { ctGroups, sandboxSettings } from '../../src/provision/settings.js';
import { unrotConfigFiles } from '../../src/provision/unrot-config.js';

// The pure parts of the lang group (CT 106: composer, gem, go and flatpak apps): settings and the generated
// unrot config. No LXC, no root; the drills (test/drills/lang-runner-drills.test.ts) run it for real.

const s = sandboxSettings({ UNROT_SANDBOX_ROOT: '/var/lib/unrot-sandbox-x', UNROT_SANDBOX_NODE: 'node1' });
const load = (files: Record<string, string>, rel: string) => parse(files[rel] ?? '') as unknown;

describe('the lang group', () => {
  it('is opt-in, with its own source ports (overridable) and directories under the root', () => {
    expect(s.groups).toEqual(['apps']);
    expect(ctGroups('lang')).toEqual(['lang']);
    expect([s.composerPort, s.gemPort, s.goproxyPort, s.flatpakPort]).toEqual([8437, 8438, 8439, 8440]);
    expect(sandboxSettings({ UNROT_SANDBOX_GOPROXY_PORT: '8939' }).goproxyPort).toBe(8939);
    expect(sandboxSettings({ UNROT_SANDBOX_FLATPAK_PORT: '8940' }).flatpakPort).toBe(8940);
    expect(() => sandboxSettings({ UNROT_SANDBOX_GEM_PORT: 'x' })).toThrow(/UNROT_SANDBOX_GEM_PORT must be a TCP port/);
    expect([s.composerDir, s.gemDir, s.goproxyDir, s.flatpakDir]).toEqual([
      '/var/lib/unrot-sandbox-x/srv/composer',
      '/var/lib/unrot-sandbox-x/srv/gem',
      '/var/lib/unrot-sandbox-x/srv/goproxy',
      '/var/lib/unrot-sandbox-x/srv/flatpak',
    ]);
  });

  it('gets containers/106.yml only when CT 106 exists, and the probes’ binaries on the allowlist', () => {
    expect(Object.keys(unrotConfigFiles(s))).not.toContain(`containers/${LANG_VMID}.yml`);
    expect(load(unrotConfigFiles(s), 'global.yml')).not.toHaveProperty('command_allowlist');
    const files = unrotConfigFiles(s, [LANG_VMID]);
    expect(Object.keys(files).sort()).toEqual(['containers/106.yml', 'global.yml']);
    expect(load(files, 'global.yml')).toMatchObject({
      targets: { allow: [106] },
      command_allowlist: ['php', 'ruby', '/root/go/bin/hello', 'flatpak'],
    });
  });

  it('runs the four app runners with their exclusions and a command probe per app, and validates', () => {
    const files = unrotConfigFiles(s, [LANG_VMID]);
    expect(Value.Errors(GlobalPolicySchema, load(files, 'global.yml')).First()).toBeUndefined();
    const policy = load(files, 'containers/106.yml');
    expect(Value.Errors(ContainerPolicySchema, policy).First()).toBeUndefined();
    expect(policy).toMatchObject({
      runners: {
        os: 'none',
        composer: { projects: ['/opt/php-app'] },
        gem: { projects: ['/opt/ruby-app'] },
        go: { binaries: ['/root/go/bin'] },
        flatpak: { system: true },
      },
      exclusions: { packages: ['acme/other-lib', 'unrot-pinned', 'example.test/stay', 'org.unrot.Other'] },
      health_checks: LANG_HEALTH_CHECKS.map((c) => ({
        probe: 'cmd',
        name: c.name,
        options: { argv: [...c.argv], stdout_contains: c.stdoutContains },
      })),
    });
  });
});
