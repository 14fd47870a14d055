import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerInfo } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { bindFleet, effectivePolicy, groupMembers, loadConfig, unmatchedGroups } from '../../src/config/index.js';
import { configDir, configError } from './helpers.js';

// Group files: containers/<name>.yml with `selectors:` apply their keys to every matching
// container; precedence global defaults < group files < containers/<CTID>.yml.

function ct(vmid: number, name: string, tags: string[] = []): ContainerInfo {
  return { vmid, name, tags, status: 'running', unprivileged: true, template: false };
}

const FLEET = [ct(101, 'web-1', ['web', 'prod']), ct(102, 'web-2', ['web']), ct(110, 'db-1', ['DB']), ct(120, 'mail')];

async function loaded(files: Record<string, string>) {
  const config = await loadConfig(await configDir({ 'global.yml': '', ...files }));
  bindFleet(config, FLEET);
  return config;
}

describe('group files: which containers they apply to', () => {
  it('matches by tag (any case), name glob and id, and reports which files applied', async () => {
    const config = await loaded({
      'containers/web.yml': 'selectors:\n  tags: [WEB]\nretries: 3\n',
      'containers/db.yml': 'selectors:\n  names: ["db-*"]\nbackup:\n  keep: 7\n',
      'containers/pinned.yml': 'selectors:\n  ids: [120]\nenabled: false\n',
    });
    const dir = config.dir;
    expect(effectivePolicy(config, 101)).toMatchObject({ retries: 3, hasFile: false, groupFiles: [join(dir, 'containers/web.yml')] });
    expect(effectivePolicy(config, 110)).toMatchObject({ retries: 1, groupFiles: [join(dir, 'containers/db.yml')] });
    expect(effectivePolicy(config, 110).backup.keep).toBe(7);
    expect(effectivePolicy(config, 120)).toMatchObject({ enabled: false, groupFiles: [join(dir, 'containers/pinned.yml')] });
    // a container no group selects runs on the defaults
    expect(effectivePolicy(config, 999)).toMatchObject({ enabled: true, retries: 1, groupFiles: [] });
    expect(groupMembers(config)).toEqual([
      { file: join(dir, 'containers/db.yml'), vmids: [110] },
      { file: join(dir, 'containers/pinned.yml'), vmids: [120] },
      { file: join(dir, 'containers/web.yml'), vmids: [101, 102] },
    ]);
  });

  it('layers global defaults < group files < containers/<CTID>.yml, key by key like defaults → container', async () => {
    const config = await loaded({
      'global.yml':
        'defaults:\n  retries: 0\n  backup:\n    keep: 2\n    mode: snapshot\n  timeouts:\n    apply: 100\nexclusions:\n  packages: [linux-image-*]\n',
      'containers/web.yml': [
        'selectors:',
        '  tags: [web]',
        'retries: 4',
        'risk: low',
        'backup:',
        '  keep: 5',
        '  vzdump_storage: fast',
        'timeouts:',
        '  apply: 200',
        '  check: 30',
        'exclusions:',
        '  packages: [nginx]',
        'health_checks:',
        '  - probe: http',
        '    options: { url: "http://127.0.0.1/" }',
        '',
      ].join('\n'),
      'containers/101.yml': 'retries: 6\nbackup:\n  keep: 9\ntimeouts:\n  apply: 300\nexclusions:\n  packages: [redis-server]\n',
    });
    const p101 = effectivePolicy(config, 101);
    const p102 = effectivePolicy(config, 102);
    const p110 = effectivePolicy(config, 110);
    // scalars: CTID file > group > defaults
    expect([p101.retries, p102.retries, p110.retries]).toEqual([6, 4, 0]);
    expect([p101.risk, p102.risk, p110.risk]).toEqual(['low', 'low', 'normal']);
    // mappings merge key by key: the CTID file's keep wins, the group's storage stays, the defaults' mode stays
    expect(p101.backup).toMatchObject({ keep: 9, vzdumpStorage: 'fast', mode: 'snapshot' });
    expect(p102.backup).toMatchObject({ keep: 5, vzdumpStorage: 'fast' });
    expect(p110.backup).toMatchObject({ keep: 2, vzdumpStorage: 'local' });
    expect([p101.timeoutsMs.apply, p101.timeoutsMs.check, p102.timeoutsMs.apply, p110.timeoutsMs.apply]).toEqual([
      300_000, 30_000, 200_000, 100_000,
    ]);
    // exclusions add up: global + group + CTID file, never replaced
    expect(p101.exclusions).toEqual(['linux-image-*', 'nginx', 'redis-server']);
    expect(p102.exclusions).toEqual(['linux-image-*', 'nginx']);
    expect(p110.exclusions).toEqual(['linux-image-*']);
    // lists (health_checks) come from the most specific layer that has one
    expect(p101.healthChecks.map((c) => c.probe)).toEqual(['http']);
    expect(p110.healthChecks).toEqual([]);
    expect(p101).toMatchObject({ hasFile: true, groupFiles: [join(config.dir, 'containers/web.yml')] });
  });

  it('lets two matching groups set different keys, joins their exclusions and enables runners from both', async () => {
    const config = await loaded({
      'containers/web.yml':
        'selectors:\n  tags: [web]\nretries: 2\nexclusions:\n  packages: [nginx]\nrunners:\n  npm: { projects: [/srv/web] }\n',
      'containers/prod.yml':
        'selectors:\n  tags: [prod]\nrisk: low\nexclusions:\n  packages: [nginx, postgresql-*]\n  services: [postgresql.service]\nrunners:\n  pip: { projects: [/srv/api] }\n',
    });
    const p = effectivePolicy(config, 101, new Map());
    expect(p).toMatchObject({ retries: 2, risk: 'low', excludedServices: ['postgresql.service'] });
    expect(p.exclusions).toEqual(['nginx', 'postgresql-*']);
    expect(p.appRunners.map((r) => r.id).sort()).toEqual(['npm', 'pip']);
    expect(p.groupFiles).toEqual([join(config.dir, 'containers/prod.yml'), join(config.dir, 'containers/web.yml')]);
    // 102 is only in web
    expect(effectivePolicy(config, 102, new Map())).toMatchObject({
      retries: 2,
      risk: 'normal',
      groupFiles: [join(config.dir, 'containers/web.yml')],
    });
  });

  it('refuses two matching groups that set the same key, naming both files and the key', async () => {
    const config = await loadConfig(
      await configDir({
        'global.yml': '',
        'containers/web.yml': 'selectors:\n  tags: [web]\nretries: 2\nrunners:\n  npm: {}\n',
        'containers/prod.yml': 'selectors:\n  names: ["*-1"]\nretries: 5\nrunners:\n  npm: { projects: [/srv] }\n',
      }),
    );
    const err = await configError(() => bindFleet(config, FLEET));
    const prod = join(config.dir, 'containers/prod.yml');
    const web = join(config.dir, 'containers/web.yml');
    expect(err.code).toBe('E_CONFIG');
    expect(err.problems).toEqual([
      {
        file: prod,
        line: 3,
        column: 1,
        path: 'retries',
        message: `CT 101 matches group files ${prod} and ${web}, which both set 'retries'`,
        expected: "'retries' in only one group file matching CT 101, or in containers/101.yml (which overrides group files)",
      },
      expect.objectContaining({ file: prod, line: 5, path: 'runners.npm', message: expect.stringContaining(`${prod} and ${web}`) }),
    ]);
    // the same conflict stops a policy read too (never a silent pick by file order)
    expect((await configError(() => effectivePolicy(config, 101))).problems).toHaveLength(2);
  });

  it('warns (does not fail) about a group file matching no container', async () => {
    const config = await loaded({ 'containers/typo.yml': 'selectors:\n  tags: [wbe]\nretries: 2\n' });
    expect(unmatchedGroups(config)).toEqual([join(config.dir, 'containers/typo.yml')]);
    expect(groupMembers(config)).toEqual([{ file: join(config.dir, 'containers/typo.yml'), vmids: [] }]);
    expect(effectivePolicy(config, 101).retries).toBe(1);
  });

  it('matches ids before the fleet is listed, but refuses a tag or name selector then (a programming error, never a silent default)', async () => {
    const byId = await loadConfig(await configDir({ 'global.yml': '', 'containers/pinned.yml': 'selectors:\n  ids: [101]\nretries: 4\n' }));
    expect(effectivePolicy(byId, 101).retries).toBe(4);
    const byTag = await loadConfig(await configDir({ 'global.yml': '', 'containers/web.yml': 'selectors:\n  tags: [web]\nretries: 4\n' }));
    expect(() => effectivePolicy(byTag, 101)).toThrow(/bindFleet was not called/);
  });
});

