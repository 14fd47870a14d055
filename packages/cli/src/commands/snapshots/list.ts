import { Flags } from '@oclif/core';
import { BaseCommand, parseCtList } from '../../lib/base-command.js';

export default class SnapshotsList extends BaseCommand {
  static override summary = "List unrot's own snapshots and vzdump archives per container, and the snapshots it will never touch.";
  static override flags = {
    ct: Flags.string({ summary: 'Only these containers (comma-separated VMIDs).', multiple: true }),
    'state-dir': Flags.string({ summary: 'Where unrot keeps its records (default: state_dir from global.yml).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(SnapshotsList);
    try {
      const { listOwnBackups } = await import('@unrot/engine');
      const listing = await listOwnBackups({
        configDir: flags.config,
        vmids: (flags.ct ?? []).flatMap(parseCtList),
        ...(flags['state-dir'] ? { stateDir: flags['state-dir'] } : {}),
      });
      if (flags.json) {
        this.log(JSON.stringify(listing, null, 2));
        return;
      }
      for (const ct of listing) {
        this.logLine(`CT ${ct.vmid}`);
        for (const s of ct.own) this.logLine(`  snapshot ${s.name}  ${s.time ?? ''}  ${s.description}`);
        for (const a of ct.archives) this.logLine(`  archive  ${a.archive}  (run ${a.runId}, ${a.result})`);
        if (ct.own.length + ct.archives.length === 0) this.log('  no backups made by unrot');
        if (ct.others.length > 0) this.logLine(`  not unrot's (never touched): ${ct.others.join(', ')}`);
      }
    } catch (error) {
      this.fail(error, flags.json);
    }
  }
}
