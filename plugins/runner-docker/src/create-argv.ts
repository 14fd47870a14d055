import { UnrotError } from '@unrot/sdk';
import {
  isObject,
  isZero,
  type Json,
  type JsonObject,
  list,
  num,
  obj,
  optNum,
  optObj,
  optStr,
  sameJson,
  str,
  strList,
  strMap,
} from './json-read.js';
import { assertContainerName, assertNetworkName, assertVolumeName } from './names.js';

// docker inspect of a container (+ inspect of the image it runs) → the `docker create` argv that
// makes the same container on another image, the way watchtower does it: values the container
// only inherited from its old image are left out so the new image's defaults apply. Every key
// of Config and HostConfig is either translated, ignored for a stated reason, or — when set to
// anything but its zero — refused: a container unrot does not fully understand is never
// recreated (E_RUNNER_NOT_APPLICABLE naming the keys). Values are passed as `--flag=value`, one
// argv element each, so no value can be read as another option.

const SRC = 'docker inspect';

/** What recreating one container runs, besides stop/rename/start/rm. */
export interface CreateSpec {
  /** docker create … IMAGE [CMD…]; the environment comes from `--env-file=<envFile>`. */
  argv: string[];
  /** The env-file lines (values may be secrets: never in argv or logs). */
  envFile: string;
  /** docker network connect … for each network beyond the first, run before start. */
  connects: string[][];
  /** The container's name (without the leading `/`). */
  name: string;
}

export interface CreateInput {
  /** One element of `docker inspect CONTAINER`. */
  container: unknown;
  /** One element of `docker image inspect` of the image the container runs now. */
  image: unknown;
  /** The image reference the new container runs (validated by the caller). */
  imageRef: string;
  /** Binary to run, `docker` unless the engine is reached another way. */
  docker?: string;
  /** Where the env-file will be (written by apply through stdin). */
  envFile?: string;
}

/** Keys of Config that have no effect on a container started detached, or that docker derives itself. */
const CONFIG_IGNORED: Record<string, string> = {
  AttachStdin: 'client-side attach hint, no effect on a detached container',
  AttachStdout: 'client-side attach hint, no effect on a detached container',
  AttachStderr: 'client-side attach hint, no effect on a detached container',
  Image: 'replaced by the new image',
  OnBuild: 'image build metadata',
  ArgsEscaped: 'Windows-only build metadata',
  Volumes: 'reproduced from Mounts (anonymous volumes are re-attached by name)',
};

/** Keys of HostConfig docker fills in itself or that only matter to the client. */
const HOST_IGNORED: Record<string, string> = {
  ContainerIDFile: 'written by the client that created the container',
  ConsoleSize: 'terminal size of the creating client',
  MaskedPaths: 'docker default (checked below)',
  ReadonlyPaths: 'docker default (checked below)',
};

// Docker's default masked and read-only paths (moby oci/defaults.go, 20.10; /sys/devices/virtual/powercap since 23).
const DEFAULT_MASKED = new Set([
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
]);
const DEFAULT_READONLY = new Set(['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']);

/** The list of what is refused, for docs and error messages (each with the reason). */
export const REFUSED: Record<string, string> = {
  'Config.StdinOnce': 'only meaningful for an attached `docker run -i`',
  'Config.NetworkDisabled': 'not settable from the docker CLI',
  'Config.Shell': 'a SHELL different from the image cannot be set from the CLI',
  'Config.Entrypoint (several elements)': 'the CLI takes a one-element --entrypoint only',
  'Config.Cmd (emptied)': 'the CLI cannot clear an image CMD',
  'Config.Healthcheck.Test CMD form': 'the CLI sets health commands in the CMD-SHELL form only',
  'HostConfig.NetworkMode container:…': "shares another container's namespace, which its own recreate would break",
  'HostConfig.IpcMode/PidMode container:…': "shares another container's namespace",
  'HostConfig.Links': 'legacy links name other containers',
  'HostConfig.Cgroup': 'container cgroup sharing is not settable from the CLI',
  'HostConfig.DeviceRequests': 'GPU requests (--gpus) are not reproduced',
  'HostConfig.KernelMemory/KernelMemoryTCP': 'deprecated kernel memory limits',
  'HostConfig.Isolation, CpuCount, CpuPercent, IOMaximum*': 'Windows-only',
  'HostConfig.Mounts of type npipe/cluster, or with unknown fields': 'not understood',
  "HostConfig.MaskedPaths/ReadonlyPaths other than docker's defaults": 'set through the API only',
  'NetworkSettings.Networks.*.DriverOpts / Links': 'not settable from the CLI',
  'any other key of Config or HostConfig set to a non-zero value': 'not understood (e.g. an API newer than this runner)',
};

