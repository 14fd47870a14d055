import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PveApiClient } from '../../../src/host/api/api-client.js';
import { ApiHost } from '../../../src/host/api/api-host.js';
import { LocalExec } from '../../../src/host/api/local-exec.js';
import { SshExec, type SshSettings, sshPrefix } from '../../../src/host/cluster/ssh-exec.js';
import { pctExecArgv } from '../../../src/host/pct-host.js';
import { makePki, startFakePveApi } from '../api/fake-pve-api.js';
import { createFakeTools } from '../fake-tools.js';
import { alive, rejection } from '../process-checks.js';
import { fakeCluster } from './fake-cluster.js';
import { HOSTILE_ARGS } from './hostile-args.js';
import { startTestSshd, type TestSshd } from './test-sshd.js';

// A real sshd (Debian's openssh-server) on 127.0.0.1 and a real ssh client: what `pct exec` on
// another cluster node goes through.
let sshd: TestSshd;
beforeAll(async () => {
  sshd = await startTestSshd('pve2');
});
afterAll(async () => {
  await sshd?.stop();
});
beforeEach(() => {
  rmSync(join(sshd.rec, 'argv'), { force: true });
  rmSync(join(sshd.rec, 'pid'), { force: true });
});

function execFor(ssh: Partial<SshSettings> = {}, port = sshd.port): SshExec {
  return new SshExec({ node: 'pve2', address: '127.0.0.1', ssh: { ...sshd.ssh, port, ...ssh }, innerArgv: pctExecArgv, killGraceMs: 1000 });
}
const recordedArgv = () => readFileSync(join(sshd.rec, 'argv'), 'utf8').split('\0').slice(0, -1);

