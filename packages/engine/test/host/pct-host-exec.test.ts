import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PctHost, pctHostFrom, pctHostSpec } from '../../src/host/index.js';
import { createFakeTools, type FakeTools, q } from './fake-tools.js';
import { FIXTURES } from './fixtures.js';
import { alive } from './process-checks.js';

const f = (name: string) => q(join(FIXTURES, name));
let tools: FakeTools;

beforeEach(() => {
  tools = createFakeTools();
});
afterEach(() => tools.cleanup());

async function waitDead(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !alive(pid);
}

describe('PctHost.exec (stand-in pct on PATH)', () => {
  it('builds pct exec VMID -- argv, always with --', () => {
    expect(new PctHost({ node: 'pve' }).execArgv(101, ['apt-get', '-s', 'upgrade'])).toEqual([
      'pct',
      'exec',
      '101',
      '--',
      'apt-get',
      '-s',
      'upgrade',
    ]);
  });

  it('passes an argv element with shell metacharacters as exactly one argument, unchanged', async () => {
    const out = join(tools.dir, 'argv.bin');
    tools.write('pct', `for a in "$@"; do printf '%s\\0' "$a"; done > ${q(out)}`);
    const nasty = ['echo', 'a; rm -rf / #', '$(reboot)', '`id`', 'two  spaces', 'it\'s "quoted"', '*', '>x', ''];
    const result = await new PctHost({ node: 'pve', path: tools.path }).exec(101, nasty, { timeoutMs: 10_000 });
    expect(result.exitCode).toBe(0);
    const received = readFileSync(out, 'utf8').split('\0').slice(0, -1);
    expect(received).toEqual(['exec', '101', '--', ...nasty]);
  });

  it('returns stdout, stderr, the exit code and a duration, and feeds input on stdin', async () => {
    // This stand-in runs the command on this machine, as lxc-attach would inside the container.
    tools.write('pct', '[ "$1 $2 $3" = "exec 101 --" ] || exit 2\nshift 3\nexec "$@"');
    const host = new PctHost({ node: 'pve', path: tools.path });
    const result = await host.exec(101, ['cat'], { timeoutMs: 10_000, input: 'line 1\nline 2\n' });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'line 1\nline 2\n', stderr: '' });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const failing = await host.exec(101, ['ls', '/nonexistent-unrot-path'], { timeoutMs: 10_000 });
    expect(failing.exitCode).toBe(2);
    expect(failing.stderr).toContain('/nonexistent-unrot-path');
  });

  it('gives the command a minimal environment: nothing of unrot’s own environment leaks in', async () => {
    tools.write('pct', 'shift 3\nexec "$@"');
    const envOf = (stdout: string) =>
      Object.fromEntries(
        stdout
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    process.env['UNROT_TEST_SECRET'] = 'hunter2';
    process.env['UNROT_SANDBOX_ROOT'] = '/tmp/sandbox-root';
    try {
      const result = await new PctHost({ node: 'pve', path: tools.path }).exec(101, ['env'], { timeoutMs: 10_000 });
      const env = envOf(result.stdout);
      expect(env).toMatchObject({ PATH: tools.path, HOME: '/root', LANG: 'C', LC_ALL: 'C' });
      expect(result.stdout).not.toContain('hunter2');
      // Not even the sandbox's variables, unless the host spec allows them (UNROT_HOST_TOOL_ENV).
      expect(result.stdout).not.toContain('UNROT_SANDBOX_ROOT');
      // sh itself may export PWD; nothing else beyond what hostToolEnv sets.
      const allowed = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'PWD'];
      expect(Object.keys(env).filter((k) => !allowed.includes(k))).toEqual([]);

      // Allowed by name pattern: exactly the allowed variables are passed, nothing else.
      const spec = pctHostSpec('pve', { ...process.env, UNROT_HOST_TOOL_ENV: 'UNROT_SANDBOX_*', PATH: tools.path });
      expect(spec).toEqual({ kind: 'pct', node: 'pve', env: { UNROT_SANDBOX_ROOT: '/tmp/sandbox-root' } });
      const allowedRun = await pctHostFrom({ ...spec, path: tools.path }).exec(101, ['env'], {
        timeoutMs: 10_000,
      });
      const passed = envOf(allowedRun.stdout);
      expect(passed).toMatchObject({ UNROT_SANDBOX_ROOT: '/tmp/sandbox-root' });
      expect(Object.keys(passed).filter((k) => ![...allowed, 'UNROT_SANDBOX_ROOT'].includes(k))).toEqual([]);
    } finally {
      delete process.env['UNROT_TEST_SECRET'];
      delete process.env['UNROT_SANDBOX_ROOT'];
    }
  });

  it('returns exit codes 127 and 126 from lxc-attach with its Failed to exec text, and a command’s own 255', async () => {
    tools.write(
      'pct',
      `case "$4" in
  foo) cat ${f('pct-err-exec-enoent-101.txt')} >&2; exit 127;;
  /etc/passwd) cat ${f('pct-err-exec-eacces-101.txt')} >&2; exit 126;;
  fail255) echo "E: something inside failed" >&2; exit 255;;
esac
exit 9`,
    );
    const host = new PctHost({ node: 'pve', path: tools.path });
    const notFound = await host.exec(101, ['foo'], { timeoutMs: 10_000 });
    expect(notFound.exitCode).toBe(127);
    expect(notFound.stderr).toContain('Failed to exec "foo"');
    const notExecutable = await host.exec(101, ['/etc/passwd'], { timeoutMs: 10_000 });
    expect(notExecutable.exitCode).toBe(126);
    expect(notExecutable.stderr).toContain('Failed to exec "/etc/passwd"');
    const own255 = await host.exec(101, ['fail255'], { timeoutMs: 10_000 });
    expect(own255).toMatchObject({ exitCode: 255, stderr: 'E: something inside failed\n' });
  });

  it('throws E_CT_NOT_FOUND for a container listed by pvesh but gone by the time of exec', async () => {
    tools.write('pvesh', `cat ${f('pvesh-lxc-vmid-int.json')}`);
    tools.write(
      'pct',
      `case "$1" in
  config) cat ${f('pct-config-privileged.txt')};;
  exec) cat ${f('pct-err-config-missing-101.txt')} >&2; exit 255;;
esac`,
    );
    const host = new PctHost({ node: 'pve', path: tools.path });
    expect((await host.listContainers()).map((c) => c.vmid)).toEqual([101]);
    await expect(host.exec(101, ['apt-get', 'update'], { timeoutMs: 10_000 })).rejects.toMatchObject({
      code: 'E_CT_NOT_FOUND',
      details: { vmid: 101, exitCode: 255 },
    });
  });

  it('throws E_CT_NOT_RUNNING for a stopped container', async () => {
    tools.write('pct', `cat ${f('pct-err-not-running-101.txt')} >&2; exit 255`);
    await expect(new PctHost({ node: 'pve', path: tools.path }).exec(101, ['true'], { timeoutMs: 10_000 })).rejects.toMatchObject({
      code: 'E_CT_NOT_RUNNING',
    });
  });

  it('throws E_CT_NOT_RUNNING when the container stopped between pct’s check and lxc-attach', async () => {
    tools.write('pct', `cat ${f('lxc-attach-stopped-101.txt')} >&2; exit 1`);
    const host = new PctHost({ node: 'pve', path: tools.path });
    await expect(host.exec(101, ['true'], { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'E_CT_NOT_RUNNING' });
    // The same lines for another VMID, or among the command's own output, are the command's result.
    tools.write('pct', `echo "E: apt says" >&2; cat ${f('lxc-attach-stopped-101.txt')} >&2; exit 1`);
    expect((await host.exec(101, ['true'], { timeoutMs: 10_000 })).exitCode).toBe(1);
    await expect(host.exec(102, ['true'], { timeoutMs: 10_000 })).resolves.toMatchObject({ exitCode: 1 });
  });

  it('on timeout kills pct and its children and throws E_EXEC_TIMEOUT', async () => {
    const pidFile = join(tools.dir, 'child.pid');
    tools.write('pct', `sleep 30 &\necho $! > ${q(pidFile)}\nwait $!`);
    const started = Date.now();
    await expect(new PctHost({ node: 'pve', path: tools.path }).exec(101, ['sleep', '30'], { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'E_EXEC_TIMEOUT',
    });
    expect(Date.now() - started).toBeLessThan(5000);
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(await waitDead(child, 2000)).toBe(true);
  });

  it('SIGKILLs children that ignore SIGTERM after the grace period', async () => {
    const pidFile = join(tools.dir, 'child.pid');
    tools.write('pct', `trap '' TERM\nsleep 30 &\necho $! > ${q(pidFile)}\nwait $!\nwait $!`);
    const host = new PctHost({ node: 'pve', path: tools.path, killGraceMs: 300 });
    const started = Date.now();
    await expect(host.exec(101, ['x'], { timeoutMs: 300 })).rejects.toMatchObject({ code: 'E_EXEC_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await waitDead(Number(readFileSync(pidFile, 'utf8')), 2000)).toBe(true);
  });

  it('on abort kills pct and throws E_EXEC_ABORTED; an already aborted signal runs nothing', async () => {
    const ran = join(tools.dir, 'ran');
    tools.write('pct', `touch ${q(ran)}\nexec sleep 30`);
    const host = new PctHost({ node: 'pve', path: tools.path });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await expect(host.exec(101, ['sleep', '30'], { timeoutMs: 60_000, signal: controller.signal })).rejects.toMatchObject({
      code: 'E_EXEC_ABORTED',
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(existsSync(ran)).toBe(true);

    tools.write('pct', `touch ${q(`${ran}2`)}`);
    await expect(host.exec(101, ['true'], { timeoutMs: 60_000, signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'E_EXEC_ABORTED',
    });
    expect(existsSync(`${ran}2`)).toBe(false);
  });

  it('throws E_EXEC_SPAWN when pct is not on PATH', async () => {
    const host = new PctHost({ node: 'pve', path: tools.dir });
    await expect(host.exec(101, ['true'], { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'E_EXEC_SPAWN' });
    await expect(host.listContainers()).rejects.toMatchObject({ code: 'E_EXEC_SPAWN' });
  });

  it('caps stdout at maxOutputBytes and says so, while the command runs to its end', async () => {
    tools.write('pct', 'shift 3\nexec "$@"');
    const host = new PctHost({ node: 'pve', path: tools.path, maxOutputBytes: 1024 * 1024 });
    const result = await host.exec(101, ['head', '-c', '3000000', '/dev/zero'], { timeoutMs: 10_000 });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.length).toBe(1024 * 1024);
    expect(result.truncated).toBe(true);
  });

  it('returns when pct exits even if a daemonised grandchild keeps the output pipe open', async () => {
    const pidFile = join(tools.dir, 'daemon.pid');
    tools.write('pct', `sleep 30 &\necho $! > ${q(pidFile)}\necho started\nexit 0`);
    const host = new PctHost({ node: 'pve', path: tools.path, drainMs: 200 });
    const started = Date.now();
    try {
      const result = await host.exec(101, ['service', 'foo', 'start'], { timeoutMs: 20_000 });
      expect(result).toMatchObject({ exitCode: 0, stdout: 'started\n' });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    }
  });
});