class Refusals {
  readonly keys: string[] = [];
  add(key: string, why: string): void {
    this.keys.push(`${key} (${why})`);
  }
}

function noNul(value: string, field: string): string {
  if (value.includes('\0')) throw new UnrotError('E_RUNNER_UNSAFE_NAME', `${SRC}: ${field} contains a NUL byte`, { field });
  return value;
}

const flag = (name: string, value: string, field: string) => `--${name}=${noNul(value, field)}`;

/** Nanoseconds → a Go duration docker parses back to the same value. */
export function goDuration(ns: number): string {
  if (!Number.isInteger(ns) || ns < 0)
    throw new UnrotError('E_RUNNER_PARSE', `${SRC}: a duration is not a whole number of nanoseconds`, { ns });
  if (ns % 1e9 === 0) return `${ns / 1e9}s`;
  if (ns % 1e6 === 0) return `${ns / 1e6}ms`;
  return `${ns}ns`;
}

/** NanoCpus → the decimal --cpus takes (integer arithmetic, no float rounding). */
export function cpusOf(nano: number): string {
  const whole = Math.floor(nano / 1e9);
  const frac = String(nano % 1e9)
    .padStart(9, '0')
    .replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

/** encoding/csv quoting, as docker's --mount parser reads its value. */
function csvField(field: string): string {
  return /[",\n\r]/.test(field) || field.startsWith(' ') ? `"${field.replace(/"/g, '""')}"` : field;
}

function mountFlag(m: JsonObject, refusals: Refusals, i: number): string | undefined {
  const where = `HostConfig.Mounts[${i}]`;
  const known = new Set(['Type', 'Source', 'Target', 'ReadOnly', 'Consistency', 'BindOptions', 'VolumeOptions', 'TmpfsOptions']);
  const unknown = Object.keys(m).filter((k) => !known.has(k) && !isZero(m[k]));
  const type = str(m.Type, `${where}.Type`, SRC);
  if (!['bind', 'volume', 'tmpfs'].includes(type) || unknown.length > 0) {
    refusals.add(where, `type ${type}${unknown.length ? `, fields ${unknown.join(', ')}` : ''} not understood`);
    return undefined;
  }
  const parts = [`type=${type}`];
  const source = optStr(m.Source, `${where}.Source`, SRC);
  if (source) parts.push(`source=${source}`);
  parts.push(`target=${str(m.Target, `${where}.Target`, SRC)}`);
  if (m.ReadOnly === true) parts.push('readonly');
  const consistency = optStr(m.Consistency, `${where}.Consistency`, SRC);
  if (consistency && consistency !== 'default') parts.push(`consistency=${consistency}`);
  const bind = optObj(m.BindOptions, `${where}.BindOptions`, SRC);
  for (const [k, v] of Object.entries(bind ?? {})) {
    if (k === 'Propagation' && typeof v === 'string' && v) parts.push(`bind-propagation=${v}`);
    else if (k === 'NonRecursive' && v === true) parts.push('bind-nonrecursive=true');
    else if (!isZero(v)) refusals.add(`${where}.BindOptions.${k}`, 'not understood');
  }
  const vol = optObj(m.VolumeOptions, `${where}.VolumeOptions`, SRC);
  for (const [k, v] of Object.entries(vol ?? {})) {
    if (k === 'NoCopy' && v === true) parts.push('volume-nocopy=true');
    else if (k === 'Labels')
      for (const [lk, lv] of Object.entries(strMap(v, `${where}.VolumeOptions.Labels`, SRC))) parts.push(`volume-label=${lk}=${lv}`);
    else if (k === 'DriverConfig' && isObject(v)) {
      const driver = optStr(v.Name, `${where}.VolumeOptions.DriverConfig.Name`, SRC);
      if (driver) parts.push(`volume-driver=${driver}`);
      for (const [ok, ov] of Object.entries(strMap(v.Options, `${where}.VolumeOptions.DriverConfig.Options`, SRC)))
        parts.push(`volume-opt=${ok}=${ov}`);
    } else if (!isZero(v)) refusals.add(`${where}.VolumeOptions.${k}`, 'not understood');
  }
  const tmpfs = optObj(m.TmpfsOptions, `${where}.TmpfsOptions`, SRC);
  for (const [k, v] of Object.entries(tmpfs ?? {})) {
    if (k === 'SizeBytes' && typeof v === 'number' && v > 0) parts.push(`tmpfs-size=${v}`);
    else if (k === 'Mode' && typeof v === 'number' && v > 0) parts.push(`tmpfs-mode=${v.toString(8)}`);
    else if (!isZero(v)) refusals.add(`${where}.TmpfsOptions.${k}`, 'not understood');
  }
  return flag('mount', parts.map(csvField).join(','), where);
}

function portFlags(bindings: JsonObject): string[] {
  const out: string[] = [];
  for (const port of Object.keys(bindings).sort()) {
    if (!/^[0-9]{1,5}(-[0-9]{1,5})?\/(tcp|udp|sctp)$/.test(port))
      throw new UnrotError('E_RUNNER_PARSE', `${SRC}: not a port: ${JSON.stringify(port.slice(0, 50))}`);
    for (const [i, b] of list(bindings[port], `HostConfig.PortBindings.${port}`, SRC).entries()) {
      const o = obj(b, `HostConfig.PortBindings.${port}[${i}]`, SRC);
      const ip = optStr(o.HostIp, 'HostIp', SRC);
      const hostPort = optStr(o.HostPort, 'HostPort', SRC);
      if (ip && !/^[0-9a-fA-F.:]+$/.test(ip))
        throw new UnrotError('E_RUNNER_UNSAFE_NAME', `${SRC}: not a host IP: ${JSON.stringify(ip.slice(0, 50))}`);
      if (hostPort && !/^[0-9]{1,5}(-[0-9]{1,5})?$/.test(hostPort))
        throw new UnrotError('E_RUNNER_PARSE', `${SRC}: not a host port: ${JSON.stringify(hostPort.slice(0, 50))}`);
      const host = ip.includes(':') ? `[${ip}]` : ip;
      out.push(`--publish=${ip ? `${host}:${hostPort}:` : hostPort ? `${hostPort}:` : ''}${port}`);
    }
  }
  return out;
}

const sharesOther = (mode: string) => mode.startsWith('container:');

/** Translators of HostConfig keys; a key missing here and not ignored is refused when set. */
type HostHandler = (v: Json, h: JsonObject, refusals: Refusals) => string[];
const each = (name: string, field: string) => (v: Json) => strList(v, field, SRC).map((x) => flag(name, x, field));
const ifSet = (name: string, field: string) => (v: Json) => {
  const s = optStr(v, field, SRC);
  return s ? [flag(name, s, field)] : [];
};
const ifNonZero = (name: string, field: string) => (v: Json) => {
  const n = optNum(v, field, SRC);
  return n !== 0 ? [flag(name, String(n), field)] : [];
};
const ifTrue = (name: string) => (v: Json) => (v === true ? [`--${name}`] : []);
const throttle = (name: string, field: string, key: 'Rate') => (v: Json) =>
  list(v, field, SRC).map((d, i) => {
    const o = obj(d, `${field}[${i}]`, SRC);
    return flag(name, `${str(o.Path, `${field}[${i}].Path`, SRC)}:${num(o[key], `${field}[${i}].${key}`, SRC)}`, field);
  });
const refuseIfSet =
  (key: string, why: string): HostHandler =>
  (v, _h, r) => {
    if (!isZero(v)) r.add(`HostConfig.${key}`, why);
    return [];
  };

const HOST: Record<string, HostHandler> = {
  Binds: each('volume', 'HostConfig.Binds'),
  LogConfig: (v) => {
    const o = obj(v, 'HostConfig.LogConfig', SRC);
    const type = optStr(o.Type, 'HostConfig.LogConfig.Type', SRC);
    const opts = strMap(o.Config, 'HostConfig.LogConfig.Config', SRC);
    return [
      ...(type ? [flag('log-driver', type, 'LogConfig.Type')] : []),
      ...Object.keys(opts)
        .sort()
        .map((k) => flag('log-opt', `${k}=${opts[k]}`, 'LogConfig.Config')),
    ];
  },
  NetworkMode: () => [], // with the networks, below
  PortBindings: (v) => portFlags(obj(v ?? {}, 'HostConfig.PortBindings', SRC)),
  RestartPolicy: (v) => {
    const o = obj(v, 'HostConfig.RestartPolicy', SRC);
    const name = optStr(o.Name, 'RestartPolicy.Name', SRC);
    if (!name || name === 'no') return [];
    if (!['always', 'unless-stopped', 'on-failure'].includes(name))
      throw new UnrotError('E_RUNNER_PARSE', `${SRC}: unknown restart policy ${JSON.stringify(name.slice(0, 40))}`);
    const max = optNum(o.MaximumRetryCount, 'RestartPolicy.MaximumRetryCount', SRC);
    return [`--restart=${name}${name === 'on-failure' && max > 0 ? `:${max}` : ''}`];
  },
  AutoRemove: ifTrue('rm'),
  VolumeDriver: ifSet('volume-driver', 'HostConfig.VolumeDriver'),
  VolumesFrom: each('volumes-from', 'HostConfig.VolumesFrom'),
  CapAdd: each('cap-add', 'HostConfig.CapAdd'),
  CapDrop: each('cap-drop', 'HostConfig.CapDrop'),
  CgroupnsMode: ifSet('cgroupns', 'HostConfig.CgroupnsMode'),
  Dns: each('dns', 'HostConfig.Dns'),
  DnsOptions: each('dns-option', 'HostConfig.DnsOptions'),
  DnsSearch: each('dns-search', 'HostConfig.DnsSearch'),
  ExtraHosts: each('add-host', 'HostConfig.ExtraHosts'),
  GroupAdd: each('group-add', 'HostConfig.GroupAdd'),
  IpcMode: (v, _h, r) => {
    const mode = optStr(v, 'HostConfig.IpcMode', SRC);
    if (sharesOther(mode)) r.add('HostConfig.IpcMode', `${mode.slice(0, 80)} shares another container's namespace`);
    return mode && !sharesOther(mode) ? [flag('ipc', mode, 'IpcMode')] : [];
  },
  Cgroup: refuseIfSet('Cgroup', 'cgroup sharing is not settable from the CLI'),
  Links: refuseIfSet('Links', 'legacy links name other containers'),
  OomScoreAdj: ifNonZero('oom-score-adj', 'HostConfig.OomScoreAdj'),
  PidMode: (v, _h, r) => {
    const mode = optStr(v, 'HostConfig.PidMode', SRC);
    if (sharesOther(mode)) r.add('HostConfig.PidMode', `${mode.slice(0, 80)} shares another container's namespace`);
    return mode && !sharesOther(mode) ? [flag('pid', mode, 'PidMode')] : [];
  },
  Privileged: ifTrue('privileged'),
  PublishAllPorts: ifTrue('publish-all'),
  ReadonlyRootfs: ifTrue('read-only'),
  SecurityOpt: each('security-opt', 'HostConfig.SecurityOpt'),
  StorageOpt: (v) =>
    Object.entries(strMap(v, 'HostConfig.StorageOpt', SRC)).map(([k, x]) => flag('storage-opt', `${k}=${x}`, 'StorageOpt')),
  Tmpfs: (v) =>
    Object.entries(strMap(v, 'HostConfig.Tmpfs', SRC))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, opts]) => flag('tmpfs', opts ? `${path}:${opts}` : path, 'Tmpfs')),
  UTSMode: ifSet('uts', 'HostConfig.UTSMode'),
  UsernsMode: ifSet('userns', 'HostConfig.UsernsMode'),
  ShmSize: ifNonZero('shm-size', 'HostConfig.ShmSize'),
  Sysctls: (v) =>
    Object.entries(strMap(v, 'HostConfig.Sysctls', SRC))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => flag('sysctl', `${k}=${x}`, 'Sysctls')),
  Runtime: ifSet('runtime', 'HostConfig.Runtime'),
  Isolation: refuseIfSet('Isolation', 'Windows-only'),
  CpuShares: ifNonZero('cpu-shares', 'HostConfig.CpuShares'),
  Memory: ifNonZero('memory', 'HostConfig.Memory'),
  NanoCpus: (v) => {
    const n = optNum(v, 'HostConfig.NanoCpus', SRC);
    return n > 0 ? [`--cpus=${cpusOf(n)}`] : [];
  },
  CgroupParent: ifSet('cgroup-parent', 'HostConfig.CgroupParent'),
  BlkioWeight: ifNonZero('blkio-weight', 'HostConfig.BlkioWeight'),
  BlkioWeightDevice: (v) =>
    list(v, 'HostConfig.BlkioWeightDevice', SRC).map((d, i) => {
      const o = obj(d, `BlkioWeightDevice[${i}]`, SRC);
      return flag('blkio-weight-device', `${str(o.Path, 'Path', SRC)}:${num(o.Weight, 'Weight', SRC)}`, 'BlkioWeightDevice');
    }),
  BlkioDeviceReadBps: throttle('device-read-bps', 'HostConfig.BlkioDeviceReadBps', 'Rate'),
  BlkioDeviceWriteBps: throttle('device-write-bps', 'HostConfig.BlkioDeviceWriteBps', 'Rate'),
  BlkioDeviceReadIOps: throttle('device-read-iops', 'HostConfig.BlkioDeviceReadIOps', 'Rate'),
  BlkioDeviceWriteIOps: throttle('device-write-iops', 'HostConfig.BlkioDeviceWriteIOps', 'Rate'),
  CpuPeriod: ifNonZero('cpu-period', 'HostConfig.CpuPeriod'),
  CpuQuota: ifNonZero('cpu-quota', 'HostConfig.CpuQuota'),
  CpuRealtimePeriod: ifNonZero('cpu-rt-period', 'HostConfig.CpuRealtimePeriod'),
  CpuRealtimeRuntime: ifNonZero('cpu-rt-runtime', 'HostConfig.CpuRealtimeRuntime'),
  CpusetCpus: ifSet('cpuset-cpus', 'HostConfig.CpusetCpus'),
  CpusetMems: ifSet('cpuset-mems', 'HostConfig.CpusetMems'),
  Devices: (v) =>
    list(v, 'HostConfig.Devices', SRC).map((d, i) => {
      const o = obj(d, `HostConfig.Devices[${i}]`, SRC);
      const host = str(o.PathOnHost, 'PathOnHost', SRC);
      const inCt = optStr(o.PathInContainer, 'PathInContainer', SRC) || host;
      const perms = optStr(o.CgroupPermissions, 'CgroupPermissions', SRC) || 'rwm';
      return flag('device', `${host}:${inCt}:${perms}`, 'Devices');
    }),
  DeviceCgroupRules: each('device-cgroup-rule', 'HostConfig.DeviceCgroupRules'),
  DeviceRequests: refuseIfSet('DeviceRequests', 'GPU requests (--gpus) are not reproduced'),
  KernelMemory: refuseIfSet('KernelMemory', 'deprecated kernel memory limit'),
  KernelMemoryTCP: refuseIfSet('KernelMemoryTCP', 'deprecated kernel memory limit'),
  MemoryReservation: ifNonZero('memory-reservation', 'HostConfig.MemoryReservation'),
  MemorySwap: ifNonZero('memory-swap', 'HostConfig.MemorySwap'),
  MemorySwappiness: (v) => (v === null || v === undefined || v === -1 ? [] : [`--memory-swappiness=${num(v, 'MemorySwappiness', SRC)}`]),
  OomKillDisable: ifTrue('oom-kill-disable'),
  PidsLimit: (v) => (v === null || v === undefined || v === 0 ? [] : [`--pids-limit=${num(v, 'PidsLimit', SRC)}`]),
  Ulimits: (v) =>
    list(v, 'HostConfig.Ulimits', SRC).map((u, i) => {
      const o = obj(u, `HostConfig.Ulimits[${i}]`, SRC);
      return flag('ulimit', `${str(o.Name, 'Name', SRC)}=${num(o.Soft, 'Soft', SRC)}:${num(o.Hard, 'Hard', SRC)}`, 'Ulimits');
    }),
  CpuCount: refuseIfSet('CpuCount', 'Windows-only'),
  CpuPercent: refuseIfSet('CpuPercent', 'Windows-only'),
  IOMaximumIOps: refuseIfSet('IOMaximumIOps', 'Windows-only'),
  IOMaximumBandwidth: refuseIfSet('IOMaximumBandwidth', 'Windows-only'),
  Mounts: (v, _h, r) =>
    list(v, 'HostConfig.Mounts', SRC).flatMap((m, i) => {
      const f = mountFlag(obj(m, `HostConfig.Mounts[${i}]`, SRC), r, i);
      return f ? [f] : [];
    }),
  Init: ifTrue('init'),
};

