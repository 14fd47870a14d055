#!/usr/bin/env node
// A whole fleet through the real engine: `runUnrot` (config, pct adapter, piscina workers,
// reports) over a simulated Proxmox host whose containers' commands take configured times.
// Usage: node bench/fleet.mjs [--containers 500] [--concurrency 16] [--seed 1] [--backup snapshot|none]
//          [--check-ms 20-60] [--apply-ms 50-400] [--no-serial] [--count-calls] [--keep] [--json [FILE]]
//          [--engine path/to/engine/dist/index.js] [--host cli|api] [--nodes N [--per-node K]]
// Needs the build (`npx turbo run build`). See bench/README.md for how to read the figures.
// Goals (issue): makespan within 10% of max(longest container, total work / concurrency) with
// jitter off; under 5 ms of engine CPU per container; under 200 MB peak memory for 500 containers.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const fixtures = join(here, 'fleet');

const GOALS = { ratio: 1.1, cpuMsPerContainer: 5, peakMb: 200 };

// ---- options ---------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const int = (name, fallback, min, max) => {
  const n = Number(value(name, fallback));
  if (!Number.isInteger(n) || n < min || n > max) usage(`${name} wants an integer from ${min} to ${max}`);
  return n;
};
const range = (name, fallback) => {
  const m = /^(\d+)-(\d+)$/.exec(value(name, fallback));
  if (!m || Number(m[1]) > Number(m[2])) usage(`${name} wants MIN-MAX in milliseconds, like ${fallback}`);
  return [Number(m[1]), Number(m[2])];
};
function usage(message) {
  console.error(`fleet.mjs: ${message}`);
  process.exit(2);
}
const opts = {
  containers: int('--containers', '500', 1, 100_000),
  concurrency: int('--concurrency', '16', 1, 64), // global.yml max_concurrency allows 1..64
  seed: int('--seed', '1', 0, 2 ** 32 - 1),
  backup: value('--backup', 'snapshot'),
  checkMs: range('--check-ms', '20-60'),
  applyMs: range('--apply-ms', '50-400'),
  serial: !flag('--no-serial'),
  keep: flag('--keep'),
  // cli: the engine drives fleet/pct as pct/pvesh/pvesm; api: the simulated host also serves the
  // Proxmox API (fleet/api-host.mjs) and the engine uses it for everything but `pct exec`.
  // `--nodes N` implies api: a cluster of N nodes, the others' `pct exec` through ssh (fleet/sshd.mjs).
  host: flag('--nodes') ? 'api' : value('--host', 'cli'),
  countCalls: flag('--count-calls') || flag('--nodes') || value('--host', 'cli') === 'api',
  nodes: flag('--nodes') ? int('--nodes', '3', 1, 64) : undefined,
  // Another build of the engine (its dist/index.js), e.g. a patched copy, to try a change.
  engine: value('--engine', join(repo, 'packages/engine/dist/index.js')),
  json: flag('--json'),
  // `--json FILE`: the table on stdout and the JSON into FILE; a bare `--json`: only the JSON, on stdout.
  jsonFile: value('--json', '--').startsWith('--') ? undefined : value('--json'),
};
if (!['snapshot', 'none'].includes(opts.backup)) usage('--backup is snapshot or none');
if (!['cli', 'api'].includes(opts.host)) usage('--host is cli or api');
if (flag('--nodes') && value('--host', 'api') !== 'api') usage('--nodes needs --host api (the CLI tools see one node)');
if (flag('--per-node') && !opts.nodes) usage('--per-node needs --nodes');
// concurrency.per_node: by default the cluster's max_concurrency spread evenly, rounded up.
if (opts.nodes) opts.perNode = int('--per-node', String(Math.ceil(opts.concurrency / opts.nodes)), 1, 64);
const progress = (line) => process.stderr.write(`${line}\n`);

// `--sweep 100,500,1000,2000`: this benchmark at each size in a process of its own, then the slope (fleet/sweep.mjs).
if (flag('--sweep')) {
  const sizes = String(value('--sweep', '')).split(',').map(Number);
  if (sizes.length < 2 || sizes.some((n, i) => !Number.isInteger(n) || n < 1 || n > 100_000 || (i > 0 && n <= sizes[i - 1])))
    usage('--sweep wants two or more ascending fleet sizes, like 100,500,1000,2000');
  const dropped = new Set(['--sweep', '--containers', '--json']);
  const passThrough = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-serial' || argv[i] === '--keep') continue;
    const takesValue = i + 1 < argv.length && !argv[i + 1].startsWith('--');
    if (!dropped.has(argv[i])) passThrough.push(argv[i], ...(takesValue ? [argv[i + 1]] : []));
    if (takesValue) i++;
  }
  const { runSweep } = await import('./fleet/sweep.mjs');
  process.exit(
    await runSweep({ script: fileURLToPath(import.meta.url), sizes, passThrough, json: opts.json, jsonFile: opts.jsonFile, progress }),
  );
}