/** Waits (bounded) for a process to be gone; the kill path has its own grace, so this is no timing claim. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}
async function remotePid(): Promise<number> {
  const file = join(sshd.rec, 'pid');
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
  return Number(readFileSync(file, 'utf8'));
}

describe('SshExec against a real sshd', () => {
  it('runs the contract argv: ssh -o BatchMode=yes … -o HostKeyAlias=<node> -p <port> user@address -- pct exec …', () => {
    const argv = execFor().execArgv(101, ['apt-get', 'install', "it's"]);
    expect(argv.slice(0, -1)).toEqual(sshPrefix('pve2', '127.0.0.1', sshd.ssh));
    expect(argv).toContain('BatchMode=yes');
    expect(argv).toContain('HostKeyAlias=pve2');
    expect(argv.at(-1)).toBe("'pct' 'exec' '101' '--' 'apt-get' 'install' 'it'\\''s'");
  });

  it('the remote pct gets exactly the argv given, hostile elements included, and its output comes back', async () => {
    const argv = ['printf', '%s\\0', ...HOSTILE_ARGS];
    const r = await execFor().exec(101, argv, { timeoutMs: 30_000 });
    expect(recordedArgv()).toEqual(['exec', '101', '--', ...argv]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE_ARGS);
    expect(r.stderr).toBe('');
    expect(existsSync('/tmp/unrot-pwned')).toBe(false);
  });

  it("returns the command's own exit code and stderr, 255 included (the command ran: not an ssh failure)", async () => {
    const three = await execFor().exec(101, ['sh', '-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 30_000 });
    expect(three).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    const own255 = await execFor().exec(101, ['sh', '-c', 'exit 255'], { timeoutMs: 30_000 });
    expect(own255.exitCode).toBe(255);
  });

  it('passes input on stdin unchanged', async () => {
    const input = "line 1 it's $(x) `y`\n\tline 2 ✓\n";
    const r = await execFor().exec(101, ['cat'], { timeoutMs: 30_000, input });
    expect(r.stdout).toBe(input);
  });

  it("maps the remote pct's missing-config line to E_CT_NOT_FOUND", async () => {
    const error = await rejection(execFor().exec(404, ['true'], { timeoutMs: 30_000 }));
    expect(error.code).toBe('E_CT_NOT_FOUND');
  });

  it('a timeout kills the remote command too (its process is gone afterwards)', async () => {
    // Long enough for ssh to connect on a loaded machine: the command must be running remotely when it fires.
    const pending = rejection(execFor().exec(101, ['sleep', '300'], { timeoutMs: 8000 }));
    const pid = await remotePid();
    expect(alive(pid)).toBe(true);
    const error = await pending;
    expect(error.code).toBe('E_EXEC_TIMEOUT');
    expect(error.details['node']).toBe('pve2');
    expect(await gone(pid)).toBe(true);
  });

  it('an abort kills the remote command too, also one that ignores SIGTERM', async () => {
    const controller = new AbortController();
    const pending = rejection(
      execFor().exec(101, ['sh', '-c', "trap '' TERM; sleep 300 & wait; sleep 300"], {
        timeoutMs: 60_000,
        signal: controller.signal,
      }),
    );
    const pid = await remotePid();
    controller.abort();
    const error = await pending;
    expect(error.code).toBe('E_EXEC_ABORTED');
    expect(await gone(pid)).toBe(true);
  });

  it('nothing listening: E_NODE_UNREACHABLE with ssh’s own words', async () => {
    const error = await rejection(execFor({}, 1).exec(101, ['true'], { timeoutMs: 30_000 }));
    expect(error.code).toBe('E_NODE_UNREACHABLE');
    expect(error.message).toContain('Connection refused');
    expect(error.message).toContain('pve2');
  });

  it('a key the node does not accept: E_NODE_UNREACHABLE naming the refusal', async () => {
    const error = await rejection(execFor({ identityFile: sshd.strangerIdentity }).exec(101, ['true'], { timeoutMs: 30_000 }));
    expect(error.code).toBe('E_NODE_UNREACHABLE');
    expect(error.message).toContain('Permission denied');
  });

  it('a host key other than the known one under the node name: E_NODE_HOST_KEY, nothing runs', async () => {
    const error = await rejection(execFor({ knownHosts: sshd.wrongKnownHosts }).exec(101, ['true'], { timeoutMs: 30_000 }));
    expect(error.code).toBe('E_NODE_HOST_KEY');
    expect(error.message).toContain('pve2');
    expect(existsSync(join(sshd.rec, 'argv'))).toBe(false);
    const unknown = await rejection(
      new SshExec({ node: 'pve9', address: '127.0.0.1', ssh: sshd.ssh, innerArgv: pctExecArgv }).exec(101, ['true'], { timeoutMs: 30_000 }),
    );
    expect(unknown.code).toBe('E_NODE_HOST_KEY');
  });

  it('the connection lost mid-command (the session sshd killed): E_NODE_UNREACHABLE, not the command’s failure', async () => {
    const pending = rejection(execFor().exec(101, ['sleep', '300'], { timeoutMs: 60_000 }));
    const pid = await remotePid();
    for (const session of sshd.sessionPids()) process.kill(session, 'SIGKILL');
    const error = await pending;
    expect(error.code).toBe('E_NODE_UNREACHABLE');
    expect(error.message).toContain('lost');
    // sshd's death closed the channel: the watcher ended the command as well.
    expect(await gone(pid)).toBe(true);
  });
});

describe('ApiHost with host.cluster: exec on another node through the real sshd', () => {
  it("runs a CT's command on its node over ssh, and follows a CT migrated to this node after the listing", async () => {
    const secret = '5f0c9a4e-1b2c-4d3e-8f70-0123456789ab';
    const pki = makePki();
    const api = await startFakePveApi(pki, `unrot@pve!unrot=${secret}`);
    const client = new PveApiClient({ url: api.url, token: { id: 'unrot@pve!unrot', secret }, tls: { verify: true, ca: pki.caPem } });
    const tools = createFakeTools();
    try {
      const cluster = fakeCluster();
      cluster.placement.set(404, 'pve2');
      api.routes.push(...cluster.routes);
      tools.write('pct', 'shift 3; printf local; exec "$@"');
      const host = new ApiHost({
        node: 'pve1',
        client,
        exec: new LocalExec({ node: 'pve1', path: tools.path }),
        cluster: { ssh: sshd.ssh, addresses: { pve2: '127.0.0.1' } },
      });
      const r = await host.exec(102, ['printf', '%s', "on pve2: it's"], { timeoutMs: 30_000 });
      expect(r.stdout).toBe("on pve2: it's");
      expect(recordedArgv()).toEqual(['exec', '102', '--', 'printf', '%s', "on pve2: it's"]);
      // Listed on pve2, then moved: pve2's pct says its config is gone there, the cluster says pve1.
      const listed = await host.listContainers();
      expect(listed.find((c) => c.vmid === 404)?.node).toBe('pve2');
      cluster.placement.set(404, 'pve1');
      const moved = await host.exec(404, ['echo', ' here'], { timeoutMs: 30_000 });
      expect(moved.stdout).toBe('local here\n');
    } finally {
      tools.cleanup();
      await client.close();
      await api.close();
    }
  });
});
