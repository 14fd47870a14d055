import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedPaths, parsePathStates, pathChangedError, pathStateArgv } from '../../src/safety/path-guard.js';

// The constant script that reads the guarded paths, run for real: with dash (Debian's /bin/sh)
// and busybox sh (Alpine's), against real files in a temporary directory.
const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'unrot-path-guard-'));
  await writeFile(join(dir, 'app.conf'), 'port 80\n');
  // A name a shell would expand if it ever became script text.
  await writeFile(join(dir, 'odd $(touch pwned) `id` name;|&'), 'x');
  await mkdir(join(dir, 'conf.d'));
  await symlink(join(dir, 'app.conf'), join(dir, 'link'));
  await symlink(join(dir, 'nowhere'), join(dir, 'dangling'));
  await run('mkfifo', [join(dir, 'fifo')]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const sha = (body: string) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

const SHELLS: Array<[string, string[]]> = [
  ['dash', ['/bin/dash']],
  ['busybox sh', ['busybox', 'sh']],
];

describe.each(SHELLS)('PATH_STATE_SCRIPT under %s', (_name, shell) => {
  const states = async (paths: string[], env: NodeJS.ProcessEnv = process.env) => {
    const [, , script, zero, ...args] = pathStateArgv(paths);
    const [cmd, ...pre] = shell as [string, ...string[]];
    return run(cmd, [...pre, '-c', script as string, zero as string, ...args], { env, timeout: 10_000 });
  };

  it('prints one state per path, in order, and never treats a path as shell text', async () => {
    const paths = ['app.conf', 'missing', 'conf.d', 'link', 'dangling', 'fifo', 'odd $(touch pwned) `id` name;|&'].map((p) => join(dir, p));
    const { stdout } = await states(paths);
    expect(parsePathStates(stdout, paths)).toEqual([
      sha('port 80\n'),
      'absent',
      'directory',
      sha('port 80\n'),
      'broken-link',
      'special',
      sha('x'),
    ]);
    await expect(readFile(join(dir, 'pwned'))).rejects.toThrow(/ENOENT/);
  });

  it('sees a change, a creation and a deletion', async () => {
    const f = join(dir, `guarded-${shell.length}`);
    const before = parsePathStates((await states([f])).stdout, [f]);
    await writeFile(f, 'created\n');
    const created = parsePathStates((await states([f])).stdout, [f]);
    await writeFile(f, 'changed\n');
    const changed = parsePathStates((await states([f])).stdout, [f]);
    await rm(f);
    const deleted = parsePathStates((await states([f])).stdout, [f]);
    expect([before, created, changed, deleted]).toEqual([['absent'], [sha('created\n')], [sha('changed\n')], ['absent']]);
  });
});

describe('PATH_STATE_SCRIPT without sha256sum', () => {
  // busybox sh runs its own sha256sum applet whatever PATH says; dash has only what PATH finds.
  it('exits 127 without printing a state (a guard that cannot hash never passes)', async () => {
    const [, , script, zero, ...args] = pathStateArgv([join(dir, 'app.conf')]);
    const error = await run('/bin/dash', ['-c', script as string, zero as string, ...args], { env: { PATH: '/nonexistent' } }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(error).toMatchObject({ code: 127, stdout: '' });
    expect((error as { stderr: string }).stderr).toContain('sha256sum: not found');
  });
});

describe('parsePathStates', () => {
  it('refuses anything but exactly one known state line per path (E_HOST_OUTPUT)', () => {
    expect(() => parsePathStates('absent\n', ['/a', '/b'])).toThrow(/expected 2 state line\(s\), got 1/);
    expect(() => parsePathStates('absent\nabsent\nabsent\n', ['/a', '/b'])).toThrow(/got 3/);
    expect(() => parsePathStates(`sha256:${'0'.repeat(63)}\n`, ['/a'])).toThrow(/line 1 is "sha256:0+"/);
    expect(() => parsePathStates('absent\x1b[2J\n', ['/a'])).toThrow(/E_HOST_OUTPUT|line 1/);
    try {
      parsePathStates('', ['/a']);
    } catch (e) {
      expect(e).toMatchObject({ code: 'E_HOST_OUTPUT' });
    }
  });
});

describe('pathChangedError', () => {
  it('names every changed path with its state before and after', () => {
    const changed = changedPaths([
      { path: '/etc/a', before: 'absent', after: sha('x') },
      { path: '/etc/b', before: sha('y'), after: sha('y') },
      { path: '/etc/c', before: sha('z'), after: 'absent' },
    ]);
    const error = pathChangedError(changed);
    expect(error.code).toBe('E_PATH_CHANGED');
    expect(error.message).toBe(
      `the update changed 2 guarded path(s) (exclusions.paths): /etc/a: absent → ${sha('x')}; /etc/c: ${sha('z')} → absent`,
    );
    expect(error.details).toEqual({
      paths: [
        { path: '/etc/a', before: 'absent', after: sha('x') },
        { path: '/etc/c', before: sha('z'), after: 'absent' },
      ],
    });
  });
});
