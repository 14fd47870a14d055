// The one-exec discovery (detect + sources) and the one-exec update + simulate, on real recorded
// outputs (test/fixtures/README.md): their framing, the hand-over from detect to sources, and
// hostile bytes from the container, which are parsed as untrusted and never reach argv.
import { isUnrotError, type RunnerContext, silentLogger } from '@unrot/sdk';
import { contractContainer, createReplayExec, type Recording, type RunnerScenario } from '@unrot/sdk/testing';
import { describe, expect, it } from 'vitest';
import { REFRESH_AND_SIMULATE_SCRIPT, refreshAndSimulateArgv } from '../src/argv.js';
import { DISCOVERY_SCRIPT, discoveryArgv, parseDiscovery } from '../src/discovery.js';
import { runner } from '../src/index.js';
import type { AptOptions } from '../src/options.js';
import { splitRefreshAndSimulate } from '../src/refresh.js';
import { discoveryEndpoints } from '../src/sources.js';
import contract from './fixtures/contract-scenarios.json' with { type: 'json' };
import sourcesScenarios from './fixtures/sources-scenarios.json' with { type: 'json' };

const scenarios = contract as RunnerScenario[];
const scenario = (name: string) => scenarios.find((s) => s.name === name) as RunnerScenario;
const recordingOf = (s: { recordings: Recording[] }, argv: readonly string[]) =>
  s.recordings.find((r) => JSON.stringify(r.argv) === JSON.stringify(argv)) as Recording;
const proxyScenario = (sourcesScenarios as { name: string; recordings: Recording[] }[]).find((s) => s.name.startsWith('deb822 parts')) as {
  recordings: Recording[];
};

function context(recordings: Recording[], container = contractContainer()) {
  const exec = createReplayExec(recordings);
  const ctx: RunnerContext<AptOptions> = {
    exec,
    log: silentLogger,
    signal: new AbortController().signal,
    options: { mode: 'upgrade', lock_timeout_s: 120 },
    container,
    exclusions: [],
  };
  return { exec, ctx };
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isUnrotError(e) ? e.code : `not coded: ${String(e)}`;
  }
};

/** A discovery record as the script prints it. */
const rec = (kind: string, exit: number, name: string, text: string) =>
  `@unrot-apt ${kind} ${exit} ${name} ${Buffer.from(text).toString('base64')}`;
const discoveryOutput = (files: [string, string][], config = '') =>
  [
    rec('version', 0, '-', 'apt 2.6.1 (amd64)\n'),
    ...files.map(([f, t]) => rec('file', 0, f, t)),
    rec('apt-config', 0, '-', config),
    '',
  ].join('\n');

describe('discovery: one exec of a constant script', () => {
  it('the runner declares both of its scripts, and its argv passes everything as positional parameters', () => {
    expect(runner.scripts).toEqual([DISCOVERY_SCRIPT, REFRESH_AND_SIMULATE_SCRIPT]);
    expect(discoveryArgv().slice(2, 5)).toEqual(['sh', '-c', DISCOVERY_SCRIPT]);
    expect(refreshAndSimulateArgv({ mode: 'full-upgrade', lock_timeout_s: 7 }).slice(3)).toEqual(['unrot-apt-check', '7', 'dist-upgrade']);
  });

  it('detect then sources in the same container run: one exec in all (sources takes over what detect read)', async () => {
    const s = scenario('pre-flight: the mirror of sources.list, then updates pending, applied');
    const { exec, ctx } = context(s.recordings);
    expect(await runner.detect(ctx)).toMatchObject({ applicable: true, reason: 'apt 2.6.1 (amd64)' });
    expect(await runner.sources?.({ ...ctx })).toEqual(s.expect.sources);
    expect(exec.records.map((r) => r.argv)).toEqual([discoveryArgv()]);
    // Taken once: a later sources() (a new run) reads again.
    await runner.sources?.(ctx);
    expect(exec.records).toHaveLength(2);
  });

  it('sources of another container does not see this one’s discovery', async () => {
    const s = scenario('pre-flight: the mirror of sources.list, then updates pending, applied');
    const { exec, ctx } = context(s.recordings);
    await runner.detect(ctx);
    await runner.sources?.({ ...ctx, container: contractContainer({ vmid: 202 }) });
    expect(exec.records).toHaveLength(2);
  });

  it('apt-get absent (real recording): not applicable, from the same one exec', async () => {
    const { exec, ctx } = context(scenario('apt-get absent').recordings);
    expect(await runner.detect(ctx)).toEqual({ applicable: false, reason: 'apt-get not found in the container' });
    expect(exec.records).toHaveLength(1);
  });

  it('parses a real recording: files byte for byte, apt-config output, in the script order', () => {
    const d = parseDiscovery(recordingOf(proxyScenario, discoveryArgv()).stdout);
    expect(d.version.text.split('\n')[0]).toBe('apt 2.6.1 (amd64)');
    expect(d.files.map((f) => f.path)).toEqual([
      '/etc/apt/sources.list.d/google-cloud-sdk.list',
      '/etc/apt/sources.list.d/debian.sources',
      '/etc/apt/sources.list.d/nodesource.sources',
    ]);
    expect(d.aptConfig?.text).toContain('Acquire::http::Proxy "http://unrot:s3cret@proxy.lan:3128/";');
  });
});

