import { describe, expect, it } from 'vitest';
import { type ConfigProblem, effectivePolicy, loadConfig } from '../../src/config/index.js';
import { configDir, configError } from '../config/helpers.js';

// exclusions.paths / exclusions.services in global.yml and containers/<CTID>.yml: what is
// refused before anything runs, and how the lists merge.

const problemAt = (problems: ConfigProblem[], path: string) => problems.find((p) => p.path === path);

describe('exclusions.paths and exclusions.services: validation', () => {
  it('refuses relative paths, .. segments, control characters, globs and over-long paths, each at its place', async () => {
    const bad = [
      'etc/app.conf',
      '/etc/../shadow',
      '/etc/..',
      '/etc/a\nb',
      '/etc/*.conf',
      '/etc/a?',
      '/etc/[ab]',
      `/${'a'.repeat(1024)}`,
      '/',
    ];
    const dir = await configDir({ 'global.yml': `exclusions:\n  paths:\n${bad.map((p) => `    - ${JSON.stringify(p)}\n`).join('')}` });
    const err = await configError(() => loadConfig(dir));
    expect(err.code).toBe('E_CONFIG');
    for (const [i, p] of bad.entries()) expect(problemAt(err.problems, `exclusions.paths[${i}]`), p).toBeDefined();
    expect(problemAt(err.problems, 'exclusions.paths[0]')?.expected).toContain('an absolute path (starting with /) without .. segments');
  });

  it('accepts absolute paths with spaces, dots and unusual but harmless characters', async () => {
    const good = ['/etc/nginx/sites-enabled/app', '/opt/my app/config.yml', '/etc/..hidden', '/srv/a..b/c', "/etc/o'neil;$(x)"];
    const dir = await configDir({ 'global.yml': `exclusions:\n  paths:\n${good.map((p) => `    - ${JSON.stringify(p)}\n`).join('')}` });
    expect(effectivePolicy(await loadConfig(dir), 101).guardedPaths).toEqual(good);
  });

  it('refuses service names that are not systemd units (like restart.units)', async () => {
    const dir = await configDir({
      'global.yml': 'exclusions:\n  services: [web-app.service]\n',
      'containers/101.yml': 'exclusions:\n  services: [nginx, "a;b.service", -x.service, db.service]\n',
    });
    const err = await configError(() => loadConfig(dir));
    const paths = err.problems.map((p) => p.path).sort();
    expect(paths).toEqual(['exclusions.services[0]', 'exclusions.services[1]', 'exclusions.services[2]']);
  });
});

describe('exclusions.paths and exclusions.services: merge', () => {
  it('adds the container lists to the global ones, and takes excluded units out of restart.units', async () => {
    const config = await loadConfig(
      await configDir({
        'global.yml':
          'exclusions:\n  paths: [/etc/ssh/sshd_config]\n  services: [postgresql.service]\ndefaults:\n  restart:\n    units: [web-app.service, postgresql.service, worker.service]\n',
        'containers/101.yml': 'exclusions:\n  paths: [/etc/app.conf, /etc/ssh/sshd_config]\n  services: [worker.service]\n',
      }),
    );
    const ct101 = effectivePolicy(config, 101);
    expect(ct101.guardedPaths).toEqual(['/etc/ssh/sshd_config', '/etc/app.conf']);
    expect(ct101.excludedServices).toEqual(['postgresql.service', 'worker.service']);
    expect(ct101.restart).toMatchObject({ units: ['web-app.service'], excluded: ['postgresql.service', 'worker.service'] });
    const ct102 = effectivePolicy(config, 102);
    expect(ct102.guardedPaths).toEqual(['/etc/ssh/sshd_config']);
    expect(ct102.restart).toMatchObject({ units: ['web-app.service', 'worker.service'], excluded: ['postgresql.service'] });
  });

  it('leaves the restart policy alone when no excluded unit is in it', async () => {
    const config = await loadConfig(
      await configDir({ 'global.yml': 'exclusions:\n  services: [cron.service]\ndefaults:\n  restart:\n    units: [web-app.service]\n' }),
    );
    expect(effectivePolicy(config, 101).restart).toEqual({ units: ['web-app.service'], when: 'changed', waitActiveMs: 60_000 });
    expect(effectivePolicy(config, 101).guardedPaths).toEqual([]);
  });
});
