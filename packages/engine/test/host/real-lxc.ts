import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFakeTools, type FakeTools, q } from './fake-tools.js';

/**
 * A real, running LXC container for host-adapter tests, built in milliseconds: its rootfs
 * bind-mounts this machine's /usr read-only (Debian 12 is merged-/usr), init is
 * `sleep infinity`, no network namespace. Needs root and the `lxc` package (CI has both).
 * The `pct` beside it is a stand-in doing what pct exec does (pct-reference §8): the config
 * check, the running check, then exec lxc-attach --keep-env with PVE's fixed PATH.
 */
export interface RealLxc {
  vmid: number;
  lxcPath: string;
  tools: FakeTools;
  /** A pct that skips the running check, as when the CT stops between pct's check and the attach. */
  direct: FakeTools;
  rootfs: string;
  destroy(): void;
}

export function createRealLxc(vmid: number): RealLxc {
  const lxcPath = mkdtempSync(join(tmpdir(), 'unrot-host-lxc-'));
  const name = String(vmid);
  const rootfs = join(lxcPath, name, 'rootfs');
  for (const dir of ['usr', 'proc', 'dev', 'sys', 'tmp', 'etc', 'root', 'run']) mkdirSync(join(rootfs, dir), { recursive: true });
  for (const link of ['bin', 'lib', 'lib64', 'sbin']) symlinkSync(`usr/${link}`, join(rootfs, link));
  writeFileSync(
    join(lxcPath, name, 'config'),
    [
      'lxc.uts.name = unrot-host-test',
      `lxc.rootfs.path = dir:${rootfs}`,
      'lxc.net.0.type = none',
      'lxc.mount.auto = proc:mixed sys:ro cgroup:mixed',
      'lxc.mount.entry = /usr usr none ro,bind 0 0',
      'lxc.init.cmd = /usr/bin/sleep infinity',
      'lxc.apparmor.profile = unconfined',
      'lxc.autodev = 1',
      '',
    ].join('\n'),
  );
  execFileSync('lxc-start', ['-P', lxcPath, '-n', name], { stdio: 'pipe' });
  execFileSync('lxc-wait', ['-P', lxcPath, '-n', name, '-s', 'RUNNING', '-t', '10'], { stdio: 'pipe' });

  const tools = createFakeTools();
  tools.write(
    'pct',
    `[ "$1" = exec ] || { echo "stand-in handles only exec" >&2; exit 2; }
vmid=$2
[ -f ${q(lxcPath)}/"$vmid"/config ] || { echo "Configuration file 'nodes/pve/lxc/$vmid.conf' does not exist" >&2; exit 255; }
[ "$(lxc-info -P ${q(lxcPath)} -n "$vmid" -s -H)" = RUNNING ] || { echo "container '$vmid' not running!" >&2; exit 255; }
[ "$3" = -- ] || { echo "Unknown option: $3" >&2; echo "400 unable to parse option" >&2; exit 255; }
shift 3
unset SSL_CERT_FILE SSL_CERT_DIR
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
exec lxc-attach -P ${q(lxcPath)} -n "$vmid" --keep-env -- "$@"`,
  );
  const direct = createFakeTools();
  direct.write(
    'pct',
    `shift 3\nexport PATH=/sbin:/bin:/usr/sbin:/usr/bin\nexec lxc-attach -P ${q(lxcPath)} -n "${name}" --keep-env -- "$@"`,
  );
  return {
    vmid,
    lxcPath,
    tools,
    direct,
    rootfs,
    destroy() {
      try {
        execFileSync('lxc-stop', ['-P', lxcPath, '-n', name, '-k'], { stdio: 'pipe' });
      } finally {
        tools.cleanup();
        direct.cleanup();
        rmSync(lxcPath, { recursive: true, force: true });
      }
    },
  };
}

/** PIDs of processes on this machine whose command line contains every given word. */
export function pidsWith(...words: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const args = cmdline.split('\0');
    if (words.every((w) => args.includes(w))) pids.push(Number(entry));
  }
  return pids;
}
