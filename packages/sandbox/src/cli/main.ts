import { existsSync } from 'node:fs';
import { isUnrotError } from '@unrot/sdk';
import { down } from '../provision/down.js';
import { withSandboxLock } from '../provision/sandbox-lock.js';
import { sandboxSettings } from '../provision/settings.js';
import { formatStatus, status } from '../provision/status.js';
import { up } from '../provision/up.js';

const USAGE = `usage: unrot-sandbox up [--json]
       unrot-sandbox down [--purge] [--json]
       unrot-sandbox status [--json]

environment: UNROT_SANDBOX_ROOT (default /var/lib/unrot-sandbox), UNROT_SANDBOX_CACHE
(default /var/cache/unrot-sandbox), UNROT_SANDBOX_NODE, UNROT_SANDBOX_APT_PORT (8431),
UNROT_SANDBOX_PYPI_PORT (8432), UNROT_SANDBOX_WEB_PORT (3101), UNROT_SANDBOX_PY_PORT (3102),
UNROT_SANDBOX_BTRFS_SIZE (16G, sparse)
`;

/** Exit codes: 0 ok, 1 failure, 2 usage. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const flags = new Set(rest);
  const allowed: Record<string, string[]> = { up: ['--json'], down: ['--purge', '--json'], status: ['--json'] };
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const known = command !== undefined ? allowed[command] : undefined;
  const unknown = rest.filter((f) => !known?.includes(f));
  if (!known || unknown.length > 0) {
    process.stderr.write(`${known ? `unknown option: ${unknown.join(' ')}\n` : ''}${USAGE}`);
    return 2;
  }
  const json = flags.has('--json');
  // Progress goes to stderr so --json output on stdout stays parseable.
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const settings = sandboxSettings();
    if (command === 'up') {
      const r = await withSandboxLock(settings.paths.root, () => up(settings, log));
      if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        for (const s of r.steps) process.stdout.write(`${s.step.padEnd(14)} ${s.seconds.toFixed(1)} s\n`);
        process.stdout.write(
          `sandbox up in ${r.seconds.toFixed(1)} s${r.templateBuilt ? ` (template built in ${r.templateSeconds.toFixed(1)} s)` : ''}; created: ${r.created.join(', ') || 'none'}; started: ${r.started.join(', ') || 'none'}\n`,
        );
        process.stdout.write(formatStatus(await status(settings)));
      }
    } else if (command === 'down') {
      // down on a root that does not exist must not create it just to lock it.
      const r = existsSync(settings.paths.root)
        ? await withSandboxLock(settings.paths.root, () => down(settings, { purge: flags.has('--purge') }, log))
        : await down(settings, { purge: flags.has('--purge') }, log);
      process.stdout.write(json ? `${JSON.stringify(r)}\n` : `sandbox down${r.purgedCache ? ' (template cache purged)' : ''}\n`);
    } else {
      const st = await status(settings);
      process.stdout.write(json ? `${JSON.stringify(st)}\n` : formatStatus(st));
    }
    return 0;
  } catch (error) {
    const code = isUnrotError(error) ? error.code : 'E_INTERNAL';
    process.stderr.write(`unrot-sandbox ${command}: ${code}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
