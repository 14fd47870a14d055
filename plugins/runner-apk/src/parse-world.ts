/** One constraint of /etc/apk/world (apk-world(5): `name{@tag}{[<>~=]version}`). */
export interface WorldEntry {
  name: string;
  /** The whole entry, e.g. `busybox=1.36.1-r0` or `nginx@edge`. */
  constraint: string;
  /** True when the entry limits the version or the repository: apk keeps the package where it is. */
  pinned: boolean;
}

const ENTRY = /^!?([A-Za-z0-9][A-Za-z0-9._+-]*)(@[^\s<>=~]+)?([<>=~].*)?$/;

/** apk writes world as space- or line-separated entries; `!name` forbids a package. */
export function parseWorld(text: string): WorldEntry[] {
  const out: WorldEntry[] = [];
  for (const token of text.split(/\s+/)) {
    if (token === '') continue;
    const m = ENTRY.exec(token);
    if (!m) continue;
    out.push({ name: m[1] as string, constraint: token, pinned: m[2] !== undefined || m[3] !== undefined });
  }
  return out;
}
