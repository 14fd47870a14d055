/**
 * Proxmox's container config file format (pve-container LXC/Config.pm parse_pct_config /
 * write_pct_config), byte for byte: description as `#` lines first, keys sorted, raw lxc.*
 * lines in file order, then `[pve:pending]`, then `[snapname]` sections sorted by name.
 */

export interface PveSection {
  /** Decoded description; lines read from `#` comments each end with "\n". */
  description?: string;
  /** Plain keys (hostname, rootfs, lock, parent, snaptime, snapstate, ...). */
  keys: Record<string, string>;
  /** Raw lxc.* entries in file order. */
  lxc: Array<[string, string]>;
}

export interface PveConfig extends PveSection {
  pending: PveSection;
  snapshots: Record<string, PveSection>;
}

export function emptySection(): PveSection {
  return { keys: {}, lxc: [] };
}

export function emptyConfig(): PveConfig {
  return { keys: {}, lxc: [], pending: emptySection(), snapshots: {} };
}

// Bytes kept as they are: 0x20-0x7e except '%' and ':' (the reference, pve-common encode_text).
function isSafeByte(b: number): boolean {
  return b >= 0x20 && b <= 0x7e && b !== 0x25 && b !== 0x3a;
}

export function encodeText(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    out += isSafeByte(b) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeText(data: string): string {
  // uri_unescape only turns valid %XX into bytes and leaves anything else alone.
  const bytes: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const m = data[i] === '%' ? /^[0-9a-fA-F]{2}$/.exec(data.slice(i + 1, i + 3)) : null;
    if (m) {
      bytes.push(Number.parseInt(m[0], 16));
      i += 2;
    } else {
      for (const b of Buffer.from(data[i]!, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const PENDING_RE = /^\[pve:pending\]\s*$/i;
const SECTION_RE = /^\[([a-z][a-z0-9_-]+)\]\s*$/i;
const LXC_RE = /^(lxc\.[a-z0-9_\-.]+)(:|\s*=)\s*(.*?)\s*$/;
const DESCR_RE = /^(description):\s*(.*\S)\s*$/;
const SNAPSTATE_RE = /snapstate:\s*(prepare|delete)\s*$/;
const KEY_RE = /^([a-z][a-z_]*\d*):\s*(\S.*)$/;

/** Parses a .conf file. Lines it cannot parse are returned as warnings (Proxmox warns and goes on). */
export function parsePveConfig(raw: string, warnings: string[] = []): PveConfig {
  const res = emptyConfig();
  let conf: PveSection = res;
  let descr = '';
  const flushDescr = () => {
    if (descr) conf.description = descr;
    descr = '';
  };
  for (const line of raw.split('\n')) {
    if (/^\s*$/.test(line)) continue;
    if (PENDING_RE.test(line)) {
      flushDescr();
      conf = res.pending = emptySection();
      continue;
    }
    const sec = SECTION_RE.exec(line);
    if (sec) {
      flushDescr();
      conf = res.snapshots[sec[1]!] = emptySection();
      continue;
    }
    const comment = /^#(.*)$/.exec(line);
    if (comment) {
      descr += `${decodeText(comment[1]!)}\n`;
      continue;
    }
    let m = LXC_RE.exec(line);
    if (m) {
      conf.lxc.push([m[1]!, m[3]!]);
      continue;
    }
    m = DESCR_RE.exec(line);
    if (m) {
      descr += decodeText(m[2]!);
      continue;
    }
    m = SNAPSTATE_RE.exec(line);
    if (m) {
      conf.keys['snapstate'] = m[1]!;
      continue;
    }
    m = KEY_RE.exec(line);
    if (m) {
      conf.keys[m[1]!] = m[2]!;
      continue;
    }
    warnings.push(`unable to parse config: ${line}`);
  }
  flushDescr();
  // Proxmox deletes a stray top-level snapstate "just to be sure".
  delete res.keys['snapstate'];
  return res;
}

function writeSection(sec: PveSection): string {
  let raw = '';
  // Perl's split(/\n/) drops trailing empty fields, so a final "\n" adds no empty comment line.
  const lines = (sec.description ?? '').split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) raw += `#${encodeText(line)}\n`;
  for (const key of Object.keys(sec.keys).sort()) {
    const value = sec.keys[key]!;
    if (value.includes('\n')) throw new Error(`detected invalid newline inside property '${key}'`);
    raw += `${key}: ${value}\n`;
  }
  for (const [k, v] of sec.lxc) raw += `${k}: ${v}\n`;
  return raw;
}

export function writePveConfig(conf: PveConfig): string {
  const main: PveSection = { ...conf, keys: { ...conf.keys } };
  delete main.keys['snapstate'];
  let raw = writeSection(main);
  if (Object.keys(conf.pending.keys).length > 0 || conf.pending.lxc.length > 0 || conf.pending.description) {
    raw += `\n[pve:pending]\n${writeSection(conf.pending)}`;
  }
  for (const name of Object.keys(conf.snapshots).sort()) {
    raw += `\n[${name}]\n${writeSection(conf.snapshots[name]!)}`;
  }
  return raw;
}

/** A section as a flat key map including description, as the API returns it. */
export function sectionEntries(sec: PveSection): Record<string, string> {
  const out: Record<string, string> = { ...sec.keys };
  if (sec.description !== undefined) out['description'] = sec.description;
  return out;
}

/** `pct config` printer: sorted keys (description encode_text'ed), then raw lxc entries. */
export function formatConfigForCli(sec: PveSection): string {
  const entries = sectionEntries(sec);
  let out = '';
  for (const key of Object.keys(entries).sort()) {
    if (key === 'digest') continue;
    const v = key === 'description' ? encodeText(entries[key]!) : entries[key]!;
    out += `${key}: ${v}\n`;
  }
  for (const [k, v] of sec.lxc) out += `${k}: ${v}\n`;
  return out;
}

/** The main section with pending changes applied (what `pct config` shows without --current). */
export function applyPending(conf: PveConfig): PveSection {
  const keys = { ...conf.keys };
  for (const [k, v] of Object.entries(conf.pending.keys)) {
    if (k === 'delete') {
      for (const d of v.split(/[,;\s]+/).filter(Boolean)) delete keys[d.replace(/^!/, '')];
    } else keys[k] = v;
  }
  const out: PveSection = { keys, lxc: conf.lxc };
  const descr = conf.pending.description ?? conf.description;
  if (descr !== undefined) out.description = descr;
  return out;
}