function checkDefaultPaths(h: JsonObject, r: Refusals): void {
  for (const [key, defaults] of [
    ['MaskedPaths', DEFAULT_MASKED],
    ['ReadonlyPaths', DEFAULT_READONLY],
  ] as const) {
    const paths = strList(h[key], `HostConfig.${key}`, SRC);
    // Empty when --privileged or --security-opt systempaths=unconfined made docker drop them.
    if (paths.length > 0 && !paths.every((p) => defaults.has(p)))
      r.add(`HostConfig.${key}`, "not docker's defaults (set through the API only)");
  }
}

function hostFlags(h: JsonObject, r: Refusals): string[] {
  const out: string[] = [];
  for (const key of Object.keys(h)) {
    const handler = HOST[key];
    if (handler) out.push(...handler(h[key] ?? null, h, r));
    else if (!(key in HOST_IGNORED) && !isZero(h[key])) r.add(`HostConfig.${key}`, 'not understood');
  }
  checkDefaultPaths(h, r);
  return out;
}

function entrypointAndCmd(c: JsonObject, img: JsonObject, r: Refusals): { flags: string[]; args: string[] } {
  const entry = strList(c.Entrypoint, 'Config.Entrypoint', SRC);
  const cmd = strList(c.Cmd, 'Config.Cmd', SRC);
  const imgEntry = strList(img.Entrypoint, 'image Config.Entrypoint', SRC);
  const imgCmd = strList(img.Cmd, 'image Config.Cmd', SRC);
  const flags: string[] = [];
  const entryChanged = !sameJson(entry, imgEntry);
  if (entryChanged) {
    if (entry.length > 1) r.add('Config.Entrypoint', `${entry.length} elements differ from the image's (the CLI takes one)`);
    flags.push(`--entrypoint=${noNul(entry[0] ?? '', 'Config.Entrypoint')}`);
  }
  // docker drops the image CMD when --entrypoint is given, so the container's CMD is passed as is then.
  if (!entryChanged && sameJson(cmd, imgCmd)) return { flags, args: [] };
  if (cmd.length === 0 && !entryChanged && imgCmd.length > 0) r.add('Config.Cmd', 'emptied, which the CLI cannot express');
  return { flags, args: cmd.map((a) => noNul(a, 'Config.Cmd')) };
}

