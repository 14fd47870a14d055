import { UnrotError } from '@unrot/sdk';

/** Installed versions by package name (without architecture), from `dpkg-query -W -f=…`. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax, not a JS template
export const DPKG_QUERY_FORMAT = '${Package}\\t${Architecture}\\t${db:Status-Abbrev}\\t${Version}\\n';

export interface InstalledPackage {
  name: string;
  arch: string;
  version: string;
}

/** Only fully installed packages (status `ii`) count; removed ones keep their row with status `rc`/`un`. */
export function parseDpkgQuery(stdout: string): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const fields = line.split('\t');
    if (fields.length !== 4) throw new UnrotError('E_RUNNER_PARSE', 'dpkg-query: expected 4 tab-separated fields', { line });
    const [name, arch, status, version] = fields as [string, string, string, string];
    if (status.trim() === 'ii' && version !== '') packages.push({ name, arch, version });
  }
  return packages;
}
