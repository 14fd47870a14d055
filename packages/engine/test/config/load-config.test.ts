import { join } from 'node:path';
import { isUnrotError } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { type ConfigProblem, loadConfig } from '../../src/config/index.js';
import { configDir, configError } from './helpers.js';

/** Finds the one problem about `path` (and file suffix) so assertions name what they check. */
function problem(problems: ConfigProblem[], fileSuffix: string, path: string): ConfigProblem {
  const found = problems.filter((p) => p.file.endsWith(fileSuffix) && p.path === path);
  expect(found, `problems: ${JSON.stringify(problems, null, 2)}`).toHaveLength(1);
  return found[0]!;
}

describe('loadConfig: good configurations', () => {
  it('reads global.yml and every containers/<CTID>.yml', async () => {
    const dir = await configDir({
      'global.yml': 'max_concurrency: 4\ndefaults:\n  retries: 2\n  runners:\n    os: apt\nexclusions:\n  packages: [linux-image-*]\n',
      'containers/101.yml': 'runners:\n  npm:\n    projects: [/opt/web-app]\n',
      'containers/102.yaml': 'enabled: false\n',
    });
    const config = await loadConfig(dir);
    expect(config.dir).toBe(dir);
    expect(config.globalFile).toBe(join(dir, 'global.yml'));
    expect(config.global).toEqual({
      max_concurrency: 4,
      defaults: { retries: 2, runners: { os: 'apt' } },
      exclusions: { packages: ['linux-image-*'] },
    });
    expect([...config.containers.keys()].sort()).toEqual([101, 102]);
    expect(config.containers.get(101)).toEqual({
      file: join(dir, 'containers/101.yml'),
      policy: { runners: { npm: { projects: ['/opt/web-app'] } } },
    });
    expect(config.containers.get(102)?.policy).toEqual({ enabled: false });
  });

  it('treats an empty global.yml, or one with only comments, as all defaults', async () => {
    for (const text of ['', '\n\n', '# nothing set yet\n']) {
      const config = await loadConfig(await configDir({ 'global.yml': text }));
      expect(config.global).toEqual({});
      expect(config.containers.size).toBe(0);
    }
  });

  it('accepts global.yaml too', async () => {
    const dir = await configDir({ 'global.yaml': 'max_concurrency: 3\n' });
    const config = await loadConfig(dir);
    expect(config.globalFile).toBe(join(dir, 'global.yaml'));
    expect(config.global.max_concurrency).toBe(3);
  });

  it('ignores editor and package-manager leftovers and non-YAML files in containers/', async () => {
    const dir = await configDir({
      'global.yml': '',
      'containers/101.yml': 'retries: 0\n',
      'containers/README': 'notes: these are not YAML policies',
      'containers/101.yml.bak': 'this: [is not, even: valid',
      'containers/101.yml~': 'bogus_key: 1',
      'containers/.101.yml.swp': '\u0000binary',
      'containers/.#101.yml': 'lock',
      'containers/101.yml.dpkg-old': 'retries: 99',
      'containers/old/103.yml': 'retries: 99',
    });
    const config = await loadConfig(dir);
    expect([...config.containers.keys()]).toEqual([101]);
  });

  it('locate() points at keys and values for errors raised later', async () => {
    const dir = await configDir({
      'global.yml': '',
      'containers/101.yml': 'runners:\n  npm:\n    projects:\n      - /opt/a\n      - /opt/b\n',
    });
    const config = await loadConfig(dir);
    const file = join(dir, 'containers/101.yml');
    expect(config.locate(file, ['runners', 'npm', 'projects', 1])).toEqual({ line: 5, column: 9 });
    expect(config.locate(file, ['runners', 'npm'], { key: true })).toEqual({ line: 2, column: 3 });
    expect(config.locate(file, ['runners', 'npm'])).toEqual({ line: 3, column: 5 });
    // a path that does not exist falls back to its nearest parent
    expect(config.locate(file, ['runners', 'pip', 'venvs'])).toEqual({ line: 2, column: 3 });
    expect(config.locate(join(dir, 'nope.yml'), ['x'])).toBeUndefined();
  });
});

