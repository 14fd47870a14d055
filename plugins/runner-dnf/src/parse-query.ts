import { UnrotError } from '@unrot/sdk';
import type { Evr } from './evr.js';
import { assertRpmName, isRpmArch, isRpmVersion } from './names.js';

/** One package as `dnf repoquery --qf` or `rpm -q --qf` printed it. */
export interface RpmPackage extends Evr {
  name: string;
  arch: string;
  /** The repository (repoquery only). */
  repo?: string;
}

/**
 * `%{name} %{epoch} %{version} %{release} %{arch} %{repoid}\n`, the same tags in dnf 4 and dnf5.
 * Fields are space separated: no field can hold a space. dnf 4 prints an empty line after each
 * entry (it adds its own newline to the format's `\n`); dnf5 does not; both are accepted.
 */
export const REPOQUERY_FORMAT = '%{name} %{epoch} %{version} %{release} %{arch} %{repoid}\\n';
/** rpm prints `(none)` for a package without an epoch. */
export const RPM_QUERY_FORMAT = '%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH}\\n';

function parseError(what: string, line: string): UnrotError {
  return new UnrotError('E_RUNNER_PARSE', `${what}: unrecognised line ${JSON.stringify(line.slice(0, 200))}`, { line: line.slice(0, 500) });
}

function parseFields(fields: string[], line: string, what: string): RpmPackage {
  const [name, epoch, version, release, arch] = fields as [string, string, string, string, string];
  const epochNumber = epoch === '(none)' ? 0 : /^[0-9]{1,10}$/.test(epoch) ? Number(epoch) : Number.NaN;
  if (Number.isNaN(epochNumber) || !isRpmVersion(version) || !isRpmVersion(release) || !isRpmArch(arch)) throw parseError(what, line);
  return { name: assertRpmName(name, line), epoch: epochNumber, version, release, arch };
}

export function parseRepoquery(stdout: string): RpmPackage[] {
  const out: RpmPackage[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(' ');
    if (fields.length !== 6) throw parseError('dnf repoquery', line);
    const repo = fields[5] as string;
    if (!/^[^\s]+$/.test(repo)) throw parseError('dnf repoquery', line);
    out.push({ ...parseFields(fields, line, 'dnf repoquery'), repo });
  }
  return out;
}

const NOT_INSTALLED = /^package (\S+) is not installed$/;

/** `rpm -q --qf RPM_QUERY_FORMAT NAME…`: names rpm does not know print "package X is not installed" (exit 1). */
export function parseRpmQuery(stdout: string): RpmPackage[] {
  const out: RpmPackage[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '' || NOT_INSTALLED.test(line.trim())) continue;
    const fields = line.trim().split(' ');
    if (fields.length !== 5) throw parseError('rpm -q', line);
    out.push(parseFields(fields, line, 'rpm -q'));
  }
  return out;
}
