import { Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/base-command.js';

export default class ScheduleRemove extends BaseCommand {
  static override summary = 'Undo `unrot schedule install`: disable the timer and delete exactly the files it wrote.';
  static override description =
    'Reads /var/lib/unrot/schedule-install.json. A file edited since install is kept (and reported) unless --force. ' +
    'On a real host the timer is disabled and stopped and systemd reloaded; with --root nothing but files below DIR is touched.';
  static override examples = ['<%= config.bin %> schedule remove', '<%= config.bin %> schedule remove --root /tmp/staging'];
  static override flags = {
    root: Flags.string({ summary: 'Remove below this directory and never call systemctl.' }),
    force: Flags.boolean({ summary: 'Also delete installed files that were edited since.', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ScheduleRemove);
    try {
      const { removeSchedule } = await import('@unrot/engine');
      const r = await removeSchedule({ force: flags.force, ...(flags.root ? { root: flags.root } : {}) });
      if (flags.json) {
        this.log(JSON.stringify(r, null, 2));
        return;
      }
      if (r.kind === null) {
        this.log('nothing installed (no schedule-install manifest)');
        return;
      }
      const where = (p: string) => (flags.root ? `${flags.root.replace(/\/$/, '')}${p}` : p);
      for (const args of r.systemctl) this.logLine(`ran systemctl ${args.join(' ')}`);
      for (const p of r.removed) this.logLine(`removed ${where(p)}`);
      for (const p of r.missing) this.logLine(`already gone: ${where(p)}`);
      for (const p of r.kept) this.logLine(`kept ${where(p)}: edited since install (use --force to delete it)`);
      if (r.kept.length > 0) process.exitCode = 1;
    } catch (error) {
      this.fail(error, flags.json);
    }
  }
}
