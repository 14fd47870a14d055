import type { DetectResult, RunnerContext } from '@unrot/sdk';
import { commands, describeInstallation, installationsOf } from './installation.js';
import type { FlatpakOptions } from './options.js';
import { parseList } from './parse.js';

/** Applicable when flatpak runs and a configured installation has something installed. */
export async function detectFlatpak(ctx: RunnerContext<FlatpakOptions>): Promise<DetectResult> {
  const installations = installationsOf(ctx.options);
  if (installations.length === 0) return { applicable: false, reason: 'system is false and no users are configured' };
  const version = await ctx.exec.read(commands.version(), { okExitCodes: [0, 126, 127] });
  if (version.exitCode !== 0) return { applicable: false, reason: `flatpak is not installed (exit ${version.exitCode})` };
  const empty: string[] = [];
  for (const installation of installations) {
    const argv = commands.list(installation);
    const listed = parseList((await ctx.exec.read(argv)).stdout, argv.join(' '));
    if (listed.size > 0) return { applicable: true };
    empty.push(describeInstallation(installation));
  }
  return { applicable: false, reason: `nothing is installed in ${empty.join(', ')}` };
}
