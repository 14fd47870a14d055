import { Flags } from '@oclif/core';
import { BaseCommand } from '../lib/base-command.js';
import { runCommand } from '../lib/run-command.js';

export default class Plan extends BaseCommand {
  static override summary = 'Show, per container, the pending updates and the exact commands `unrot run` would execute. Changes nothing.';
  static override description =
    'A dry-run of the whole pipeline: pre-flight, detect and check run for real (check may refresh package indexes), every changing command is printed with its exact argv and none is executed.';
  static override examples = ['<%= config.bin %> plan', '<%= config.bin %> plan --ct 101,102', '<%= config.bin %> plan --tag web --json'];
  static override flags = {
    ct: Flags.string({ summary: 'Only these containers (comma-separated VMIDs).', multiple: true }),
    tag: Flags.string({ summary: 'Only containers carrying one of these Proxmox tags.', multiple: true }),
    'state-dir': Flags.string({ summary: 'Where reports and logs go (default: state_dir from global.yml, else /var/lib/unrot).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Plan);
    await runCommand(this, flags, true);
  }
}
