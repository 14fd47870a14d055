/**
 * PVE::LXC::vmstatus() for one CT: the hash behind `pct status --verbose` and
 * `pvesh get /nodes/<node>/lxc`. Running values come from the CT's init pid and its cgroups.
 */
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ctName } from '../lxc.js';
import type { PveSection } from '../pve-config.js';

export type VmStatus = Record<string, string | number>;

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** pve-common parse_size for a `size=` value (K/M/G/T suffix, bytes without). */
export function parseSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(value);
  if (!m) return undefined;
  const mult = { K: 1024, M: MIB, G: GIB, T: 1024 * GIB }[m[2] as 'K' | 'M' | 'G' | 'T'] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

function rootfsSize(sec: PveSection): number | undefined {
  const rootfs = sec.keys['rootfs'];
  const size = rootfs
    ?.split(',')
    .find((p) => p.startsWith('size='))
    ?.slice(5);
  return parseSize(size);
}

function readNum(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

// A pure v2 host mounts cgroup2 at /sys/fs/cgroup; a hybrid one at /sys/fs/cgroup/unified.
const UNIFIED_BASE = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';

/** cgroup directories of a pid per controller, from /proc/<pid>/cgroup (v1 and v2 lines). */
function cgroupDirs(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n')) {
      const m = /^\d+:([^:]*):(.*)$/.exec(line);
      if (!m) continue;
      if (m[1] === '') out.set('unified', `${UNIFIED_BASE}${m[2]}`);
      for (const c of m[1]!.split(',')) if (c) out.set(c, `/sys/fs/cgroup/${c}${m[2]}`);
    }
  } catch {
    // the CT stopped in between; values stay 0
  }
  return out;
}

function blkioTotals(dir: string | undefined): { read: number; write: number } {
  const res = { read: 0, write: 0 };
  if (!dir) return res;
  try {
    for (const line of readFileSync(`${dir}/blkio.throttle.io_service_bytes`, 'utf8').split('\n')) {
      const m = /^\S+ (Read|Write) (\d+)$/.exec(line);
      if (m) res[m[1] === 'Read' ? 'read' : 'write'] += Number(m[2]);
    }
  } catch {
    // no blkio controller: 0, like a CT without I/O
  }
  return res;
}

/** cgroup v2 io.stat: `MAJ:MIN rbytes=N wbytes=N ...` per device. */
function ioStatTotals(dir: string | undefined): { read: number; write: number } {
  const res = { read: 0, write: 0 };
  if (!dir) return res;
  try {
    for (const line of readFileSync(`${dir}/io.stat`, 'utf8').split('\n')) {
      res.read += Number(/rbytes=(\d+)/.exec(line)?.[1] ?? 0);
      res.write += Number(/wbytes=(\d+)/.exec(line)?.[1] ?? 0);
    }
  } catch {
    // no io controller delegated: 0
  }
  return res;
}

function processUptime(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]);
    const hostUptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    // USER_HZ is 100 on Linux.
    return Math.max(0, Math.floor(hostUptime - startTicks / 100));
  } catch {
    return 0;
  }
}

export function vmStatus(vmid: number, sec: PveSection, running: boolean, pid?: number): VmStatus {
  const memory = Number(sec.keys['memory'] ?? 512);
  const swap = Number(sec.keys['swap'] ?? 512);
  const d: VmStatus = {
    vmid,
    status: running ? 'running' : 'stopped',
    name: ctName(sec, vmid),
    type: 'lxc',
    cpus: Number(sec.keys['cores'] ?? sec.keys['cpulimit'] ?? availableParallelism()),
    maxmem: memory * MIB,
    maxswap: swap * MIB,
    mem: 0,
    swap: 0,
    disk: 0,
    maxdisk: rootfsSize(sec) || 4 * GIB,
    uptime: 0,
    cpu: 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
  };
  if (sec.keys['tags']) d['tags'] = sec.keys['tags'];
  if (sec.keys['lock']) d['lock'] = sec.keys['lock'];
  if (sec.keys['template'] === '1') d['template'] = 1;
  if (running && pid) {
    d['pid'] = pid;
    d['uptime'] = processUptime(pid);
    const cg = cgroupDirs(pid);
    const memDir = cg.get('memory');
    const mem = memDir ? readNum(`${memDir}/memory.usage_in_bytes`) : readNum(`${cg.get('unified')}/memory.current`);
    if (mem !== undefined) d['mem'] = mem;
    const memsw = memDir ? readNum(`${memDir}/memory.memsw.usage_in_bytes`) : undefined;
    if (memsw !== undefined && mem !== undefined) d['swap'] = Math.max(0, memsw - mem);
    const io = cg.has('blkio') ? blkioTotals(cg.get('blkio')) : ioStatTotals(cg.get('unified'));
    d['diskread'] = io.read;
    d['diskwrite'] = io.write;
    try {
      const st = statfsSync(`/proc/${pid}/root`);
      d['maxdisk'] = st.blocks * st.bsize;
      d['disk'] = (st.blocks - st.bfree) * st.bsize;
    } catch {
      // keep the config size
    }
  }
  return d;
}

/** `pct status --verbose`: every key except cpu, sorted, as `key: value`. */
export function formatStatusVerbose(d: VmStatus): string {
  return Object.keys(d)
    .filter((k) => k !== 'cpu')
    .sort()
    .map((k) => `${k}: ${d[k]}\n`)
    .join('');
}

/** to_json(..., canonical => 1): one line, keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Perl JSON->pretty->canonical: 3-space indent and `"key" : value`, as `pvesh --output-format json-pretty`. */
export function canonicalJsonPretty(value: unknown, indent = ''): string {
  const inner = `${indent}   `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + canonicalJsonPretty(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)} : ${canonicalJsonPretty(obj[k], inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