// ---- the simulated fleet and its work ---------------------------------------------------------
// mulberry32: a tiny seeded generator, so a seed always gives the same fleet.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(opts.seed);
const between = ([lo, hi]) => lo + Math.floor(random() * (hi - lo + 1));
// A container's work is what its commands spend in `sim`: check, apply and the re-check that
// verify runs. Everything else (pct calls, the engine itself) is overhead against the bound.
// `--nodes N`: node 1 is `pve` (this node, where unrot runs), the others pve2 … pveN; containers
// are dealt to them round-robin in VMID order.
const nodeNames = opts.nodes ? Array.from({ length: opts.nodes }, (_, i) => (i === 0 ? 'pve' : `pve${i + 1}`)) : undefined;
const fleet = Array.from({ length: opts.containers }, (_, i) => {
  const checkMs = between(opts.checkMs);
  const applyMs = between(opts.applyMs);
  return {
    vmid: 1000 + i,
    checkMs,
    applyMs,
    workMs: 2 * checkMs + applyMs,
    ...(nodeNames ? { node: nodeNames[i % nodeNames.length] } : {}),
  };
});
const totalWorkMs = fleet.reduce((n, c) => n + c.workMs, 0);
const longestMs = Math.max(...fleet.map((c) => c.workMs));
const clusterBoundMs = Math.max(longestMs, totalWorkMs / opts.concurrency);
/**
 * Per node: max(its longest container, its total work / per_node); the per-node lower bound is the
 * largest of those. No schedule beats it or the cluster-wide bound, so the bound is the larger.
 */
const nodeWork = nodeNames?.map((name) => {
  const works = fleet.filter((c) => c.node === name).map((c) => c.workMs);
  const totalMs = works.reduce((a, b) => a + b, 0);
  const longest = works.length > 0 ? Math.max(...works) : 0;
  return { node: name, containers: works.length, totalMs, longestMs: longest, boundMs: Math.max(longest, totalMs / opts.perNode) };
});
const perNodeBoundMs = nodeWork ? Math.max(...nodeWork.map((n) => n.boundMs)) : undefined;
const boundMs = Math.max(clusterBoundMs, perNodeBoundMs ?? 0);

/** List scheduling with zero overhead, in the engine's start order (by VMID): the tail effect alone. */
function greedyMakespan(works, slots) {
  const free = new Array(Math.min(slots, works.length)).fill(0);
  for (const w of works) {
    let k = 0;
    for (let j = 1; j < free.length; j++) if (free[j] < free[k]) k = j;
    free[k] += w;
  }
  return Math.max(...free);
}
/**
 * The same with per-node slots too (the engine's mapLimitPerKey): at each moment, in VMID order,
 * every waiting container whose node has a free slot starts while the cluster has one.
 */
function greedyMakespanPerNode(items, slots, perNode) {
  const waiting = [...items];
  const running = []; // { end, node }
  const busy = new Map();
  let now = 0;
  let last = 0;
  while (waiting.length > 0 || running.length > 0) {
    for (let i = 0; i < waiting.length && running.length < slots; ) {
      const c = waiting[i];
      if ((busy.get(c.node) ?? 0) >= perNode) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      running.push({ end: now + c.workMs, node: c.node });
      busy.set(c.node, (busy.get(c.node) ?? 0) + 1);
    }
    running.sort((a, b) => a.end - b.end);
    const done = running.shift();
    now = done.end;
    last = Math.max(last, now);
    busy.set(done.node, busy.get(done.node) - 1);
  }
  return last;
}
const greedyMs = nodeNames
  ? greedyMakespanPerNode(fleet, opts.concurrency, opts.perNode)
  : greedyMakespan(
      fleet.map((c) => c.workMs),
      opts.concurrency,
    );

