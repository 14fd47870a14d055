import { Flags } from '@oclif/core';
import { BaseCommand } from '../lib/base-command.js';
import { selectionFrom } from '../lib/run-command.js';

export default class Targets extends BaseCommand {
  static override summary = 'List every container on this node as selected or skipped, with the reason.';
  static override examples = ['<%= config.bin %> targets', '<%= config.bin %> targets --tag web'];
  static override flags = {
    ct: Flags.string({ summary: 'Only these containers (comma-separated VMIDs).', multiple: true }),
    tag: Flags.string({ summary: 'Only containers carrying one of these Proxmox tags.', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Targets);
    try {
      const selection = selectionFrom(flags);
      const [{ prepare, resolveFleet, configuredHostSpec, hostFromSpec }, { formatTargets }] = await Promise.all([
        import('@unrot/engine'),
        import('../lib/format-report.js'),
      ]);
      const prepared = await prepare(flags.config, this.pluginRoots());
      const spec = await configuredHostSpec(prepared.config, { secrets: prepared.notifications?.secrets });
      const { decisions, unmatchedGroups } = await resolveFleet(prepared, selection, await hostFromSpec(spec));
      // A group file whose selectors match nobody is likely a typo in a tag or glob: said, not fatal.
      for (const file of unmatchedGroups) this.logToStderr(`warning: group file ${file} matches no container (check its selectors)`);
      this.log(flags.json ? JSON.stringify(decisions, null, 2) : formatTargets(decisions));
    } catch (error) {
      this.fail(error, flags.json);
    }
  }
}