describe('discovery output is untrusted', () => {
  const HOSTILE_HOSTS = ['$(reboot)', '`id`', 'foo;reboot', '-oProxyCommand=reboot', 'x\u001b[2Jy'];

  it.each(HOSTILE_HOSTS)('a sources line naming %j yields no endpoint, only a warning', (host) => {
    const warnings: string[] = [];
    const d = parseDiscovery(discoveryOutput([['/etc/apt/sources.list', `deb http://${host}/debian bookworm main\n`]]));
    const endpoints = discoveryEndpoints(d, { info: () => undefined, warn: (_o, msg) => warnings.push(msg) });
    expect(endpoints).toEqual([]);
    expect(warnings.join('\n')).toMatch(/not checked|no deb/);
  });

  it('a proxy setting naming a hostile host yields no endpoint; its password never reaches the origin', () => {
    const warnings: string[] = [];
    const d = parseDiscovery(
      discoveryOutput(
        [['/etc/apt/sources.list', 'deb http://deb.debian.org/debian bookworm main\n']],
        'Acquire::http::Proxy "http://u:s3cret@$(reboot):3128/";\n',
      ),
    );
    const endpoints = discoveryEndpoints(d, { info: () => undefined, warn: (_o, msg) => warnings.push(msg) });
    expect(endpoints).toEqual([]);
    expect(JSON.stringify([endpoints, warnings])).not.toContain('s3cret');
  });

  it('a file whose content imitates the framing is only content (base64 keeps it inside its record)', () => {
    const forged =
      '@unrot-apt file 0 /etc/apt/sources.list ZGViIGh0dHA6Ly9ldmlsLmV4YW1wbGUvIHggeQ==\ndeb http://deb.debian.org/debian bookworm main\n';
    const d = parseDiscovery(discoveryOutput([['/etc/apt/sources.list.d/a.list', forged]]));
    expect(d.files).toHaveLength(1);
    const endpoints = discoveryEndpoints(d, { info: () => undefined, warn: () => undefined });
    expect(endpoints.map((e) => e.host)).toEqual(['deb.debian.org']);
  });

  it.each([
    ['a line that is not a record', `${discoveryOutput([])}rm -rf /\n`],
    ['a second version record', `${discoveryOutput([])}${rec('version', 0, '-', 'apt 9')}\n`],
    ['a second apt-config record', `${discoveryOutput([])}${rec('apt-config', 0, '-', 'Acquire::http::Proxy "http://evil/";')}\n`],
    ['no version record', `${rec('apt-config', 0, '-', '')}\n`],
    ['a file outside /etc/apt', `${rec('version', 0, '-', 'apt')}\n${rec('file', 0, '/etc/shadow', 'x')}\n`],
    ['a file name climbing out of /etc/apt', `${rec('version', 0, '-', 'apt')}\n${rec('file', 0, '/etc/apt/../shadow', 'x')}\n`],
    ['a file name with shell characters', `${rec('version', 0, '-', 'apt')}\n@unrot-apt file 0 /etc/apt/$(reboot).list eA==\n`],
    ['a record with bytes outside base64', '@unrot-apt version 0 - $(reboot)\n'],
  ])('%s → E_RUNNER_INVALID_OUTPUT', (_what, stdout) => {
    expect(codeOf(() => parseDiscovery(stdout))).toBe('E_RUNNER_INVALID_OUTPUT');
  });

  it('an unreadable file is skipped with the tool’s own words; apt-config failing is a coded error', () => {
    const d = parseDiscovery(
      [
        rec('version', 0, '-', 'apt'),
        rec('file', 1, '/etc/apt/sources.list', 'base64: /etc/apt/sources.list: Permission denied'),
        rec('apt-config', 100, '-', 'E: Syntax error'),
        '',
      ].join('\n'),
    );
    expect(d.files[0]).toMatchObject({ readable: false, text: expect.stringContaining('Permission denied') });
    expect(codeOf(() => discoveryEndpoints(d, { info: () => undefined, warn: () => undefined }))).toBe('E_EXEC_FAILED');
  });
});

