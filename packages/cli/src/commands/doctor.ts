import { BaseCommand } from '../lib/base-command.js';

export default class Doctor extends BaseCommand {
  static override summary =
    "Check how unrot reaches Proxmox (global.yml host:): with an API token, that pveproxy answers over verified TLS and the token has every privilege the policy's features need.";
  static override description =
    'Exit 0 when nothing is missing, 6 when a privilege is missing or a configured container is not visible to the token, 3 when the API cannot be reached or refuses the token, 2 for a configuration problem.';
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json'];

  async run(): Promise<void> {
    const { flags } = await this.parse(Doctor);
    let ok = true;
    try {
      const { hostDoctor } = await import('@unrot/engine');
      const report = await hostDoctor(flags.config);
      if (flags.json) this.log(JSON.stringify(report, null, 2));
      else if (report.mode === 'cli')
        this.log(`host: pct/pvesh/pvesm tools on node ${report.node} (no API token configured): nothing to check`);
      else {
        this.logLine(`host: Proxmox VE API ${report.url} (pve-manager ${report.version}), node ${report.node}, token ${report.tokenId}`);
        this.logLine(`features: ${report.features.join(', ')}`);
        for (const vmid of report.invisible)
          this.logLine(`MISSING  CT ${vmid} has a policy but the token cannot see it (VM.Audit on /vms/${vmid}, or it does not exist)`);
        for (const c of report.missing) this.logLine(`MISSING  ${c.anyOf.join(' or ')} on ${c.path} (${c.feature}): ${c.without}`);
        if (report.ok) this.log(`ok: all ${report.checks.length} privilege checks pass`);
      }
      ok = report.ok;
    } catch (error) {
      this.fail(error, flags.json);
      return;
    }
    if (!ok) this.exit(6);
  }
}
