import { BaseCommand } from '../lib/base-command.js';

export default class Validate extends BaseCommand {
  static override summary = 'Check global.yml and containers/*.yml strictly; exit 2 with file, line and key path on any problem.';
  static override examples = ['<%= config.bin %> validate', '<%= config.bin %> validate --config ./my-policy'];

  async run(): Promise<void> {
    const { flags } = await this.parse(Validate);
    try {
      const { prepare } = await import('@unrot/engine');
      const { config, runners } = await prepare(flags.config, this.pluginRoots());
      const summary = {
        valid: true,
        configDir: config.dir,
        globalFile: config.globalFile,
        containerFiles: [...config.containers.values()].map((c) => c.file),
        // Which containers a group file applies to needs the container list: `unrot targets` shows it.
        groupFiles: config.groups.map((g) => ({ file: g.file, selectors: g.selectors })),
        runners: [...runners.values()].map((r) => ({ id: r.id, kind: r.kind, plugin: `${r.plugin.name}@${r.plugin.version}` })),
      };
      if (flags.json) this.log(JSON.stringify(summary, null, 2));
      else {
        const groups = summary.groupFiles.length;
        this.log(
          `${config.dir}: valid (${summary.containerFiles.length} container file${summary.containerFiles.length === 1 ? '' : 's'}${groups > 0 ? `, ${groups} group file${groups === 1 ? '' : 's'}: see \`unrot targets\` for the containers each applies to` : ''})`,
        );
        this.log(`runners installed: ${summary.runners.map((r) => `${r.id} (${r.plugin})`).join(', ') || 'none'}`);
      }
    } catch (error) {
      this.fail(error, flags.json);
    }
  }
}
