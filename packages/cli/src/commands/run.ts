import { Flags } from '@oclif/core';
import { BaseCommand } from '../lib/base-command.js';
import { runCommand } from '../lib/run-command.js';

export default class Run extends BaseCommand {
  static override summary = 'Update the selected containers by policy and write the run report.';
  static override description =
    'Exit codes: 0 all fine, 1 some container failed, 2 configuration or usage error, 3 host tools failed, 4 another run holds the lock, ' +
    '5 cut short (SIGTERM/SIGINT, kill switch, max runtime, host load), ' +
    '6 needs attention (nothing failed, but a skip or an interrupted step needs an operator: unreachable source, lock, storage full, vanished), ' +
    '70 internal error. ' +
    'SIGTERM or Ctrl-C stops it at the next safe point: in-flight steps finish, nothing new starts, the report is written.';
  static override examples = ['<%= config.bin %> run', '<%= config.bin %> run --ct 101', '<%= config.bin %> run --tag py --json'];
  static override flags = {
    ct: Flags.string({ summary: 'Only these containers (comma-separated VMIDs).', multiple: true }),
    tag: Flags.string({ summary: 'Only containers carrying one of these Proxmox tags.', multiple: true }),
    'state-dir': Flags.string({ summary: 'Where reports and logs go (default: state_dir from global.yml, else /var/lib/unrot).' }),
    force: Flags.boolean({ summary: 'Run even outside the maintenance window.', default: false }),
    progress: Flags.boolean({
      summary: 'Show progress on stderr: a live status line per container on a terminal, a line per step otherwise.',
      default: true,
      allowNo: true,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Run);
    await runCommand(this, flags, false);
  }
}