async function buildHost() {
  const root = await mkdtemp(join(tmpdir(), 'unrot-fleet-'));
  const bin = join(root, 'bin');
  await mkdir(join(bin, 'ct'), { recursive: true });
  for (const tool of ['pct', 'pvesh', 'pvesm']) await symlink(join(fixtures, 'pct'), join(bin, tool));
  await symlink(join(fixtures, 'sim'), join(bin, 'sim'));
  const pvesh = fleet.map((c) => ({
    cpu: 0,
    cpus: 1,
    maxdisk: 8589934592,
    maxmem: 536870912,
    mem: 0,
    name: `ct${c.vmid}`,
    status: 'running',
    tags: 'bench',
    type: 'lxc',
    uptime: 3600,
    vmid: c.vmid,
  }));
  await writeFile(join(bin, 'pvesh-lxc.json'), `${JSON.stringify(pvesh)}\n`);
  for (const c of fleet) {
    await mkdir(join(bin, 'ct', String(c.vmid)));
    await writeFile(join(bin, 'ct', String(c.vmid), 'work'), `${(c.checkMs / 1000).toFixed(3)} ${(c.applyMs / 1000).toFixed(3)}\n`);
  }
  if (opts.countCalls) await writeFile(join(bin, 'calls.log'), '');
  await writeFile(join(root, 'cts'), `${fleet.map((c) => c.vmid).join('\n')}\n`);
  const cluster = nodeNames ? await startCluster(root, bin) : undefined;
  let api;
  try {
    api = opts.host === 'api' ? await startApiHost(root, bin) : undefined;
  } catch (error) {
    await cluster?.stop();
    throw error;
  }

  // The policy: every container, the sim runner only, jitter and pacing off. Load backpressure
  // (preflight.max_load, default 4 × CPUs) is off too: on a small or shared machine it would hold
  // starts back by policy (30 s per wait), and this benchmark measures the engine's own cost.
  const preflight = ['preflight:', '  max_load: 100000'];
  await mkdir(join(root, 'config'));
  await writeFile(
    join(root, 'config', 'global.yml'),
    [
      `max_concurrency: ${opts.concurrency}`,
      'node: pve',
      `state_dir: ${join(root, 'state')}`,
      'jitter_ms: 0',
      ...preflight,
      ...(api ? api.globalYml : []),
      ...(cluster ? cluster.globalYml : []),
      'defaults:',
      '  backup:',
      `    mode: ${opts.backup}`,
      '  runners:',
      '    os: none',
      '    sim: {}',
      '',
    ].join('\n'),
  );
  const pluginRoot = join(root, 'plugin');
  await mkdir(pluginRoot);
  await writeFile(
    join(pluginRoot, 'package.json'),
    JSON.stringify({ name: '@unrot-bench/sim-runner', version: '1.0.0', unrot: { sdk: 1, runners: [join(fixtures, 'sim-runner.mjs')] } }),
  );
  return { root, bin, configDir: join(root, 'config'), pluginRoot, api, cluster };
}

/**
 * `--nodes N`: the cluster the simulated API answers as (cluster.json for fleet/api-host.mjs), the
 * other nodes' sshd (fleet/sshd.mjs), an `ssh` first on PATH that records each ssh process in
 * calls.log with its node and execs the real one (fleet/ssh), and the cluster lock's directory. Returns the
 * global.yml lines (`host.cluster` under the `host:` of startApiHost, and `concurrency.per_node`).
 */
async function startCluster(root, bin) {
  const realSsh = (process.env['PATH'] ?? '/usr/bin:/bin')
    .split(':')
    .map((d) => join(d, 'ssh'))
    .find((f) => existsSync(f));
  if (!realSsh) usage('--nodes needs the OpenSSH client (ssh) on PATH and its server at /usr/sbin/sshd');
  await symlink(join(fixtures, 'ssh'), join(bin, 'ssh'));
  await symlink(realSsh, join(bin, 'ssh.real'));
  await writeFile(
    join(bin, 'cluster.json'),
    `${JSON.stringify({
      name: 'bench',
      nodes: nodeNames.map((name, i) => ({ name, ip: '127.0.0.1', online: true, local: i === 0 })),
      placement: Object.fromEntries(fleet.map((c) => [c.vmid, c.node])),
    })}\n`,
  );
  const lockDir = join(root, 'cluster-lock');
  await mkdir(lockDir);
  // `--nodes 1`: a cluster of this node alone, nothing to reach over ssh.
  const { startBenchSshd } = await import('./fleet/sshd.mjs');
  const sshd = nodeNames.length > 1 ? await startBenchSshd(join(root, 'sshd'), bin, nodeNames.slice(1)) : undefined;
  const globalYml = [
    '  cluster:',
    ...(sshd
      ? [
          '    ssh:',
          `      user: ${sshd.ssh.user}`,
          `      identity_file: ${sshd.ssh.identityFile}`,
          `      known_hosts: ${sshd.ssh.knownHosts}`,
          `      port: ${sshd.ssh.port}`,
          // A handshake with a busy machine can take seconds; ssh's default 10 s would fail containers, not measure them.
          '      connect_timeout_s: 60',
        ]
      : []),
    '    addresses:',
    ...nodeNames.map((name) => `      ${name}: 127.0.0.1`),
    `    lock_dir: ${lockDir}`,
    'concurrency:',
    `  per_node: ${opts.perNode}`,
  ];
  return { globalYml, stop: async () => sshd?.stop() };
}

