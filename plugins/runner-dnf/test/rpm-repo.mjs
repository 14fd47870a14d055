// A real local rpm repository for the dnf tests: noarch packages built with rpmbuild from the
// spec below, indexed with createrepo_c, an updateinfo.xml (security advisory for
// unrot-sandbox-demo 1.1) added with modifyrepo_c, served over HTTP from 127.0.0.1 so dnf's
// network path (librepo) is the real one.
//   unrot-sandbox-demo     1.0-1, 1.1-1 (1.1: security advisory UNROT-2026-0001)
//   unrot-sandbox-extra    2:1.0-1, 2:1.1-1 (an epoch, as dnf prints it: 2:1.1-1)
//   unrot-sandbox-failing  1.0-1, 1.1-1 (1.1: its %pre scriptlet fails, so rpm refuses to install it)
//   unrot-sandbox-slow     1.0-1 (its %pre sleeps UNROT_SLOW_SECONDS, default 20: a real dnf holding the locks)
// Scriptlets are Lua (rpm's built-in interpreter): Debian's rpm database has no /bin/sh provider.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SPEC = `Name: %{pkgname}
Version: %{pkgver}
Release: 1
%{?pkgepoch:Epoch: %{pkgepoch}}
Summary: unrot sandbox test package
License: MIT
BuildArch: noarch
%description
unrot sandbox test package (built by the runner-dnf tests).
%install
mkdir -p %{buildroot}/usr/share/%{name}
echo %{version} > %{buildroot}/usr/share/%{name}/version
%{?failpre:%pre -p <lua>
error("unrot-sandbox: this %{name} %{version} refuses to install (test scriptlet)")
}
%{?slowpre:%pre -p <lua>
posix.sleep(tonumber(os.getenv("UNROT_SLOW_SECONDS") or "20"))
}
%files
/usr/share/%{name}/version
`;

const UPDATEINFO = `<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="unrot-tests@localhost" status="stable" type="security" version="2.0">
    <id>UNROT-2026-0001</id>
    <title>unrot-sandbox-demo security update</title>
    <issued date="2026-12-01 00:00:00"/>
    <severity>Important</severity>
    <description>Test advisory of the unrot runner-dnf tests.</description>
    <pkglist>
      <collection short="unrot">
        <name>unrot sandbox</name>
        <package name="unrot-sandbox-demo" version="1.1" release="1" epoch="0" arch="noarch">
          <filename>unrot-sandbox-demo-1.1-1.noarch.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
</updates>
`;

export const PACKAGES = [
  ['unrot-sandbox-demo', '1.0', {}],
  ['unrot-sandbox-demo', '1.1', {}],
  ['unrot-sandbox-extra', '1.0', { pkgepoch: '2' }],
  ['unrot-sandbox-extra', '1.1', { pkgepoch: '2' }],
  ['unrot-sandbox-failing', '1.0', {}],
  ['unrot-sandbox-failing', '1.1', { failpre: '1' }],
  ['unrot-sandbox-slow', '1.0', { slowpre: '1' }],
];

/** Builds the repository into a new directory and returns it. */
export function buildRepo() {
  const dir = mkdtempSync(join(tmpdir(), 'unrot-dnf-repo-'));
  const work = join(dir, '.build');
  const repo = join(dir, 'repo');
  mkdirSync(work);
  mkdirSync(repo);
  writeFileSync(join(work, 'demo.spec'), SPEC);
  for (const [name, version, defs] of PACKAGES) {
    const args = [
      '-bb',
      '--define',
      `_topdir ${work}`,
      '--define',
      `_rpmdir ${repo}`,
      '--define',
      `pkgname ${name}`,
      '--define',
      `pkgver ${version}`,
    ];
    for (const [k, v] of Object.entries(defs)) args.push('--define', `${k} ${v}`);
    execFileSync('rpmbuild', [...args, join(work, 'demo.spec')], { stdio: 'ignore' });
  }
  execFileSync('createrepo_c', [repo], { stdio: 'ignore' });
  writeFileSync(join(work, 'updateinfo.xml'), UPDATEINFO);
  execFileSync('modifyrepo_c', ['--mdtype=updateinfo', join(work, 'updateinfo.xml'), join(repo, 'repodata')], { stdio: 'ignore' });
  // A copy whose primary metadata is cut short: its checksum no longer matches repomd.xml.
  const corrupt = join(dir, 'corrupt');
  execFileSync('cp', ['-a', repo, corrupt]);
  const primary = execFileSync('find', [join(corrupt, 'repodata'), '-name', '*-primary.xml.gz'], { encoding: 'utf8' }).trim();
  execFileSync('truncate', ['-s', '100', primary]);
  rmSync(work, { recursive: true, force: true });
  return dir;
}

/**
 * Serves `dir` on 127.0.0.1 (a free port) from a separate process (python3's http.server), so
 * dnf commands run with execFileSync do not block the server; resolves to { port, close }.
 */
export function serve(dir) {
  const child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('exit', (code) => reject(new Error(`http.server exited ${code}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const port = /port (\d+)/.exec(out)?.[1];
      if (!port) return;
      child.removeAllListeners('exit');
      resolve({
        port: Number(port),
        close: () =>
          new Promise((r) => {
            if (child.exitCode !== null || child.signalCode !== null) return r();
            child.once('exit', () => r());
            child.kill();
          }),
      });
    });
  });
}

/** The .repo file a container (or root) needs for the served repository: unsigned packages, so gpgcheck=0. */
export function repoFile(port, path = 'repo') {
  return `[unrot-sandbox]\nname=unrot sandbox\nbaseurl=http://127.0.0.1:${port}/${path}/\nenabled=1\ngpgcheck=0\n`;
}