describe('group files: strict validation', () => {
  it('refuses selectors in a <CTID>.yml with its own message, once', async () => {
    const dir = await configDir({ 'global.yml': '', 'containers/101.yml': 'retries: 2\nselectors:\n  tags: [web]\n' });
    const err = await configError(() => loadConfig(dir));
    expect(err.problems).toEqual([
      {
        file: join(dir, 'containers/101.yml'),
        line: 2,
        column: 1,
        path: 'selectors',
        message: 'a <CTID>.yml file applies to CT 101 only, so it cannot hold selectors',
        expected: 'selectors: in a group file (containers/<name>.yml, e.g. web.yml) and the per-container keys here',
      },
    ]);
  });

  it('requires selectors in a group file, and selectors that select someone', async () => {
    const dir = await configDir({
      'global.yml': '',
      'containers/web.yml': 'retries: 2\n',
      'containers/empty.yml': '',
      'containers/none.yml': 'selectors:\n  tags: []\n',
      'containers/bare.yml': 'selectors: {}\n',
    });
    const err = await configError(() => loadConfig(dir));
    const of = (name: string) => err.problems.filter((p) => p.file === join(dir, 'containers', name));
    expect(of('web.yml')).toEqual([
      expect.objectContaining({
        line: 1,
        path: 'selectors',
        message: "'web' is not a container ID, so this is a group file and needs selectors: to say which containers it applies to",
      }),
    ]);
    expect(of('empty.yml')).toEqual([expect.objectContaining({ path: 'selectors', message: expect.stringContaining('needs selectors:') })]);
    expect(of('none.yml')).toEqual([
      expect.objectContaining({ line: 2, path: 'selectors', message: 'the selectors select no container (every list is empty)' }),
    ]);
    expect(of('bare.yml')).toEqual([expect.objectContaining({ line: 1, path: 'selectors', message: '0 keys given' })]);
    expect(err.problems).toHaveLength(4);
  });

  it('reports unknown keys, bad selectors and bad policy keys with file:line like any container file', async () => {
    const dir = await configDir({
      'global.yml': '',
      'containers/web.yml': [
        'selectors:',
        '  tags: ["a b"]',
        '  ids: [5]',
        '  rest: true',
        'retries: 99',
        'enabeld: false',
        'exclusions:',
        '  packages: ["x; reboot"]',
        '',
      ].join('\n'),
    });
    const err = await configError(() => loadConfig(dir));
    const file = join(dir, 'containers/web.yml');
    const lines = err.message.split('\n').slice(1);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^  ${file}:2:10 selectors\\.tags\\[0\\]: 'a b' is not allowed here`)),
      expect.stringMatching(new RegExp(`^  ${file}:3:9 selectors\\.ids\\[0\\]: 5 is out of range`)),
      expect.stringMatching(new RegExp(`^  ${file}:4:3 selectors\\.rest: unknown key 'rest' \\(expected one of: tags, names, ids\\)`)),
      expect.stringMatching(new RegExp(`^  ${file}:5:10 retries: 99 is out of range`)),
      expect.stringMatching(new RegExp(`^  ${file}:6:1 enabeld: unknown key 'enabeld' \\(did you mean 'enabled'\\?\\)`)),
      expect.stringMatching(new RegExp(`^  ${file}:8:14 exclusions\\.packages\\[0\\]: 'x; reboot' contains`)),
    ]);
  });

  it('names group files by a letter first; other non-VMID names stay errors; one file per group', async () => {
    const dir = await configDir({
      'global.yml': '',
      'containers/db-hosts.yml': 'selectors:\n  ids: [110]\n',
      'containers/web.yml': 'selectors:\n  ids: [101]\n',
      'containers/web.yaml': 'selectors:\n  ids: [102]\n',
      'containers/1web.yml': 'retries: 1\n',
      'containers/web.YML': 'selectors:\n  ids: [103]\n',
    });
    const err = await configError(() => loadConfig(dir));
    const byName = (name: string) => err.problems.find((p) => p.file === join(dir, 'containers', name));
    expect(byName('1web.yml')).toMatchObject({ message: "'1web.yml' is not named after a container ID" });
    expect(byName('web.YML')).toMatchObject({ message: "'web.YML' has an upper-case extension" });
    expect(byName('web.yml')).toMatchObject({ message: `group 'web' has two files (also ${join(dir, 'containers/web.yaml')})` });
    expect(byName('db-hosts.yml')).toBeUndefined();
    expect(err.problems).toHaveLength(3);
  });

  it('applies the file trust checks to group files: a group-writable one is refused, never read', async () => {
    const dir = await configDir({ 'global.yml': '', 'containers/web.yml': 'selectors:\n  tags: [web]\nretries: 2\n' });
    await chmod(join(dir, 'containers/web.yml'), 0o664);
    const err = await configError(() => loadConfig(dir));
    const file = join(dir, 'containers/web.yml');
    expect(err.problems).toEqual([
      {
        file,
        path: '',
        message: `config file has mode 0664: anyone in its group or everyone could change the policy unrot runs as root (chmod go-w ${file})`,
      },
    ]);
  });

  it('checks the keys of group files with the same later validators as container files (runner ids)', async () => {
    const { validateRunnerOptions } = await import('../../src/config/index.js');
    const config = await loadConfig(
      await configDir({ 'global.yml': '', 'containers/web.yml': 'selectors:\n  tags: [web]\nrunners:\n  nosuch: {}\n' }),
    );
    const err = await configError(() => validateRunnerOptions(config, new Map()));
    expect(err.problems).toEqual([
      expect.objectContaining({
        file: join(config.dir, 'containers/web.yml'),
        line: 4,
        path: 'runners.nosuch',
        message: expect.stringContaining("unknown runner 'nosuch'"),
      }),
    ]);
  });
});
