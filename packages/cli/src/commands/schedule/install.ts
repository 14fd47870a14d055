import { realpathSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../lib/base-command.js';

export default class ScheduleInstall extends BaseCommand {
  static override summary = 'Install the systemd timer (or a cron file) that starts `unrot run` in the maintenance windows.';
  static override description =
    'Reads the maintenance: block of global.yml and writes unrot.service + unrot.timer to /etc/systemd/system (or /etc/cron.d/unrot with --cron), atomically. ' +
    'On a real host it then runs `systemctl daemon-reload` and `systemctl enable --now unrot.timer`; with --root it only writes files below DIR. See docs/scheduling.md.';
  static override examples = [
    '<%= config.bin %> schedule install',
    '<%= config.bin %> schedule install --cron',
    '<%= config.bin %> schedule install --root /tmp/staging --unrot-bin /usr/local/bin/unrot',
  ];
  static override flags = {
    cron: Flags.boolean({ summary: 'Write /etc/cron.d/unrot instead of a systemd timer.', default: false }),
    root: Flags.string({ summary: 'Write below this directory and never call systemctl (staging, tests, images).' }),
    'unrot-bin': Flags.string({
      summary: 'Absolute path of the unrot executable to start (default: this node binary and this bin/run.js).',
    }),
    force: Flags.boolean({ summary: 'Overwrite unit or cron files that unrot did not write.', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ScheduleInstall);
    try {
      const { installSchedule, loadSchedule, summarizeSchedule, formatSummary, MANIFEST_PATH } = await import('@unrot/engine');
      const { configDir, globalFile, schedule, stopTimeoutS } = await loadSchedule(flags.config);
      // node by absolute path: systemd's and cron's PATH may not find the node unrot was installed with
      const program = flags['unrot-bin'] ? [flags['unrot-bin']] : [process.execPath, realpathSync(process.argv[1] ?? '')];
      const result = await installSchedule({
        kind: flags.cron ? 'cron' : 'systemd',
        schedule,
        configDir,
        program,
        source: globalFile,
        stopTimeoutS,
        force: flags.force,
        ...(flags.root ? { root: flags.root } : {}),
      });
      const summary = summarizeSchedule(schedule, new Date());
      if (flags.json) {
        this.log(
          JSON.stringify(
            {
              installed: result.manifest,
              root: flags.root ?? null,
              systemctl: result.systemctl,
              removed: result.removed,
              schedule: summary,
            },
            null,
            2,
          ),
        );
        return;
      }
      const where = (p: string) => (flags.root ? `${flags.root.replace(/\/$/, '')}${p}` : p);
      this.logLine(`installed ${result.manifest.kind === 'systemd' ? 'systemd timer unrot.timer' : 'cron file'} from ${globalFile}`);
      for (const p of result.removed) this.logLine(`  removed ${where(p)} (previous install)`);
      for (const f of result.manifest.files) this.logLine(`  wrote ${where(f.path)}`);
      this.logLine(`  wrote ${where(MANIFEST_PATH)}`);
      for (const args of result.systemctl) this.logLine(`  ran systemctl ${args.join(' ')}`);
      if (flags.root && result.manifest.kind === 'systemd')
        this.log('  --root: systemctl not run; on the target run: systemctl daemon-reload && systemctl enable --now unrot.timer');
      for (const line of formatSummary(summary)) this.log(line);
    } catch (error) {
      this.fail(error, flags.json);
    }
  }
}