describe('update + simulate in one exec: each command keeps its exit code and its words', () => {
  const argv = refreshAndSimulateArgv({ mode: 'upgrade', lock_timeout_s: 0 });

  it('a real update failure (repository without a Release file): E_EXEC_FAILED naming apt-get update, with its output', async () => {
    const s = scenario('failing check: repository without a Release file');
    const r = s.recordings.find((x) => x.argv[0] === 'sh') as Recording;
    expect(r.argv).toEqual(refreshAndSimulateArgv({ mode: 'upgrade', lock_timeout_s: 120 }));
    const split = splitRefreshAndSimulate({ ...r, argv: r.argv });
    expect(split.update.exitCode).toBe(100);
    expect(split.simulate).toBeUndefined();
    const { ctx } = context(s.recordings);
    const error = await runner.check(ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'E_EXEC_FAILED',
      message: expect.stringMatching(/^apt-get update failed: .*Release/s),
      details: { argv: ['env', 'LC_ALL=C', 'apt-get', 'update', '-q', '-o', 'DPkg::Lock::Timeout=120'], exitCode: 100 },
    });
    expect((error as { details: { output: string[] } }).details.output.join('\n')).toContain('does not have a Release file');
  });

  it('a real no-op (nothing pending): the simulation is stdout, update’s own lines stay on its side of the marker', () => {
    const s = scenario('nothing pending after the upgrade');
    const r = s.recordings.find((x) => x.argv[0] === 'sh') as Recording;
    const split = splitRefreshAndSimulate({ ...r, argv: r.argv });
    expect(split.update).toMatchObject({ exitCode: 0, output: expect.stringContaining('Reading package lists...') });
    expect(split.simulate?.stdout).toContain('0 upgraded, 0 newly installed, 0 to remove');
    expect(split.simulate?.stderr).toBe('');
  });

  it('a simulation that fails after a good update is E_EXEC_FAILED naming the simulation', async () => {
    const s = scenario('nothing pending after the upgrade');
    const good = s.recordings.find((x) => x.argv[0] === 'sh') as Recording;
    const bad = {
      ...good,
      exitCode: 100,
      stdout: '',
      stderr: `${good.stderr}E: The package lists or status file could not be parsed or opened.\n`,
    };
    const { ctx } = context([...s.recordings.filter((x) => x !== good), bad]);
    await expect(runner.check({ ...ctx, options: { mode: 'upgrade', lock_timeout_s: 120 } })).rejects.toMatchObject({
      code: 'E_EXEC_FAILED',
      details: { argv: expect.arrayContaining(['-s', 'upgrade']), exitCode: 100, stderr: expect.stringContaining('could not be parsed') },
    });
  });

  it.each([
    ['no marker (the script did not run)', 'E_EXEC_FAILED', 127, '', 'sh: 1: env: not found\n'],
    ['a forged second marker', 'E_RUNNER_INVALID_OUTPUT', 0, '', 'Hit:1 x\n@unrot-apt update-exit 0\n@unrot-apt update-exit 0\n'],
  ])('%s → %s', (_what, code, exitCode, stdout, stderr) => {
    expect(codeOf(() => splitRefreshAndSimulate({ argv, exitCode, stdout, stderr }))).toBe(code);
  });
});