function healthFlags(c: JsonObject, img: JsonObject, r: Refusals): string[] {
  const hc = optObj(c.Healthcheck, 'Config.Healthcheck', SRC);
  if (sameJson(hc ?? null, img.Healthcheck ?? null) || hc === undefined) return [];
  const out: string[] = [];
  const test = strList(hc.Test, 'Config.Healthcheck.Test', SRC);
  if (test[0] === 'NONE') return ['--no-healthcheck'];
  if (test[0] === 'CMD-SHELL' && test.length === 2) out.push(flag('health-cmd', test[1] ?? '', 'Healthcheck.Test'));
  else if (test.length > 0) r.add('Config.Healthcheck.Test', `${test[0]?.slice(0, 20)} form (the CLI sets CMD-SHELL only)`);
  const durations: Record<string, string> = { Interval: 'health-interval', Timeout: 'health-timeout', StartPeriod: 'health-start-period' };
  for (const [k, v] of Object.entries(hc)) {
    if (k === 'Test') continue;
    if (k in durations) {
      const ns = optNum(v, `Healthcheck.${k}`, SRC);
      if (ns > 0) out.push(`--${durations[k]}=${goDuration(ns)}`);
    } else if (k === 'Retries') {
      const n = optNum(v, 'Healthcheck.Retries', SRC);
      if (n > 0) out.push(`--health-retries=${n}`);
    } else if (!isZero(v)) r.add(`Config.Healthcheck.${k}`, 'not understood');
  }
  return out;
}

