import { UnrotError } from '@unrot/sdk';

/** A flatpak ref split up: kind/ID/ARCH/BRANCH (e.g. app/org.gnome.Maps/x86_64/stable). */
export interface FlatpakRef {
  kind: 'app' | 'runtime';
  id: string;
  arch: string;
  branch: string;
}

// flatpak's own rules (flatpak_is_valid_name/branch/arch), narrowed: no leading '-', so no
// part of a ref can read as an option once it is in argv.
const ID = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+){2,}$/;
const ARCH = /^[A-Za-z0-9_]+$/;
const BRANCH = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function isValidParts(id: string, arch: string, branch: string): boolean {
  return id.length <= 255 && ID.test(id) && ARCH.test(arch) && BRANCH.test(branch);
}

/** Parses `app/ID/ARCH/BRANCH` or `runtime/…`; a ref without kind takes `defaultKind`. Undefined when invalid. */
export function parseRef(text: string, defaultKind?: FlatpakRef['kind']): FlatpakRef | undefined {
  const parts = text.split('/');
  let kind: string | undefined = defaultKind;
  if (parts.length === 4) kind = parts.shift();
  if (parts.length !== 3 || (kind !== 'app' && kind !== 'runtime')) return undefined;
  const [id, arch, branch] = parts as [string, string, string];
  return isValidParts(id, arch, branch) ? { kind, id, arch, branch } : undefined;
}

export function assertRef(text: string, source: string, defaultKind?: FlatpakRef['kind']): FlatpakRef {
  const ref = parseRef(text, defaultKind);
  if (!ref) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `${source} listed a ref that breaks flatpak's ref rules: ${JSON.stringify(text)}`, {
      ref: text,
      source,
    });
  }
  return ref;
}

/** The name an update carries: ID/ARCH/BRANCH, as `flatpak list` prints it. */
export function refName(ref: FlatpakRef): string {
  return `${ref.id}/${ref.arch}/${ref.branch}`;
}

/** The full ref flatpak update takes. */
export function fullRef(ref: FlatpakRef): string {
  return `${ref.kind}/${refName(ref)}`;
}

/** ostree commit checksums: flatpak prints the first 12 hex digits, full ones are 64. */
const COMMIT = /^[0-9a-f]{12,64}$/;

export function assertCommit(name: string, commit: string, source: string): string {
  if (!COMMIT.test(commit)) {
    throw new UnrotError('E_RUNNER_UNSAFE_NAME', `${source} gave ${name} a commit that is not a checksum: ${JSON.stringify(commit)}`, {
      name,
      commit,
      source,
    });
  }
  return commit;
}
