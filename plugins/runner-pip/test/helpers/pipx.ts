import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './python-env.js';

/** Debian 12's pipx and the modules it needs that a minimal system lacks. */
const DEBS = ['pipx', 'python3-userpath', 'python3-packaging', 'python3-click'];

/**
 * Makes Debian's real pipx runnable without installing anything on the host: the .debs are
 * fetched with `apt-get download` and unpacked with `dpkg -x` into `dir`, and a `pipx` script
 * (the same as /usr/bin/pipx) puts their modules on its own sys.path only. Returns the bin dir.
 */
export async function provisionPipx(dir: string): Promise<string> {
  const root = join(dir, 'root');
  const bin = join(dir, 'bin');
  const sitePackages = join(root, 'usr', 'lib', 'python3', 'dist-packages');
  if (!existsSync(join(sitePackages, 'pipx', 'main.py'))) {
    mkdirSync(root, { recursive: true });
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, LANG: 'C.UTF-8' };
    const download = ['/usr/bin/env', '-C', dir, 'apt-get', 'download', ...DEBS];
    // A fresh machine may have no package lists yet: refresh them once (lists only, no package changes).
    await run(download, env).catch(async () => {
      await run(['apt-get', 'update', '-q'], env);
      await run(download, env);
    });
    for (const deb of readdirSync(dir).filter((f) => f.endsWith('.deb'))) await run(['dpkg', '-x', join(dir, deb), root], env);
  }
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'pipx'),
    `#!/usr/bin/python3\nimport sys\nsys.path.insert(0, ${JSON.stringify(sitePackages)})\nfrom pipx.main import cli\nsys.exit(cli())\n`,
    { mode: 0o755 },
  );
  return bin;
}
