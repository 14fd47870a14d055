/** `GET /nodes/<node>/status` (pve-manager API2/Nodes.pm) filled from the real host. */
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { availableParallelism, machine, release, version } from 'node:os';

function meminfo(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+)(?: kB)?$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

function cpuinfo(): Record<string, string | number> {
  const text = readFileSync('/proc/cpuinfo', 'utf8');
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const sockets = new Set([...text.matchAll(/^physical id\s*:\s*(\d+)$/gm)].map((m) => m[1])).size || 1;
  const flags = field('flags') ?? '';
  return {
    cpus: availableParallelism(),
    cores: Number(field('cpu cores') ?? availableParallelism()) * sockets,
    sockets,
    model: field('model name') ?? 'unknown',
    mhz: field('cpu MHz') ?? '0',
    hvm: /\b(vmx|svm)\b/.test(flags) ? '1' : '0',
    flags,
    user_hz: 100,
  };
}

function cpuTimes(): { busy: number; total: number; iowait: number } {
  const nums = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = nums.reduce((a, b) => a + b, 0);
  const idle = (nums[3] ?? 0) + (nums[4] ?? 0);
  return { busy: total - idle, total, iowait: nums[4] ?? 0 };
}

/** cpu and wait over a short window, as fractions like pvestatd reports them. */
async function cpuUsage(): Promise<{ cpu: number; wait: number }> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, 100));
  const b = cpuTimes();
  const dt = b.total - a.total || 1;
  return { cpu: (b.busy - a.busy) / dt, wait: (b.iowait - a.iowait) / dt };
}

export async function nodeStatus(pveversion: string): Promise<Record<string, unknown>> {
  const mem = meminfo();
  const root = statfsSync('/');
  const { cpu, wait } = await cpuUsage();
  const [up, idle] = readFileSync('/proc/uptime', 'utf8').trim().split(/\s+/).map(Number);
  const kernel = { sysname: 'Linux', release: release(), version: version(), machine: machine() };
  return {
    uptime: Math.floor(up ?? 0),
    idle: Math.floor(idle ?? 0),
    loadavg: readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3),
    kversion: `${kernel.sysname} ${kernel.release} ${kernel.version}`,
    'current-kernel': kernel,
    'boot-info': existsSync('/sys/firmware/efi') ? { mode: 'efi', secureboot: 0 } : { mode: 'legacy-bios' },
    cpuinfo: cpuinfo(),
    cpu,
    wait,
    memory: {
      total: mem['MemTotal'] ?? 0,
      free: mem['MemFree'] ?? 0,
      used: (mem['MemTotal'] ?? 0) - (mem['MemFree'] ?? 0),
      available: mem['MemAvailable'] ?? 0,
    },
    ksm: { shared: Number(readFileSafe('/sys/kernel/mm/ksm/pages_sharing') ?? 0) * 4096 },
    swap: { total: mem['SwapTotal'] ?? 0, free: mem['SwapFree'] ?? 0, used: (mem['SwapTotal'] ?? 0) - (mem['SwapFree'] ?? 0) },
    pveversion,
    rootfs: {
      total: root.blocks * root.bsize,
      avail: root.bavail * root.bsize,
      used: (root.blocks - root.bfree) * root.bsize,
      free: root.bfree * root.bsize,
    },
  };
}

function readFileSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