describe('loadConfig: the config directory itself', () => {
  it('fails with E_CONFIG "no global.yml in DIR" when global.yml is missing', async () => {
    const dir = await configDir({ 'containers/101.yml': 'retries: 1\n' });
    const err = await configError(() => loadConfig(dir));
    expect(isUnrotError(err) && err.code).toBe('E_CONFIG');
    expect(err.message).toContain(`no global.yml in ${dir}`);
    expect(err.problems).toEqual([
      {
        file: join(dir, 'global.yml'),
        path: '',
        message: 'file not found',
        expected: 'a global.yml (it may be empty to use all defaults)',
      },
    ]);
  });

  it('fails with E_CONFIG when the directory does not exist or is a file', async () => {
    const dir = await configDir({ 'global.yml': '' });
    const missing = await configError(() => loadConfig(join(dir, 'nope')));
    expect(missing.code).toBe('E_CONFIG');
    expect(missing.message).toContain(`${join(dir, 'nope')}: config directory does not exist`);
    const file = await configError(() => loadConfig(join(dir, 'global.yml')));
    expect(file.message).toContain('is not a directory');
  });

  it('says why an existing global.yml cannot be read instead of calling it missing', async () => {
    const dir = await configDir({ 'global.yml/keep': '' });
    const err = await configError(() => loadConfig(dir));
    expect(err.problems).toEqual([
      { file: join(dir, 'global.yml'), path: '', message: 'cannot be read: it is a directory', expected: 'a readable YAML file' },
    ]);
  });

  it('refuses global.yml and global.yaml side by side', async () => {
    const err = await configError(async () => loadConfig(await configDir({ 'global.yml': '', 'global.yaml': '' })));
    expect(err.problems[0]).toMatchObject({ message: 'both global.yml and global.yaml exist' });
  });
});

