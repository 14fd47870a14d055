import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { effectivePolicy } from '../../src/config/effective-policy.js';
import { loadConfig } from '../../src/config/load-config.js';
import { validateHealthPolicy } from '../../src/health/validate-health-policy.js';
import { restartProblems } from '../../src/policy/index.js';
import { configDir, configError, REPO_ROOT } from '../config/helpers.js';

const container = (restart: string) => configDir({ 'global.yml': '', 'containers/102.yml': `restart:\n${restart}` });

describe('restart.processes and restart.compose policy', () => {
  it('merges per key: the defaults’ units stay, the container’s processes and compose lists apply, defaults filled in', async () => {
    const dir = await configDir({
      'global.yml': 'defaults:\n  restart:\n    units: [a.service]\n    processes:\n      - { name: other, match: { comm: other } }\n',
      'containers/102.yml': [
        'restart:',
        '  wait_active_s: 20',
        '  processes:',
        '    - name: py-app',
        "      match: { cmdline: '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py' }",
        '      settle_s: 3',
        '  compose:',
        '    - { project_dir: /opt/stack, services: [web, db], pull: true }',
        '',
      ].join('\n'),
    });
    const config = await loadConfig(dir);
    expect(effectivePolicy(config, 102).restart).toEqual({
      units: ['a.service'],
      when: 'changed',
      waitActiveMs: 20_000,
      processes: [
        {
          name: 'py-app',
          match: { cmdline: '^/opt/py-app/venv/bin/python /opt/py-app/server\\.py' },
          stopSignal: 'TERM',
          stopTimeoutMs: 30_000,
          waitMs: 20_000,
          settleMs: 3_000,
        },
      ],
      compose: [{ projectDir: '/opt/stack', files: [], services: ['web', 'db'], action: 'recreate', pull: true, waitMs: 20_000 }],
    });
    expect(effectivePolicy(config, 101).restart?.processes?.map((p) => p.name)).toEqual(['other']);
    expect(() => validateHealthPolicy(config, new Map())).not.toThrow();
  });

  it('a restart block with only processes (no units) is a restart; none at all is not', async () => {
    const config = await loadConfig(
      await container('  processes:\n    - { name: app, match: { pidfile: /run/app.pid }, start: [/usr/sbin/appd] }\n'),
    );
    expect(effectivePolicy(config, 102).restart).toMatchObject({ units: [], processes: [{ name: 'app', start: ['/usr/sbin/appd'] }] });
    expect(effectivePolicy(await loadConfig(await container('  when: always\n')), 102).restart).toBeUndefined();
  });

  it.each([
    [
      'a match with two keys',
      '  processes:\n    - { name: app, match: { comm: app, pidfile: /run/app.pid } }\n',
      'restart.processes[0].match',
    ],
    ['a match with no key', '  processes:\n    - { name: app, match: {} }\n', 'restart.processes[0].match'],
    [
      'a pid file path with a shell character',
      "  processes:\n    - { name: app, match: { pidfile: '/run/$(id).pid' } }\n",
      'restart.processes[0].match.pidfile',
    ],
    ['a relative pid file', '  processes:\n    - { name: app, match: { pidfile: run/app.pid } }\n', 'restart.processes[0].match.pidfile'],
    [
      'a process name longer than the kernel keeps',
      '  processes:\n    - { name: app, match: { comm: a-very-long-process-name } }\n',
      'restart.processes[0].match.comm',
    ],
    [
      'a start argument with a line break',
      '  processes:\n    - { name: app, match: { comm: app }, start: ["/usr/sbin/appd", "a\\nb"] }\n',
      'restart.processes[0].start[1]',
    ],
    [
      'an unknown signal',
      '  processes:\n    - { name: app, match: { comm: app }, stop_signal: SIGTERM }\n',
      'restart.processes[0].stop_signal',
    ],
    ['an upper-case process name', '  processes:\n    - { name: App, match: { comm: app } }\n', 'restart.processes[0].name'],
    ['a relative compose project', '  compose:\n    - { project_dir: opt/stack }\n', 'restart.compose[0].project_dir'],
    [
      'a compose service that could be an option',
      '  compose:\n    - { project_dir: /opt/stack, services: [--all] }\n',
      'restart.compose[0].services[0]',
    ],
    ['an unknown compose action', '  compose:\n    - { project_dir: /opt/stack, action: down }\n', 'restart.compose[0].action'],
  ])('the schema refuses %s', async (_what, block, path) => {
    const err = await configError(async () => loadConfig(await container(block)));
    expect(err.problems.map((p) => p.path)).toContain(path);
  });

  it('rules the schema cannot state: unique names and projects, a start command that is a command, a regular expression', async () => {
    const dir = await container(
      [
        '  processes:',
        '    - { name: app, match: { comm: app }, start: [-rf, /] }',
        "    - { name: app, match: { cmdline: '^/usr/bin/(app' } }",
        '  compose:',
        '    - { project_dir: /opt/stack }',
        '    - { project_dir: /opt/stack, action: restart }',
        '',
      ].join('\n'),
    );
    const config = await loadConfig(dir);
    const err = await configError(() => validateHealthPolicy(config, new Map()));
    expect(err.problems.map((p) => `${p.line} ${p.path}: ${p.message}`)).toEqual([
      "3 restart.processes[0].start[0]: '-rf' cannot be a command",
      "4 restart.processes[1].name: process name 'app' is used twice (first at item 1)",
      expect.stringMatching(/^4 restart\.processes\[1\]\.match\.cmdline: not a regular expression: /),
      '7 restart.compose[1].project_dir: project /opt/stack is listed twice (first at item 1)',
    ]);
  });
});

describe('examples/containers/102.yml', () => {
  it('restarts py-app as a process, and its commented compose block is a valid policy too', async () => {
    const text = await readFile(join(REPO_ROOT, 'examples/containers/102.yml'), 'utf8');
    const config = await loadConfig(await configDir({ 'global.yml': '', 'containers/102.yml': text }));
    expect(effectivePolicy(config, 102).restart?.processes).toEqual([expect.objectContaining({ name: 'py-app', settleMs: 3_000 })]);
    // Uncomment `# compose:` and the lines below it: they must load and resolve as documented.
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('  # compose:'));
    expect(at).toBeGreaterThan(0);
    for (let i = at; i < lines.length && lines[i]?.startsWith('  #'); i++) lines[i] = `  ${lines[i]?.slice(4)}`;
    const withCompose = await loadConfig(await configDir({ 'global.yml': '', 'containers/102.yml': lines.join('\n') }));
    expect(restartProblems(withCompose.containers.get(102)?.policy.restart ?? {})).toEqual([]);
    expect(effectivePolicy(withCompose, 102).restart?.compose).toEqual([
      {
        projectDir: '/opt/stack',
        files: ['/opt/stack/compose.yaml', '/opt/stack/compose.prod.yaml'],
        services: ['web', 'worker'],
        action: 'recreate',
        pull: false,
        waitMs: 120_000,
      },
    ]);
  });
});
