import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PctHost } from '../../src/host/index.js';
import { alive } from './process-checks.js';
import { createRealLxc, pidsWith, type RealLxc } from './real-lxc.js';

// Runs PctHost.exec into a real LXC container through real lxc-attach (LXC 5.0.2 here), so exit
// codes, lxc-attach's own messages and what a timeout does to the process inside are real.
let ct: RealLxc;
let host: PctHost;
const vmid = 100 + (process.pid % 800_000);

beforeAll(() => {
  ct = createRealLxc(vmid);
  host = new PctHost({ node: 'pve', path: ct.tools.path, killGraceMs: 500 });
});
afterAll(() => ct?.destroy());

async function gone(pids: number[], ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pids.every((pid) => pidsWith(String(pid)).length === 0 && !alive(pid))) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe('PctHost.exec into a real LXC container', () => {
  it('runs the command inside the container and returns its output and exit code', async () => {
    const result = await host.exec(vmid, ['uname', '-n'], { timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'unrot-host-test\n' });
    const init = await host.exec(vmid, ['cat', '/proc/1/cmdline'], { timeoutMs: 10_000 });
    expect(init.stdout.split('\0')[0]).toBe('/usr/bin/sleep');
  });

  it('passes metacharacter-laden argv elements unchanged through pct and lxc-attach', async () => {
    const nasty = ['a; rm -rf / #', '$(reboot)', '`id`', 'two  spaces', '*', ''];
    const result = await host.exec(vmid, ['printf', '%s\\0', ...nasty], { timeoutMs: 10_000 });
    expect(result.stdout.split('\0').slice(0, -1)).toEqual(nasty);
  });

  it('runs the command in / whatever unrot’s working directory is', async () => {
    expect((await host.exec(vmid, ['pwd'], { timeoutMs: 10_000 })).stdout).toBe('/\n');
  });

  it('feeds input on stdin', async () => {
    const result = await host.exec(vmid, ['wc', '-l'], { timeoutMs: 10_000, input: 'a\nb\nc\n' });
    expect(result.stdout.trim()).toBe('3');
  });

  it('returns lxc-attach’s 127 and 126 with its Failed to exec message, a command’s own 255, and 128+9 for SIGKILL', async () => {
    const missing = await host.exec(vmid, ['no-such-command-unrot'], { timeoutMs: 10_000 });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(
      /^lxc-attach: \d+: .*lxc_attach_run_command: \d+ No such file or directory - Failed to exec "no-such-command-unrot"\n$/,
    );
    writeFileSync(join(ct.rootfs, 'tmp', 'not-exec.sh'), 'echo hi\n');
    chmodSync(join(ct.rootfs, 'tmp', 'not-exec.sh'), 0o644);
    const notExec = await host.exec(vmid, ['/tmp/not-exec.sh'], { timeoutMs: 10_000 });
    expect(notExec.exitCode).toBe(126);
    expect(notExec.stderr).toMatch(/Permission denied - Failed to exec "\/tmp\/not-exec.sh"/);
    expect((await host.exec(vmid, ['sh', '-c', 'exit 255'], { timeoutMs: 10_000 })).exitCode).toBe(255);
    expect((await host.exec(vmid, ['sh', '-c', 'kill -9 $$'], { timeoutMs: 10_000 })).exitCode).toBe(137);
  });

  it('gives the command PVE’s PATH, LANG/LC_ALL=C and nothing secret from unrot’s environment', async () => {
    process.env['UNROT_TEST_TOKEN'] = 'secret-token';
    try {
      const result = await host.exec(vmid, ['env'], { timeoutMs: 10_000 });
      // The sh stand-in exports PWD (dash does); the real pct is Perl and does not.
      const lines = result.stdout
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('PWD='))
        .sort();
      expect(lines).toEqual(['HOME=/root', 'LANG=C', 'LC_ALL=C', 'PATH=/sbin:/bin:/usr/sbin:/usr/bin', 'container=lxc']);
    } finally {
      delete process.env['UNROT_TEST_TOKEN'];
    }
  });

  it('on timeout kills the command inside the container too (it shares pct’s process group)', async () => {
    const marker = `977.${process.pid}`;
    await expect(host.exec(vmid, ['sleep', marker], { timeoutMs: 500 })).rejects.toMatchObject({ code: 'E_EXEC_TIMEOUT' });
    expect(await gone(pidsWith('sleep', marker), 3000)).toBe(true);
    expect(pidsWith('sleep', marker)).toEqual([]);
  });

  it('on abort kills the command inside the container too', async () => {
    const marker = `978.${process.pid}`;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(host.exec(vmid, ['sleep', marker], { timeoutMs: 60_000, signal: controller.signal })).rejects.toMatchObject({
      code: 'E_EXEC_ABORTED',
    });
    expect(await gone(pidsWith('sleep', marker), 3000)).toBe(true);
  });

  it('maps a container that stopped before the attach to E_CT_NOT_RUNNING (real lxc-attach text)', async () => {
    // Bypass the stand-in's running check, as when the CT stops between pct's check and the attach.
    const raw = new PctHost({ node: 'pve', path: ct.direct.path });
    execFileSync('lxc-stop', ['-P', ct.lxcPath, '-n', String(vmid), '-k']);
    try {
      await expect(raw.exec(vmid, ['true'], { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'E_CT_NOT_RUNNING' });
      await expect(host.exec(vmid, ['true'], { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'E_CT_NOT_RUNNING' });
    } finally {
      execFileSync('lxc-start', ['-P', ct.lxcPath, '-n', String(vmid)]);
      execFileSync('lxc-wait', ['-P', ct.lxcPath, '-n', String(vmid), '-s', 'RUNNING', '-t', '10']);
    }
  });

  it('maps an unknown VMID to E_CT_NOT_FOUND', async () => {
    await expect(host.exec(vmid + 1, ['true'], { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'E_CT_NOT_FOUND' });
  });
});
