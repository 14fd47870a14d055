import { Flags } from '@oclif/core';
import { UnrotError } from '@unrot/sdk';
import { BaseCommand } from '../../lib/base-command.js';

export default class ScheduleShow extends BaseCommand {
  static override summary = 'Show what `unrot schedule install` installed, the windows and the next time unrot will start.';
  static override examples = ['<%= config.bin %> schedule show', '<%= config.bin %> schedule show --json'];
  static override flags = {
    root: Flags.string({ summary: 'Look below this directory and never ask systemctl.' }),
    now: Flags.string({ summary: 'Pretend it is this ISO 8601 instant (for checking a schedule).', hidden: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ScheduleShow);
    try {
      const engine = await import('@unrot/engine');
      const now = flags.now ? new Date(flags.now) : new Date();
      if (Number.isNaN(now.getTime())) throw new UnrotError('E_USAGE', `--now: '${flags.now}' is not an ISO 8601 instant`);
      const target = flags.root ? { root: flags.root } : {};
      const manifest = await engine.readManifest(target);
      const files = manifest ? await engine.fileStates(target, manifest) : [];
      const { schedule, globalFile } = await engine.loadSchedule(
        manifest && flags.config === '/etc/unrot' ? manifest.configDir : flags.config,
      );
      const summary = engine.summarizeSchedule(schedule, now);
      // the timer's own view when systemd runs it; it includes the randomized delay actually drawn
      let nextElapse: string | null = null;
      if (manifest?.enabled && !flags.root) nextElapse = await engine.timerNextElapse();
      if (flags.json) {
        this.log(
          JSON.stringify(
            { installed: manifest, files, root: flags.root ?? null, config: globalFile, nextElapse, schedule: summary },
            null,
            2,
          ),
        );
        return;
      }
      if (!manifest) this.log('installed: nothing (run `unrot schedule install`)');
      else {
        this.log(
          `installed: ${manifest.kind === 'systemd' ? 'systemd timer unrot.timer' : 'cron file'} at ${manifest.installedAt}${manifest.enabled ? ', enabled' : ''}`,
        );
        for (const f of files) this.logLine(`  ${f.path}: ${f.state}`);
      }
      this.logLine(`config: ${globalFile}`);
      for (const line of engine.formatSummary(summary)) this.log(line);
      if (nextElapse) this.logLine(`next elapse (systemctl): ${nextElapse}`);
      else if (manifest) {
        const next = [summary.nextWindow, summary.nextQuickPass].filter((w) => w !== null).sort((a, b) => (a.start < b.start ? -1 : 1))[0];
        if (next)
          this.log(
            `next elapse: ${next.startLocal}${manifest.kind === 'cron' ? '' : ` plus a random delay of up to ${summary.randomizedDelay}`}`,
          );
      }
    } catch (error) {
      this.fail(error, flags.json);
    }
  }
}
