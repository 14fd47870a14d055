import { Flags } from '@oclif/core';
import { BaseCommand, parseCtList } from '../../lib/base-command.js';

export default class SnapshotsPrune extends BaseCommand {
  static override summary = "Delete unrot's own snapshots and archives beyond each container's backup.keep. Never touches others.";
  static override flags = {
    ct: Flags.string({ summary: 'Only these containers (comma-separated VMIDs).', multiple: true }),
    keep: Flags.integer({ summary: 'Keep this many instead of the policy value.', min: 1 }),
    'dry-run': Flags.boolean({ summary: 'Print what would be deleted; delete nothing.', default: false }),
    'state-dir': Flags.string({ summary: 'Where unrot keeps its records (default: state_dir from global.yml).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SnapshotsPrune);
    try {
      const { pruneBackups } = await import('@unrot/engine');
      const results = await pruneBackups({
        configDir: flags.config,
        vmids: (flags.ct ?? []).flatMap(parseCtList),
        dryRun: flags['dry-run'],
        ...(flags.keep ? { keep: flags.keep } : {}),
        ...(flags['state-dir'] ? { stateDir: flags['state-dir'] } : {}),
      });
      if (flags.json) {
        this.log(JSON.stringify(results, null, 2));
        return;
      }
      for (const r of results) {
        this.logLine(
          `CT ${r.vmid}: ${flags['dry-run'] ? 'would delete' : 'deleted'} ${r.deleted.length ? r.deleted.join(', ') : 'nothing'}; kept ${r.kept.join(', ') || 'nothing'}`,
        );
      }
    } catch (error) {
      this.fail(error, flags.json);
    }
  }
}