/**
 * `--host api`: the sandbox's CA, node certificate and token (packages/sandbox/dist, the code the
 * sandbox serves with), a secrets file with the token, and fleet/api-host.mjs serving the fleet
 * in its own process. Returns the global.yml lines that point unrot at it.
 */
async function startApiHost(root, bin) {
  const sandboxDist = join(repo, 'packages/sandbox/dist/pve/api');
  if (!existsSync(join(sandboxDist, 'server.js'))) usage(`${sandboxDist} is missing: build first (npx turbo run build)`);
  const { ensureNodeCerts } = await import(pathToFileURL(join(sandboxDist, 'tls.js')).href);
  const { setToken } = await import(pathToFileURL(join(sandboxDist, 'tokens.js')).href);
  const paths = { root: join(bin, 'api'), node: 'pve' };
  const certs = await ensureNodeCerts(paths);
  const token = setToken(paths, {});
  const secrets = join(root, 'secrets.env');
  await writeFile(secrets, `PVE_API_TOKEN=${token.secret}\n`, { mode: 0o600 });
  // The server reads the fleet from pvesh-lxc.json beside the tools.
  const child = spawn(process.execPath, [join(fixtures, 'api-host.mjs'), bin], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`fleet/api-host.mjs exited ${code} before listening`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return undefined;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    return JSON.parse(readFileSync(join(bin, 'api-calls.json'), 'utf8'));
  };
  const globalYml = [
    'secrets_files:',
    `  - ${secrets}`,
    'host:',
    '  api: api',
    `  url: https://127.0.0.1:${port}`,
    `  token_id: ${token.tokenid}`,
    '  token:',
    '    secret: PVE_API_TOKEN',
    `  ca_file: ${certs.caPath}`,
  ];
  return { port, stop, globalYml };
}

// ---- measuring -------------------------------------------------------------------------------
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
/** CPU of waited-for children (the pct/sim/sleep processes), from /proc; undefined elsewhere. */
function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = clockTicks;
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticks; // cutime + cstime
  } catch {
    return undefined;
  }
}
const mb = (bytes) => bytes / 1024 / 1024;
/**
 * The engine's spawner processes (packages/engine/src/host/spawner): children of this process
 * running spawner-main.js, whose children are the tools. Their own CPU is neither the engine's
 * nor the tools', so it is sampled apart from /proc every 200 ms: utime + stime (own), cutime +
 * cstime (the tools it has reaped) and RSS. A spawner still running at the end has not been
 * reaped, so its tools are not yet in this process's cutime: `unreapedToolsMs` adds them back.
 */
function spawnerSampler() {
  const seen = new Map(); // pid → { cpuMs, toolsMs, rssMb, live }
  const sample = () => {
    for (const entry of seen.values()) entry.live = false;
    let tasks = [];
    try {
      tasks = readdirSync('/proc/self/task');
    } catch {
      return;
    }
    for (const task of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/self/task/${task}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const pid of children.split(' ').filter(Boolean)) {
        try {
          if (!seen.has(pid) && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('spawner-main.js')) continue;
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          const ms = (a, b) => ((Number(f[a]) + Number(f[b])) * 1000) / clockTicks;
          const before = seen.get(pid);
          seen.set(pid, {
            cpuMs: Math.max(ms(11, 12), before?.cpuMs ?? 0),
            toolsMs: Math.max(ms(13, 14), before?.toolsMs ?? 0),
            rssMb: Math.max((Number(f[21]) * 4096) / 1024 / 1024, before?.rssMb ?? 0),
            live: true,
          });
        } catch {
          // gone between the listing and the read
        }
      }
    }
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    stop() {
      sample();
      clearInterval(timer);
      const all = [...seen.values()];
      const sum = (list, key) => list.reduce((n, s) => n + s[key], 0);
      return {
        processes: all.length,
        cpuMs: sum(all, 'cpuMs'),
        reapedCpuMs: sum(
          all.filter((s) => !s.live),
          'cpuMs',
        ),
        unreapedToolsMs: sum(
          all.filter((s) => s.live),
          'toolsMs',
        ),
        peakRssMb: all.reduce((n, s) => Math.max(n, s.rssMb), 0),
      };
    },
  };
}

