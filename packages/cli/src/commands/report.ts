import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../lib/base-command.js';

export default class Report extends BaseCommand {
  static override summary = 'Print the report of a finished run: the latest `unrot run` by default, or RUN_ID.';
  static override description =
    'Reads <state_dir>/runs/<RUN_ID>/report.json (RUN_ID defaults to the runs/latest pointer, which every `unrot run` moves; plans do not). ' +
    'Prints a readable summary, or with --json the raw report. A run id with no report exits 2.';
  static override examples = [
    '<%= config.bin %> report',
    '<%= config.bin %> report 20261126T021500Z-3fa9c2',
    '<%= config.bin %> report --json',
  ];
  static override args = {
    RUN_ID: Args.string({ name: 'RUN_ID', description: 'a run id like 20261126T021500Z-3fa9c2 (default: latest)', required: false }),
  };
  static override flags = {
    'state-dir': Flags.string({ summary: 'Where reports and logs are (default: state_dir from global.yml, else /var/lib/unrot).' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Report);
    try {
      const [{ readRunReport, loadConfig, DEFAULT_STATE_DIR }, { formatReport }] = await Promise.all([
        import('@unrot/engine'),
        import('../lib/format-report.js'),
      ]);
      const stateDir = flags['state-dir'] ?? (await loadConfig(flags.config)).global.state_dir ?? DEFAULT_STATE_DIR;
      const { report } = await readRunReport(stateDir, args.RUN_ID);
      if (flags.json) {
        this.log(JSON.stringify(report, null, 2));
        return;
      }
      const took = Math.round(report.durationMs / 1000);
      this.logLine(`finished ${report.finishedAt} (took ${took}s), exit code ${report.exitCode}`);
      this.log(formatReport(report));
    } catch (error) {
      this.fail(error, flags.json);
    }
  }
}