/** Env entries the container has beyond its image's, as env-file lines (KEY=VALUE, one per line). */
function envLines(c: JsonObject, img: JsonObject): string {
  const inherited = new Set(strList(img.Env, 'image Config.Env', SRC));
  const lines: string[] = [];
  for (const e of strList(c.Env, 'Config.Env', SRC)) {
    if (inherited.has(e)) continue;
    const eq = e.indexOf('=');
    // env-file syntax: a line without `=` would import the variable from docker's own environment.
    if (eq <= 0 || /[\s]/.test(e.slice(0, eq)) || /[\n\r\0]/.test(e)) {
      throw new UnrotError(
        'E_RUNNER_NOT_APPLICABLE',
        `${SRC}: an environment entry cannot be written to an env-file exactly (name ${JSON.stringify(e.slice(0, Math.max(eq, 0)).slice(0, 60))})`,
        {
          refused: ['Config.Env'],
        },
      );
    }
    lines.push(e);
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function configFlags(ct: JsonObject, c: JsonObject, img: JsonObject, r: Refusals): { flags: string[]; args: string[] } {
  const out: string[] = [];
  const handled = new Set([
    'Hostname',
    'Domainname',
    'User',
    'Tty',
    'OpenStdin',
    'ExposedPorts',
    'Env',
    'Cmd',
    'Healthcheck',
    'WorkingDir',
    'Entrypoint',
    'MacAddress',
    'Labels',
    'StopSignal',
    'StopTimeout',
  ]);
  const id = optStr(ct.Id, 'Id', SRC);
  const hostname = optStr(c.Hostname, 'Config.Hostname', SRC);
  // docker's default hostname is the short container id, which the new container gets anew.
  if (hostname && hostname !== id.slice(0, 12)) out.push(flag('hostname', hostname, 'Hostname'));
  const domain = optStr(c.Domainname, 'Config.Domainname', SRC);
  if (domain) out.push(flag('domainname', domain, 'Domainname'));
  const user = optStr(c.User, 'Config.User', SRC);
  if (user !== optStr(img.User, 'image Config.User', SRC)) out.push(flag('user', user, 'User'));
  if (c.Tty === true) out.push('--tty');
  if (c.OpenStdin === true) out.push('--interactive');
  const workdir = optStr(c.WorkingDir, 'Config.WorkingDir', SRC);
  if (workdir !== optStr(img.WorkingDir, 'image Config.WorkingDir', SRC)) out.push(flag('workdir', workdir, 'WorkingDir'));
  const mac = optStr(c.MacAddress, 'Config.MacAddress', SRC);
  if (mac) out.push(flag('mac-address', mac, 'MacAddress'));
  const exposed = Object.keys(optObj(c.ExposedPorts, 'Config.ExposedPorts', SRC) ?? {});
  const imgExposed = new Set(Object.keys(optObj(img.ExposedPorts, 'image Config.ExposedPorts', SRC) ?? {}));
  const published = new Set(
    Object.keys(optObj(isObject(ct.HostConfig) ? ct.HostConfig.PortBindings : undefined, 'HostConfig.PortBindings', SRC) ?? {}),
  );
  for (const p of exposed.sort()) if (!imgExposed.has(p) && !published.has(p)) out.push(flag('expose', p, 'ExposedPorts'));
  const labels = strMap(c.Labels, 'Config.Labels', SRC);
  const imgLabels = strMap(img.Labels, 'image Config.Labels', SRC);
  for (const k of Object.keys(labels).sort()) if (imgLabels[k] !== labels[k]) out.push(flag('label', `${k}=${labels[k]}`, 'Labels'));
  const signal = optStr(c.StopSignal, 'Config.StopSignal', SRC);
  if (signal && signal !== optStr(img.StopSignal, 'image Config.StopSignal', SRC)) out.push(flag('stop-signal', signal, 'StopSignal'));
  if (c.StopTimeout !== undefined && c.StopTimeout !== null) out.push(`--stop-timeout=${num(c.StopTimeout, 'Config.StopTimeout', SRC)}`);
  out.push(...healthFlags(c, img, r));
  const { flags, args } = entrypointAndCmd(c, img, r);
  out.push(...flags);

  if (c.StdinOnce === true) r.add('Config.StdinOnce', 'only meaningful for an attached docker run -i');
  if (c.NetworkDisabled === true) r.add('Config.NetworkDisabled', 'not settable from the CLI');
  if (!sameJson(c.Shell ?? null, img.Shell ?? null)) r.add('Config.Shell', 'differs from the image');
  for (const key of Object.keys(c)) {
    if (handled.has(key) || key in CONFIG_IGNORED || ['StdinOnce', 'NetworkDisabled', 'Shell'].includes(key)) continue;
    if (!isZero(c[key])) r.add(`Config.${key}`, 'not understood');
  }
  return { flags: out, args };
}

/** Anonymous volumes (a VOLUME of the image or `-v /path`) are re-attached by name, so their data stays. */
function anonymousVolumeFlags(ct: JsonObject, h: JsonObject): string[] {
  const explicit = new Set<string>();
  for (const b of strList(h.Binds, 'HostConfig.Binds', SRC)) explicit.add(b.split(':')[1] ?? '');
  for (const [i, m] of list(h.Mounts, 'HostConfig.Mounts', SRC).entries())
    explicit.add(optStr(obj(m, `HostConfig.Mounts[${i}]`, SRC).Target, 'Target', SRC));
  for (const t of Object.keys(strMap(h.Tmpfs, 'HostConfig.Tmpfs', SRC))) explicit.add(t);
  const out: string[] = [];
  for (const [i, m] of list(ct.Mounts, 'Mounts', SRC).entries()) {
    const o = obj(m, `Mounts[${i}]`, SRC);
    const dest = str(o.Destination, `Mounts[${i}].Destination`, SRC);
    if (o.Type !== 'volume' || explicit.has(dest)) continue;
    const name = assertVolumeName(str(o.Name, `Mounts[${i}].Name`, SRC), 'anonymous volume');
    out.push(flag('volume', `${name}:${dest}${o.RW === false ? ':ro' : ''}`, 'Mounts'));
  }
  return out;
}

function endpointFlags(net: string, ep: JsonObject, shortId: string, r: Refusals, create: boolean): string[] {
  const out: string[] = [];
  const aliasFlag = create ? 'network-alias' : 'alias';
  // docker adds the short container id as an alias on user-defined networks by itself.
  for (const a of strList(ep.Aliases, `Networks.${net}.Aliases`, SRC)) if (a !== shortId) out.push(flag(aliasFlag, a, 'Aliases'));
  const ipam = optObj(ep.IPAMConfig, `Networks.${net}.IPAMConfig`, SRC);
  for (const [k, v] of Object.entries(ipam ?? {})) {
    if (k === 'IPv4Address' && typeof v === 'string' && v) out.push(flag('ip', v, 'IPv4Address'));
    else if (k === 'IPv6Address' && typeof v === 'string' && v) out.push(flag('ip6', v, 'IPv6Address'));
    else if (k === 'LinkLocalIPs') for (const ip of strList(v, 'LinkLocalIPs', SRC)) out.push(flag('link-local-ip', ip, 'LinkLocalIPs'));
    else if (!isZero(v)) r.add(`NetworkSettings.Networks.${net}.IPAMConfig.${k}`, 'not understood');
  }
  if (!isZero(ep.Links)) r.add(`NetworkSettings.Networks.${net}.Links`, 'legacy links');
  if (!isZero(ep.DriverOpts)) r.add(`NetworkSettings.Networks.${net}.DriverOpts`, 'not settable from the CLI');
  return out;
}

function networkFlags(ct: JsonObject, h: JsonObject, name: string, docker: string, r: Refusals): { flags: string[]; connects: string[][] } {
  const mode = optStr(h.NetworkMode, 'HostConfig.NetworkMode', SRC) || 'default';
  if (sharesOther(mode)) {
    r.add('HostConfig.NetworkMode', `${mode.slice(0, 80)} shares another container's network namespace`);
    return { flags: [], connects: [] };
  }
  const settings = optObj(ct.NetworkSettings, 'NetworkSettings', SRC);
  const networks = optObj(settings?.Networks, 'NetworkSettings.Networks', SRC) ?? {};
  const shortId = optStr(ct.Id, 'Id', SRC).slice(0, 12);
  const primary = mode === 'default' ? 'bridge' : mode;
  const flags: string[] = mode === 'default' ? [] : [flag('network', assertNetworkName(mode, 'HostConfig.NetworkMode'), 'NetworkMode')];
  const primaryEp = networks[primary];
  if (isObject(primaryEp)) flags.push(...endpointFlags(primary, primaryEp, shortId, r, true));
  const connects: string[][] = [];
  for (const net of Object.keys(networks).sort()) {
    if (net === primary) continue;
    assertNetworkName(net, 'NetworkSettings.Networks');
    const ep = obj(networks[net], `NetworkSettings.Networks.${net}`, SRC);
    connects.push([docker, 'network', 'connect', ...endpointFlags(net, ep, shortId, r, false), net, name]);
  }
  return { flags, connects };
}

/**
 * The argv that recreates `container` on `imageRef`; throws E_RUNNER_NOT_APPLICABLE listing
 * every key it does not understand (nothing is guessed), E_RUNNER_PARSE on malformed JSON and
 * E_RUNNER_UNSAFE_NAME on names docker itself would not accept.
 */
export function buildCreate(input: CreateInput): CreateSpec {
  const docker = input.docker ?? 'docker';
  const ct = obj(input.container, 'container', SRC);
  const image = obj(input.image, 'image', 'docker image inspect');
  const img = optObj(image.Config, 'image Config', 'docker image inspect') ?? {};
  const name = assertContainerName(str(ct.Name, 'Name', SRC), 'docker inspect Name');
  const c = obj(ct.Config, 'Config', SRC);
  const h = obj(ct.HostConfig, 'HostConfig', SRC);
  const r = new Refusals();
  const config = configFlags(ct, c, img, r);
  const host = hostFlags(h, r);
  const volumes = anonymousVolumeFlags(ct, h);
  const nets = networkFlags(ct, h, name, docker, r);
  const envFile = envLines(c, img);
  if (r.keys.length > 0) {
    throw new UnrotError('E_RUNNER_NOT_APPLICABLE', `container ${name} cannot be recreated exactly; not understood: ${r.keys.join('; ')}`, {
      container: name,
      refused: r.keys,
    });
  }
  const argv = [
    docker,
    'create',
    `--name=${name}`,
    ...(envFile ? [`--env-file=${input.envFile ?? `/run/unrot-docker-${name}.env`}`] : []),
    ...config.flags,
    ...host,
    ...volumes,
    ...nets.flags,
    input.imageRef,
    ...config.args,
  ];
  return { argv, envFile, connects: nets.connects, name };
}
