import { Args, Flags } from '@oclif/core';
import { BaseCommand, parseCtList } from '../lib/base-command.js';
import { formatArgv } from '../lib/shell-quote.js';

export default class Rollback extends BaseCommand {
  static override summary =
    "Put a container back to unrot's pre-update backup (or a named snapshot/archive) and restore its running state.";
  static override description =
    'Defaults to the snapshot or vzdump archive unrot took before the last successful update of the container. --dry-run prints the exact commands and changes nothing.';
  static override examples = [
    '<%= config.bin %> rollback 101 --dry-run',
    '<%= config.bin %> rollback 101',
    '<%= config.bin %> rollback 101 --to unrot-20261126-021500-3fa9c2',
  ];
  static override args = { ctid: Args.string({ required: true, description: 'the container (VMID)' }) };
  static override flags = {
    to: Flags.string({ summary: 'Snapshot name, or absolute path of a vzdump archive, to restore instead of the default.' }),
    'dry-run': Flags.boolean({ summary: 'Print what would run; change nothing.', default: false }),
    'state-dir': Flags.string({ summary: 'Where unrot keeps its records (default: state_dir from global.yml).' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Rollback);
    try {
      const [vmid] = parseCtList(args.ctid);
      const { operatorRollback } = await import('@unrot/engine');
      const result = await operatorRollback({
        configDir: flags.config,
        vmid: vmid as number,
        dryRun: flags['dry-run'],
        ...(flags.to ? { to: flags.to } : {}),
        ...(flags['state-dir'] ? { stateDir: flags['state-dir'] } : {}),
      });
      if (flags.json) this.log(JSON.stringify(result, null, 2));
      else {
        const target = result.backup.name ?? result.backup.archive;
        this.logLine(
          `CT ${result.vmid}: ${result.dryRun ? 'would restore' : 'restored'} ${result.backup.kind} ${target} (${result.chosenBecause})`,
        );
        for (const argv of result.commands) this.logLine(`  ${result.dryRun ? 'would run' : 'ran'}: ${formatArgv(argv)}`);
        if (!result.dryRun)
          this.log(`  ${result.running ? 'running again' : 'left stopped, as it was'} after ${Math.round(result.durationMs / 100) / 10} s`);
      }
    } catch (error) {
      this.fail(error, flags.json);
    }
  }
}
