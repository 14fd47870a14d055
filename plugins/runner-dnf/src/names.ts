import { isExcluded, UnrotError } from '@unrot/sdk';

// rpm names as Fedora's packaging guidelines allow them (letters, digits, `-._+`), never starting
// with `-` so a name can never be read as an option.
const RPM_NAME = /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/;
const RPM_ARCH = /^[A-Za-z0-9_]+$/;
// rpm forbids `-` in version and release; `~` and `^` are pre-release and snapshot markers.
const RPM_VERSION = /^[A-Za-z0-9._+~^]+$/;

export const isRpmName = (name: string): boolean => RPM_NAME.test(name) && name.length <= 255;
export const isRpmArch = (arch: string): boolean => RPM_ARCH.test(arch);
export const isRpmVersion = (version: string): boolean => RPM_VERSION.test(version);

/** Every name parsed from dnf/rpm output passes here before it can reach argv. */
export function assertRpmName(name: string, context: string): string {
  if (!isRpmName(name)) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `dnf printed a package name that is not an rpm package name: ${JSON.stringify(name)}`, {
      name,
      context,
    });
  }
  return name;
}

/** Exclusions match the name or `name.arch`, as dnf's `--exclude` does. */
export function excluded(name: string, arch: string, exclusions: readonly string[]): boolean {
  return isExcluded(name, exclusions) || isExcluded(`${name}.${arch}`, exclusions);
}
