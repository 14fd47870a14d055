// A real local apt repository inside a Debian root, for situations Debian's archive does not
// offer on demand: packages built with dpkg-deb, indexed with dpkg-scanpackages, served as
// `deb [trusted=yes] file:/srv/unrot-repo ./`.
//   installed:   unrot-demo-app 1.0, unrot-demo-old 1.0
//   repository:  unrot-demo-app 2.0 (Depends: unrot-demo-lib, Conflicts: unrot-demo-old), unrot-demo-lib 1.0
// So `apt-get upgrade` keeps unrot-demo-app back, `dist-upgrade` installs lib and removes old.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshRoot, MIRROR } from './debian-root.mjs';

function buildDeb(outDir, name, version, extra = '') {
  const dir = mkdtempSync(join(outDir, 'build-'));
  mkdirSync(join(dir, 'DEBIAN'));
  writeFileSync(
    join(dir, 'DEBIAN/control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: unrot tests <unrot@localhost>\n${extra}Description: unrot test package\n`,
  );
  const deb = join(outDir, `${name}_${version}_all.deb`);
  execFileSync('dpkg-deb', ['-Zxz', '--build', dir, deb], { stdio: 'ignore' });
  rmSync(dir, { recursive: true });
  return deb;
}

export function localRepoRoot(name) {
  const root = freshRoot(name, [`deb ${MIRROR} bookworm main`, 'deb [trusted=yes] file:/srv/unrot-repo ./']);
  const repo = join(root, 'srv/unrot-repo');
  const staging = join(root, 'tmp/unrot-debs');
  mkdirSync(repo, { recursive: true });
  mkdirSync(staging, { recursive: true });
  buildDeb(repo, 'unrot-demo-app', '2.0', 'Depends: unrot-demo-lib\nConflicts: unrot-demo-old\n');
  buildDeb(repo, 'unrot-demo-lib', '1.0');
  buildDeb(staging, 'unrot-demo-app', '1.0');
  buildDeb(staging, 'unrot-demo-old', '1.0');
  writeFileSync(
    join(repo, 'Packages'),
    execFileSync('dpkg-scanpackages', ['.', '/dev/null'], { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] }),
  );
  execFileSync('chroot', [root, 'dpkg', '-i', '/tmp/unrot-debs/unrot-demo-app_1.0_all.deb', '/tmp/unrot-debs/unrot-demo-old_1.0_all.deb'], {
    stdio: 'ignore',
  });
  rmSync(staging, { recursive: true });
  return root;
}