describe('loadConfig: every problem with file, line, column, key path and what was expected', () => {
  it('reports YAML syntax errors with the parser position', async () => {
    const dir = await configDir({ 'global.yml': 'defaults:\n  retries: [1, 2\n', 'containers/101.yml': 'enabled: true\n  retries: 1\n' });
    const err = await configError(() => loadConfig(dir));
    const g = problem(err.problems, 'global.yml', '');
    expect(g.message).toMatch(/^YAML syntax error: /);
    expect(g.line).toBe(3);
    const c = problem(err.problems, '101.yml', '');
    expect(c).toMatchObject({ line: 1, column: 10, message: 'YAML syntax error: Nested mappings are not allowed in compact mappings' });
  });

  it('reports duplicate keys at the second occurrence, and still validates the rest of the file', async () => {
    const dir = await configDir({ 'global.yml': 'max_concurrency: 2\ndefaults:\n  retries: 1\n  retries: 2\nbogus: 1\n' });
    const err = await configError(() => loadConfig(dir));
    expect(err.problems).toEqual([
      {
        file: join(dir, 'global.yml'),
        line: 4,
        column: 3,
        path: '',
        message: "duplicate key 'retries'",
        expected: 'each key at most once per mapping',
      },
      {
        file: join(dir, 'global.yml'),
        line: 5,
        column: 1,
        path: 'bogus',
        message: "unknown key 'bogus'",
        expected:
          'one of: max_concurrency, concurrency, node, state_dir, host, defaults, targets, exclusions, maintenance, notifications, secrets_files, prometheus_textfile, kill_switch_file, jitter_ms, max_starts_per_minute, max_runtime, preflight, command_allowlist, rollout',
      },
    ]);
  });

  it('reports unknown keys at any depth, pointing at the key, with a suggestion', async () => {
    const dir = await configDir({
      'global.yml': 'max_concurency: 2\ndefaults:\n  timeouts:\n    aply: 10\n',
      'containers/101.yml': 'exclusions:\n  package: [foo]\n',
    });
    const err = await configError(() => loadConfig(dir));
    expect(problem(err.problems, 'global.yml', 'max_concurency')).toMatchObject({
      line: 1,
      column: 1,
      message: "unknown key 'max_concurency' (did you mean 'max_concurrency'?)",
    });
    expect(problem(err.problems, 'global.yml', 'defaults.timeouts.aply')).toMatchObject({
      line: 4,
      column: 5,
      message: "unknown key 'aply' (did you mean 'apply'?)",
      expected: 'one of: preflight, detect, check, plan, apply, backup, verify, rollback',
    });
    expect(problem(err.problems, '101.yml', 'exclusions.package')).toMatchObject({
      line: 2,
      column: 3,
      expected: 'one of: packages, paths, services',
    });
  });

  it('reports wrong types and out-of-range numbers with the allowed range', async () => {
    const dir = await configDir({
      'global.yml': 'max_concurrency: "4"\ndefaults:\n  timeouts: { apply: 0, check: 1.5 }\n  retries: 11\n',
      'containers/101.yml': 'enabled: yes\ntimeouts: 30\n',
    });
    const err = await configError(() => loadConfig(dir));
    expect(problem(err.problems, 'global.yml', 'max_concurrency')).toMatchObject({
      line: 1,
      column: 18,
      message: "wrong value: the string '4'",
      expected: 'an integer from 1 to 64',
    });
    expect(problem(err.problems, 'global.yml', 'defaults.timeouts.apply')).toMatchObject({
      line: 3,
      column: 22,
      message: '0 is out of range',
      expected: 'an integer from 1 to 86400',
    });
    expect(problem(err.problems, 'global.yml', 'defaults.timeouts.check')).toMatchObject({ message: 'wrong value: the number 1.5' });
    expect(problem(err.problems, 'global.yml', 'defaults.retries')).toMatchObject({
      line: 4,
      message: '11 is out of range',
      expected: 'an integer from 0 to 10',
    });
    expect(problem(err.problems, '101.yml', 'enabled')).toMatchObject({
      line: 1,
      column: 10,
      message: "wrong value: the string 'yes'; YAML 1.2 reads it as text, write true or false",
      expected: 'true or false',
    });
    expect(problem(err.problems, '101.yml', 'timeouts')).toMatchObject({
      line: 2,
      message: 'wrong value: the integer 30',
      expected: 'a mapping',
    });
  });

  it('points into flow mappings, at numeric keys, and through YAML anchors', async () => {
    const dir = await configDir({
      'global.yml': 'defaults:\n  timeouts: &t { check: 10, aply: 5 }\n',
      'containers/101.yml': '101: true\nexclusions: { packages: [ok, "no way"] }\n',
    });
    const err = await configError(() => loadConfig(dir));
    expect(problem(err.problems, 'global.yml', 'defaults.timeouts.aply')).toMatchObject({ line: 2, column: 29 });
    expect(problem(err.problems, '101.yml', '101')).toMatchObject({ line: 1, column: 1, message: "unknown key '101'" });
    expect(problem(err.problems, '101.yml', 'exclusions.packages[1]')).toMatchObject({ line: 2, column: 30 });
    expect(err.toJSON()).toMatchObject({ code: 'E_CONFIG', details: { problems: err.problems } });
  });

  it('collapses a union into one "expected one of …"', async () => {
    const dir = await configDir({ 'global.yml': 'defaults:\n  backup:\n    mode: snap\n' });
    const err = await configError(() => loadConfig(dir));
    expect(err.problems).toEqual([
      {
        file: join(dir, 'global.yml'),
        line: 3,
        column: 11,
        path: 'defaults.backup.mode',
        message: "wrong value: the string 'snap'",
        expected: 'one of: snapshot, vzdump, none',
      },
    ]);
  });

  it('says how to enable a runner when its value is not a mapping', async () => {
    const dir = await configDir({ 'global.yml': '', 'containers/101.yml': 'runners:\n  npm:\n' });
    const err = await configError(() => loadConfig(dir));
    expect(problem(err.problems, '101.yml', 'runners.npm')).toMatchObject({
      line: 2,
      message: 'wrong value: nothing (null)',
      expected: "a mapping of npm options; write 'npm: {}' to enable it with defaults",
    });
  });

  it('rejects a file that is not a mapping', async () => {
    const dir = await configDir({ 'global.yml': '- max_concurrency: 2\n', 'containers/101.yml': 'just text\n' });
    const err = await configError(() => loadConfig(dir));
    expect(problem(err.problems, 'global.yml', '')).toMatchObject({
      line: 1,
      column: 1,
      message: 'the file must hold a mapping of keys, not a list',
      expected: 'a mapping',
    });
    expect(problem(err.problems, '101.yml', '')).toMatchObject({
      // the content is not quoted: a stray (or linked) file may hold anything
      message: 'the file must hold a mapping of keys, not text',
    });
  });

  it('rejects package names and exclusions with shell metacharacters, saying why', async () => {
    const dir = await configDir({
      'global.yml': 'exclusions:\n  packages:\n    - nginx\n    - "foo;rm -rf /"\n    - "$(reboot)"\n    - "`id`"\n    - "two words"\n',
    });
    const err = await configError(() => loadConfig(dir));
    const expected = 'a package name: letters, digits and @ . _ + / * : - only, starting with a letter, digit or @, at most 214 characters';
    expect(problem(err.problems, 'global.yml', 'exclusions.packages[1]')).toEqual({
      file: join(dir, 'global.yml'),
      line: 4,
      column: 7,
      path: 'exclusions.packages[1]',
      message:
        "'foo;rm -rf /' contains ';', a space: names are passed to package managers as arguments, so shell characters and spaces are refused",
      expected,
    });
    expect(problem(err.problems, 'global.yml', 'exclusions.packages[2]')).toMatchObject({
      line: 5,
      message: expect.stringContaining("'$(reboot)' contains '$', '(', ')'"),
    });
    expect(problem(err.problems, 'global.yml', 'exclusions.packages[3]')).toMatchObject({
      line: 6,
      message: expect.stringContaining('contains a backtick'),
    });
    expect(problem(err.problems, 'global.yml', 'exclusions.packages[4]')).toMatchObject({
      line: 7,
      message: expect.stringContaining('contains a space'),
    });
    expect(err.problems).toHaveLength(4);
  });

  it('rejects container files not named <CTID>.yml, but only if they look like YAML', async () => {
    const dir = await configDir({
      'global.yml': '',
      'containers/abc.yml': '',
      'containers/10l.yml': '',
      'containers/99.yml': '',
      'containers/1000000000.yml': '',
      'containers/0101.yml': '',
      'containers/101.yml': '',
      'containers/101.yaml': '',
      'containers/102.yml': '',
      'containers/103.YML': '',
    });
    const err = await configError(() => loadConfig(dir));
    const byName = (name: string) => err.problems.find((p) => p.file === join(dir, 'containers', name));
    // abc.yml is a group file (its name starts with a letter); empty, it lacks selectors:
    expect(byName('abc.yml')).toMatchObject({ path: 'selectors', message: expect.stringContaining('needs selectors:') });
    expect(byName('10l.yml')?.expected).toContain('<CTID>.yml with CTID a whole number from 100 to 999999999');
    expect(byName('10l.yml')?.expected).toContain('or a group file <name>.yml with a name starting with a letter');
    expect(byName('10l.yml')).toMatchObject({ message: "'10l.yml' is not named after a container ID" });
    expect(byName('0101.yml')).toMatchObject({ message: "'0101.yml' is not named after a container ID" });
    expect(byName('99.yml')).toMatchObject({ message: 'container ID 99 is out of range' });
    expect(byName('1000000000.yml')).toMatchObject({ message: 'container ID 1000000000 is out of range' });
    expect(byName('101.yml')).toMatchObject({ message: `container 101 has two policy files (also ${join(dir, 'containers/101.yaml')})` });
    expect(byName('103.YML')).toMatchObject({ message: "'103.YML' has an upper-case extension", expected: '103.yml' });
    expect(err.problems).toHaveLength(7);
    expect(err.message).toContain(
      `${join(dir, 'containers/10l.yml')}: '10l.yml' is not named after a container ID (expected a file name <CTID>.yml`,
    );
  });

  it('collects every problem of every file in one error, in a stable order, one line each', async () => {
    const dir = await configDir({
      'global.yml': 'max_concurrency: 0\nnode: "bad node"\nstate_dir: relative/dir\ntargets:\n  tags: ["a b"]\n  deny: [5]\n',
      'containers/101.yml': 'retries: -1\n',
      'containers/202.yml': 'whatever: 1\n',
      'containers/x.yml': '',
    });
    const err = await configError(() => loadConfig(dir));
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('invalid configuration (8 problems)');
    expect(lines.slice(1)).toEqual([
      `  ${dir}/containers/101.yml:1:10 retries: -1 is out of range (expected an integer from 0 to 10)`,
      `  ${dir}/containers/202.yml:1:1 whatever: unknown key 'whatever' (expected one of: enabled, risk, runners, runner_limits, backup, rollback, health_checks, restart, pre_update, post_update, on_rollback, on_failure, allow_unlisted_commands, exclusions, timeouts, retries)`,
      `  ${dir}/containers/x.yml:1:1 selectors: 'x' is not a container ID, so this is a group file and needs selectors: to say which containers it applies to (expected selectors: with tags, names or ids (or rename the file to <CTID>.yml))`,
      `  ${dir}/global.yml:1:18 max_concurrency: 0 is out of range (expected an integer from 1 to 64)`,
      `  ${dir}/global.yml:2:7 node: 'bad node' is not allowed here (expected a host name: letters, digits, . and -, at most 64 characters)`,
      `  ${dir}/global.yml:3:12 state_dir: 'relative/dir' is not allowed here (expected an absolute path, starting with /, at most 4096 characters)`,
      `  ${dir}/global.yml:5:10 targets.tags[0]: 'a b' is not allowed here (expected a Proxmox tag: letters, digits and _ + . - only, at most 128 characters)`,
      `  ${dir}/global.yml:6:10 targets.deny[0]: 5 is out of range (expected an integer from 100 to 999999999)`,
    ]);
  });
});