async function runEngine(host) {
  if (!existsSync(opts.engine)) usage(`${opts.engine} is missing: build first (npx turbo run build)`);
  process.env['PATH'] = `${host.bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;

  const cpuBeforeImport = process.cpuUsage();
  const { EngineEvents, runUnrot } = await import(pathToFileURL(opts.engine).href);
  const importCpu = process.cpuUsage(cpuBeforeImport);

  const marks = {};
  const events = new EngineEvents();
  const t = () => performance.now();
  events.once('run:start', () => {
    marks.runStart = t();
  });
  events.on('step:start', () => {
    marks.firstStep ??= t();
  });
  events.on('container:end', () => {
    marks.lastEnd = t();
  });

  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    // memoryUsage.rss() only: the full memoryUsage() walks the heap and counted as engine CPU.
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  const spawners = spawnerSampler();
  const childrenBefore = childrenCpuMs();
  const cpu0 = process.cpuUsage();
  const wallStart = Date.now();
  const t0 = t();
  const outcome = await runUnrot({ configDir: host.configDir, dryRun: false, pluginRoots: [host.pluginRoot], events, force: true });
  const t1 = t();
  const cpu = process.cpuUsage(cpu0);
  const spawnerStats = spawners.stop();
  const childrenAfter = childrenCpuMs();
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;

  const cpuMs = (cpu.user + cpu.system) / 1000;
  const apiHost = host.api ? await host.api.stop() : undefined;
  const sshdCpuMs = host.cluster ? await host.cluster.stop() : undefined;
  let hostCalls;
  let spawnsExceptExec;
  const sshByNode = {};
  if (opts.countCalls) {
    // Host tool calls of the run, by tool and subcommand, per container.
    const counts = {};
    for (const line of readFileSync(join(host.bin, 'calls.log'), 'utf8').trim().split('\n')) {
      const key = line.startsWith('pct ') ? line : line.split(' ')[0];
      counts[key] = (counts[key] ?? 0) + 1;
      if (key === 'ssh') sshByNode[line.slice(4)] = (sshByNode[line.slice(4)] ?? 0) + 1;
    }
    hostCalls = Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, n / opts.containers]));
    // Every host process the engine started that is not `pct exec` or the ssh carrying one to another
    // node (the calls.log has one line per process; a remote `pct exec` logs its own line too).
    spawnsExceptExec = Object.entries(counts).reduce((n, [k, c]) => (k === 'pct exec' || k === 'ssh' ? n : n + c), 0) / opts.containers;
  }
  const workOf = new Map(fleet.map((c) => [c.vmid, c.workMs]));
  const overheads = outcome.report.containers.map((c) => c.durationMs - (workOf.get(c.vmid) ?? 0)).sort((a, b) => a - b);
  return {
    exitCode: outcome.exitCode,
    summary: outcome.report.summary,
    makespanMs: t1 - t0,
    phasesMs: {
      // config, plugins, run lock, pvesh + one `pct config` per container
      startup: (marks.runStart ?? t1) - t0,
      // run:start to the first container's first step: pool and first worker start-up
      firstStart: (marks.firstStep ?? t1) - (marks.runStart ?? t0),
      containers: (marks.lastEnd ?? t1) - (marks.firstStep ?? t0),
      // the last container's end to runUnrot's return: pool shutdown, report.json, change report, metrics
      finish: t1 - (marks.lastEnd ?? t1),
    },
    perContainerOverheadMs: {
      // a container's pipeline time minus its work: pct calls, snapshots, state files, logging
      median: overheads[Math.floor(overheads.length / 2)] ?? 0,
      p95: overheads[Math.floor(overheads.length * 0.95)] ?? 0,
      max: overheads[overheads.length - 1] ?? 0,
    },
    cpu: {
      userMs: cpu.user / 1000,
      systemMs: cpu.system / 1000,
      totalMs: cpuMs,
      perContainerMs: cpuMs / opts.containers,
      importMs: (importCpu.user + importCpu.system) / 1000,
      // Reaped children's CPU, less the reaped spawners' own, plus the tools of the spawners still running.
      hostToolsMs:
        childrenBefore !== undefined && childrenAfter !== undefined
          ? childrenAfter - childrenBefore - spawnerStats.reapedCpuMs + spawnerStats.unreapedToolsMs
          : undefined,
      spawner: {
        processes: spawnerStats.processes,
        cpuMs: spawnerStats.cpuMs,
        perContainerMs: spawnerStats.cpuMs / opts.containers,
        peakRssMb: spawnerStats.peakRssMb,
      },
    },
    memory: {
      rssBeforeMb: mb(rssBefore),
      sampledPeakMb: mb(peakRss),
      maxRssMb: mb(maxRssBytes),
      peakMb: mb(Math.max(peakRss, maxRssBytes)),
    },
    reportPath: outcome.reportPath,
    ...(hostCalls ? { hostCallsPerContainer: hostCalls, hostSpawnsPerContainerExceptExec: spawnsExceptExec } : {}),
    ...(apiHost
      ? {
          apiCallsPerContainer: Object.fromEntries(Object.entries(apiHost.calls).map(([k, n]) => [k, n / opts.containers])),
          apiHostCpuMs: apiHost.cpuMs,
        }
      : {}),
    ...(nodeWork ? { cluster: clusterFigures(outcome.report.containers, wallStart, sshByNode, sshdCpuMs) } : {}),
    firstProblem: outcome.report.containers.find((c) => c.outcome !== 'updated'),
  };
}

/**
 * `--nodes`: per node, its containers as the report lists them (`node`), when the last one ended
 * (from the run's start: the node's makespan), the most that ran at once (from each container's
 * `startedAt` and `durationMs`; per_node caps it), its lower bound, and its ssh processes.
 */
function clusterFigures(reports, wallStart, sshByNode, sshdCpuMs) {
  const nodes = nodeWork.map((w) => {
    const mine = reports.filter((c) => c.node === w.node && c.startedAt !== undefined);
    const spans = mine.map((c) => [Date.parse(c.startedAt) - wallStart, Date.parse(c.startedAt) - wallStart + c.durationMs]);
    // Most at once: sweep the starts and ends (an end at the same millisecond as a start frees the slot first).
    const edges = spans.flatMap(([a, b]) => [
      [a, 1],
      [b, -1],
    ]);
    edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    let running = 0;
    let most = 0;
    for (const [, d] of edges) {
      running += d;
      most = Math.max(most, running);
    }
    const remote = w.node !== nodeNames[0];
    return {
      node: w.node,
      local: !remote,
      containers: w.containers,
      reported: reports.filter((c) => c.node === w.node).length,
      updated: reports.filter((c) => c.node === w.node && c.outcome === 'updated').length,
      workMs: w.totalMs,
      longestMs: w.longestMs,
      boundMs: w.boundMs,
      makespanMs: spans.length > 0 ? Math.max(...spans.map(([, b]) => b)) : 0,
      firstStartMs: spans.length > 0 ? Math.min(...spans.map(([a]) => a)) : 0,
      mostAtOnce: most,
      sshProcesses: sshByNode[w.node] ?? 0,
      sshPerContainer: w.containers > 0 ? (sshByNode[w.node] ?? 0) / w.containers : 0,
    };
  });
  const ssh = Object.values(sshByNode).reduce((a, b) => a + b, 0);
  const remoteContainers = nodes.filter((n) => !n.local).reduce((a, n) => a + n.containers, 0);
  return {
    nodes,
    perNode: opts.perNode,
    sshPerContainer: ssh / opts.containers,
    sshPerRemoteContainer: remoteContainers > 0 ? ssh / remoteContainers : 0,
    // The sshd side: its sessions and what they ran (remote shells, pct, sim, sleep).
    sshdCpuMs,
  };
}

/** The usual `for ct in …; do pct exec $ct -- …; done`: the same commands, one container after another. */
async function runSerial(host) {
  for (const c of fleet) await rm(join(host.bin, 'ct', String(c.vmid), 'updated'), { force: true });
  const script = join(host.root, 'serial.sh');
  await writeFile(
    script,
    [
      '#!/bin/sh',
      'for ct in $(cat "$1"); do',
      '  pct exec "$ct" -- sim check >/dev/null && pct exec "$ct" -- sim apply >/dev/null && pct exec "$ct" -- sim check >/dev/null || exit 1',
      'done',
      '',
    ].join('\n'),
  );
  const t0 = performance.now();
  const code = await new Promise((resolve, reject) => {
    // process.env.PATH starts with the simulated host's bin (runEngine put it there).
    const child = spawn('sh', [script, join(host.root, 'cts')], { stdio: 'inherit', env: process.env });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`the serial loop exited ${code}`);
  return { makespanMs: performance.now() - t0 };
}

// ---- run and report --------------------------------------------------------------------------
const loadAtStart = loadavg()[0];
const host = await buildHost();
let result;
try {
  progress(`simulated host in ${host.root}: ${opts.containers} containers, ${(totalWorkMs / 1000).toFixed(1)} s of work`);
  progress(`runUnrot with max_concurrency ${opts.concurrency} …`);
  const engine = await runEngine(host);
  let serial;
  if (opts.serial) {
    progress(`serial shell loop (about ${Math.round(totalWorkMs / 1000)} s) …`);
    serial = await runSerial(host);
  }
  const ratio = engine.makespanMs / boundMs;
  result = {
    node: process.version,
    cpus: availableParallelism(),
    // Other work on the machine skews every figure: the 1-minute load when the run started.
    loadAtStart,
    options: { ...opts, jitterMs: 0 },
    work: {
      definition: 'per container: check + apply + the re-check in verify, as the sim command sleeps them',
      totalMs: totalWorkMs,
      longestMs,
      meanMs: totalWorkMs / opts.containers,
      boundMs,
      greedyMs,
      ...(nodeWork
        ? {
            // boundMs above is the larger of these two.
            clusterBoundMs,
            perNodeBoundMs,
            nodes: nodeWork,
          }
        : {}),
    },
    engine,
    ratio,
    serial: serial ? { ...serial, speedup: serial.makespanMs / engine.makespanMs } : undefined,
    goals: {
      makespan: { goal: `<= ${GOALS.ratio} x bound`, value: ratio, met: ratio <= GOALS.ratio },
      cpu: {
        goal: `< ${GOALS.cpuMsPerContainer} ms per container`,
        value: engine.cpu.perContainerMs,
        met: engine.cpu.perContainerMs < GOALS.cpuMsPerContainer,
      },
      memory: { goal: `< ${GOALS.peakMb} MB peak`, value: engine.memory.peakMb, met: engine.memory.peakMb < GOALS.peakMb },
    },
    allUpdated: engine.summary.updated === opts.containers,
  };
} finally {
  // A failed run must not leave the simulated API host or the nodes' sshd running.
  await host.api?.stop().catch(() => undefined);
  await host.cluster?.stop().catch(() => undefined);
  if (opts.keep) progress(`kept ${host.root}`);
  else await rm(host.root, { recursive: true, force: true });
}

if (opts.jsonFile) await writeFile(opts.jsonFile, `${JSON.stringify(result, null, 2)}\n`);
if (opts.json && !opts.jsonFile) console.log(JSON.stringify(result, null, 2));
else {
  const { engine, work, goals } = result;
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  const ok = (g) => (g.met ? 'met' : 'NOT met');
  const row = (label, measured, goal = '') => console.log(`${label.padEnd(40)} ${measured.padEnd(28)} ${goal}`);
  console.log(
    `unrot fleet benchmark — node ${result.node}, ${result.cpus} CPUs (load ${result.loadAtStart.toFixed(1)} at start); ${opts.containers} containers, host ${opts.host}, max_concurrency ${opts.concurrency}, ` +
      `seed ${opts.seed}, backup ${opts.backup}${opts.backup === 'snapshot' ? ' (instant)' : ''}, jitter off`,
  );
  console.log(
    `work per container: check ${opts.checkMs.join('–')} ms (twice: check, verify), apply ${opts.applyMs.join('–')} ms; ` +
      `total ${s(work.totalMs)}, mean ${work.meanMs.toFixed(0)} ms, longest ${work.longestMs} ms`,
  );
  console.log('');
  row('', 'measured', 'goal');
  row('makespan (runUnrot wall)', s(engine.makespanMs));
  if (work.nodes) {
    row(`cluster bound max(longest, total/${opts.concurrency})`, s(work.clusterBoundMs));
    row(`per-node bound max over nodes (…/${opts.perNode})`, s(work.perNodeBoundMs));
    row('lower bound (the larger)', s(work.boundMs));
  } else row(`lower bound max(longest, total/${opts.concurrency})`, s(work.boundMs));
  row('ratio', result.ratio.toFixed(3), `<= ${GOALS.ratio}: ${ok(goals.makespan)}`);
  row('engine CPU per container', `${engine.cpu.perContainerMs.toFixed(2)} ms`, `< ${GOALS.cpuMsPerContainer} ms: ${ok(goals.cpu)}`);
  row('peak memory (RSS)', `${engine.memory.peakMb.toFixed(0)} MB`, `< ${GOALS.peakMb} MB: ${ok(goals.memory)}`);
  if (result.serial) row('serial shell loop', s(result.serial.makespanMs), `${result.serial.speedup.toFixed(1)}x the engine's makespan`);
  else row('serial shell loop (not run: --no-serial)', `≈ ${s(work.totalMs)} (total work)`);
  console.log('');
  console.log(`outcomes: ${JSON.stringify(engine.summary)}`);
  console.log(
    `makespan phases: start-up ${s(engine.phasesMs.startup)} (config, plugins, pvesh + ${opts.containers} pct config), ` +
      `to first step ${s(engine.phasesMs.firstStart)}, containers ${s(engine.phasesMs.containers)}, finish ${s(engine.phasesMs.finish)}`,
  );
  console.log(
    `zero-overhead list schedule in VMID order: ${s(work.greedyMs)} (${(work.greedyMs / work.boundMs).toFixed(3)} x bound: the tail)`,
  );
  const o = engine.perContainerOverheadMs;
  console.log(`per-container wall overhead (pipeline time − work): median ${o.median} ms, p95 ${o.p95} ms, max ${o.max} ms`);
  console.log(
    `engine CPU: ${engine.cpu.totalMs.toFixed(0)} ms (user ${engine.cpu.userMs.toFixed(0)}, system ${engine.cpu.systemMs.toFixed(0)}); ` +
      `importing @unrot/engine, not counted: ${engine.cpu.importMs.toFixed(0)} ms` +
      (engine.cpu.hostToolsMs !== undefined ? `; host tools (pct/sim/sleep children): ${engine.cpu.hostToolsMs.toFixed(0)} ms` : ''),
  );
  if (engine.cpu.spawner)
    console.log(
      `spawner processes (not the engine's CPU, not the tools'): ${engine.cpu.spawner.processes}, CPU ${engine.cpu.spawner.cpuMs.toFixed(0)} ms ` +
        `(${engine.cpu.spawner.perContainerMs.toFixed(2)} ms per container), peak RSS ${engine.cpu.spawner.peakRssMb.toFixed(0)} MB each`,
    );
  console.log(
    `memory: RSS ${engine.memory.rssBeforeMb.toFixed(0)} MB before the run, sampled peak ${engine.memory.sampledPeakMb.toFixed(0)} MB, ` +
      `maxRSS ${engine.memory.maxRssMb.toFixed(0)} MB`,
  );
  if (engine.hostCallsPerContainer) {
    const calls = Object.entries(engine.hostCallsPerContainer).map(([k, n]) => `${k} ${Number(n.toFixed(3))}`);
    const sum = Object.values(engine.hostCallsPerContainer).reduce((a, b) => a + b, 0);
    console.log(`host tool calls per container: ${sum.toFixed(2)} (${calls.join(', ')}); the shell loop makes 3`);
    console.log(`host process spawns per container other than pct exec: ${engine.hostSpawnsPerContainerExceptExec.toFixed(2)}`);
  }
  if (engine.cluster) {
    const c = engine.cluster;
    console.log('');
    console.log(
      `cluster: ${opts.nodes} node${opts.nodes === 1 ? '' : 's'} (pve local, the others through ssh to 127.0.0.1), per_node ${c.perNode}, max_concurrency ${opts.concurrency}`,
    );
    const cols = ['node', 'containers', 'updated', 'work', 'bound', 'makespan', 'ratio', 'most at once', 'ssh / container'];
    const line = (cells) => console.log(cells.map((x, i) => String(x).padEnd(i === 0 ? 6 : 13)).join(' '));
    line(cols);
    for (const n of c.nodes)
      line([
        n.node,
        n.containers,
        n.updated,
        s(n.workMs),
        s(n.boundMs),
        s(n.makespanMs),
        n.boundMs > 0 ? (n.makespanMs / n.boundMs).toFixed(3) : '-',
        n.mostAtOnce,
        n.sshPerContainer.toFixed(2),
      ]);
    console.log(
      `ssh processes per container: ${c.sshPerContainer.toFixed(2)} (${c.sshPerRemoteContainer.toFixed(2)} per container on another node); ` +
        `sshd side CPU (sessions, remote pct/sim): ${c.sshdCpuMs === undefined ? '— (no sshd)' : `${c.sshdCpuMs.toFixed(0)} ms`}`,
    );
  }
  if (engine.apiCallsPerContainer) {
    const calls = Object.entries(engine.apiCallsPerContainer).map(([k, n]) => `${k} ${Number(n.toFixed(3))}`);
    const sum = Object.values(engine.apiCallsPerContainer).reduce((a, b) => a + b, 0);
    console.log(
      `API requests per container: ${sum.toFixed(2)} (${calls.join(', ')}); simulated API host CPU ${engine.apiHostCpuMs.toFixed(0)} ms`,
    );
  }
}
if (!result.allUpdated) {
  progress(`not every container was updated: ${JSON.stringify(result.engine.summary)}`);
  progress(`first: ${JSON.stringify(result.engine.firstProblem)}`);
  process.exitCode = 1;
}
