import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnrotError } from '@unrot/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalExec } from '../../../src/host/api/local-exec.js';
import { createFakeTools, type FakeTools, q } from '../fake-tools.js';

let tools: FakeTools;
beforeEach(() => {
  tools = createFakeTools();
});
afterEach(() => tools.cleanup());

/** A stand-in that records its argv (NUL-separated) and runs the command after `--` here. */
function recorder(name: string): string {
  const out = join(tools.dir, `${name}.argv`);
  tools.write(name, `for a in "$@"; do printf '%s\\0' "$a"; done > ${q(out)}\nwhile [ "$1" != "--" ]; do shift; done; shift; exec "$@"`);
  return out;
}
const argvOf = (file: string) => readFileSync(file, 'utf8').split('\0').slice(0, -1);

describe('LocalExec: the exec path of the API host', () => {
  it('pct (default): pct exec VMID -- argv, PctHost exit codes and errors', async () => {
    const out = recorder('pct');
    const exec = new LocalExec({ node: 'pve', path: tools.path });
    expect(exec.execArgv(101, ['id', '-u'])).toEqual(['pct', 'exec', '101', '--', 'id', '-u']);
    const r = await exec.exec(101, ['sh', '-c', 'echo hi; exit 3'], { timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 3, stdout: 'hi\n' });
    expect(argvOf(out)).toEqual(['exec', '101', '--', 'sh', '-c', 'echo hi; exit 3']);
    tools.write('pct', `echo "container '101' not running!" >&2; exit 255`);
    await expect(exec.exec(101, ['true'], { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'E_CT_NOT_RUNNING' });
  });

  it('lxc-attach: lxc-attach -n VMID --keep-env with PVE PATH, argv after --', async () => {
    const out = recorder('lxc-attach');
    const exec = new LocalExec({ node: 'pve', path: tools.path, via: 'lxc-attach' });
    const r = await exec.exec(101, ['printf', '%s', 'a b'], { timeoutMs: 10_000 });
    expect(r.stdout).toBe('a b');
    expect(argvOf(out)).toEqual([
      '-n',
      '101',
      '--keep-env',
      '--set-var',
      'PATH=/sbin:/bin:/usr/sbin:/usr/bin',
      '--',
      'printf',
      '%s',
      'a b',
    ]);
    tools.write(
      'lxc-attach',
      `echo 'lxc-attach: 101: ../src/lxc/attach.c: get_attach_context: 1084 Connection refused - Failed to get init pid' >&2; exit 1`,
    );
    await expect(exec.exec(101, ['true'], { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'E_CT_NOT_RUNNING' });
  });

  it('sudo: sudo -n before the exec argv; a sudo refusal is E_EXEC_SPAWN, not the command exiting 1', async () => {
    const out = recorder('sudo');
    const exec = new LocalExec({ node: 'pve', path: tools.path, sudo: true });
    expect(exec.execArgv(101, ['true'])).toEqual(['sudo', '-n', 'pct', 'exec', '101', '--', 'true']);
    tools.write('pct', 'shift 3; exec "$@"');
    tools.write('sudo', `for a in "$@"; do printf '%s\\0' "$a"; done > ${q(out)}\nshift; exec "$@"`);
    const r = await exec.exec(101, ['sh', '-c', 'echo ran; exit 1'], { timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 1, stdout: 'ran\n' });
    expect(argvOf(out)).toEqual(['-n', 'pct', 'exec', '101', '--', 'sh', '-c', 'echo ran; exit 1']);
    tools.write('sudo', `echo 'sudo: a password is required' >&2; exit 1`);
    const error = await exec.exec(101, ['true'], { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrotError);
    expect((error as UnrotError).code).toBe('E_EXEC_SPAWN');
    expect((error as UnrotError).message).toContain('a password is required');
    tools.write('sudo', `echo "Sorry, user unrot is not allowed to execute '/usr/sbin/pct exec 101 -- true' as root on pve." >&2; exit 1`);
    await expect(exec.exec(101, ['true'], { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'E_EXEC_SPAWN' });
  });
});
