// Attacks on the policy files unrot (root) reads from /etc/unrot. Each test names what today's
// code (before this change) did.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/engine/src/config/load-config.js';
import { configError, tree } from './config-tree.js';

const bin = join(import.meta.dirname, '../../packages/cli/bin/run.js');
const SECRET = 'SECRETHASH0123456789abcdef';
const SHADOW = `root:$y$j9T$${SECRET}:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n`;

/** A file of secrets outside the config directory, like /etc/shadow. */
function secretsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-sec-shadow-'));
  writeFileSync(join(dir, 'shadow'), SHADOW, { mode: 0o640 });
  return join(dir, 'shadow');
}

function validate(dir: string, ...flags: string[]) {
  const r = spawnSync(process.execPath, [bin, 'validate', '--config', dir, ...flags], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('config files: links out of the config directory', () => {
  // Today: containers/102.yml → /etc/shadow was read and the error quoted the hash line
  // ("the file must hold a mapping of keys, not the string 'root:$y$…'").
  it('a container file linked to a file of secrets is refused, naming the file and the link target, showing none of it', async () => {
    const shadow = secretsFile();
    const dir = tree({ 'global.yml': '' });
    mkdirSync(join(dir, 'containers'));
    symlinkSync(shadow, join(dir, 'containers', '102.yml'));
    const err = await configError(dir);
    expect(err.problems).toEqual([
      {
        file: join(dir, 'containers', '102.yml'),
        path: '',
        message: expect.stringContaining(`is a symbolic link to ${shadow}, outside the config directory`),
      },
    ]);
    expect(err.message).not.toContain(SECRET);
    const cli = validate(dir);
    expect(cli.code).toBe(2);
    expect(cli.out).toContain('102.yml');
    expect(cli.out).not.toContain(SECRET);
    expect(validate(dir, '--json').out).not.toContain(SECRET);
  });

  // Today: a linked global.yml was followed like any file.
  it('global.yml and a containers/ directory linked out of the config directory are refused too', async () => {
    const outside = tree({ 'global.yml': 'max_concurrency: 2\n', 'containers/101.yml': '' });
    const dir = tree({});
    symlinkSync(join(outside, 'global.yml'), join(dir, 'global.yml'));
    expect((await configError(dir)).problems[0]?.message).toContain('outside the config directory');
    const dir2 = tree({ 'global.yml': '' });
    symlinkSync(join(outside, 'containers'), join(dir2, 'containers'));
    expect((await configError(dir2)).problems[0]).toMatchObject({
      file: join(dir2, 'containers', '101.yml'),
      message: expect.stringContaining('outside the config directory'),
    });
  });

  it('a link that stays inside the config directory is still fine', async () => {
    const dir = tree({ 'global.yml': '', 'shared/web.yml': 'enabled: true\n' });
    mkdirSync(join(dir, 'containers'));
    symlinkSync('../shared/web.yml', join(dir, 'containers', '101.yml'));
    const config = await loadConfig(dir);
    expect(config.containers.get(101)?.policy).toEqual({ enabled: true });
  });
});

describe('config files: errors quote no content beyond the offending key', () => {
  // Today: what the parser read went into the message: `YAML could not be read: Unresolved alias
  // (…): <name>` for an alias, `Unexpected scalar token in YAML stream: "<text>"` for a stray token.
  it('a YAML error gives file:line:column and what is wrong, not the text of the file', async () => {
    const dir = tree({ 'global.yml': `password: *${SECRET}\n`, 'containers/101.yml': `"a" : 1\n]x\n${SECRET}\n` });
    const err = await configError(dir);
    expect(err.problems.map((p) => p.message)).toEqual([
      'YAML syntax error: Unexpected flow-seq-end token in YAML stream',
      'YAML could not be read: Unresolved alias (the anchor must be set before the alias)',
    ]);
    expect(err.problems[0]).toMatchObject({ file: join(dir, 'containers', '101.yml'), line: 2, column: 1 });
    expect(err.message).not.toContain(SECRET);
  });

  // Today: a file that is not a mapping was quoted (first 57 characters) in the error, e.g. a
  // private key copied or hard-linked in by mistake.
  it('a file that is not a policy at all is named, not quoted', async () => {
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${SECRET}\n-----END OPENSSH PRIVATE KEY-----\n`;
    const dir = tree({ 'global.yml': '', 'containers/101.yml': key });
    const err = await configError(dir);
    expect(err.problems[0]?.message).toBe('the file must hold a mapping of keys, not text');
    expect(err.message).not.toContain(SECRET);
  });
});

describe('config files: owner and mode, as sudo and sshd check them', () => {
  // Today: a world-writable global.yml was accepted silently: any local user could add hooks run as root.
  it('a group- or world-writable global.yml is refused with the fix', async () => {
    const dir = tree({ 'global.yml': '' });
    chmodSync(join(dir, 'global.yml'), 0o666);
    const err = await configError(dir);
    expect(err.problems).toEqual([
      {
        file: join(dir, 'global.yml'),
        path: '',
        message: expect.stringMatching(/^config file has mode 0666: .*\(chmod go-w .*global\.yml\)$/),
      },
    ]);
    chmodSync(join(dir, 'global.yml'), 0o664);
    expect((await configError(dir)).problems[0]?.message).toContain('mode 0664');
  });

  // Today: a group-writable containers/ let anyone in the group drop a policy in.
  it('a group- or world-writable config directory or containers/ is refused, even when empty', async () => {
    const dir = tree({ 'global.yml': '' });
    mkdirSync(join(dir, 'containers'));
    chmodSync(join(dir, 'containers'), 0o775);
    const err = await configError(dir);
    expect(err.problems).toEqual([
      expect.objectContaining({
        file: join(dir, 'containers'),
        message: expect.stringMatching(/^config directory has mode 0775: .*\(chmod go-w .*containers\)$/),
      }),
    ]);
    const dir2 = tree({ 'global.yml': '' });
    chmodSync(dir2, 0o777);
    expect((await configError(dir2)).problems[0]).toMatchObject({ file: dir2, message: expect.stringContaining('mode 0777') });
  });

  // Today: a policy owned by an unprivileged user was trusted. (The suite runs as root, as unrot does.)
});
