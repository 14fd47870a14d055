// Runs the runner against the real go of this machine (Debian 12's golang-go, Go 1.19) and a Go
// module proxy this test builds and serves as static files on 127.0.0.1 (support/demo-source.mjs):
// example.test/hello v1.0.0, v1.1.0, v2.0.0 (module example.test/hello/v2) and a v1.2.0 that does
// not compile, example.test/stay v1.0.0, v1.1.0, example.test/legacy (no go.mod) v2.0.0, v2.1.0 and
// v3.0.0+incompatible. Binaries are installed with the real `go install`.
// GOPATH, the caches, HOME and GOENV live in a temp root (support/go-env.mjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalExec } from '@unrot/sdk/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runner } from '../src/index.js';
import { contextFor } from './support/context.js';
import { buildDemoSource, serveDemoSource } from './support/demo-source.mjs';
import { goEnv, goInstall, hashTree, moduleOf } from './support/go-env.mjs';

const root = mkdtempSync(join(tmpdir(), 'unrot-runner-go-'));
const proxyDir = join(root, 'proxy');
let served: { url: string; port: number; close: () => Promise<void> };
let env: Record<string, string>;
let bin: string;
const exec = (extra: Record<string, string> = {}) => createLocalExec({ env: { ...env, ...extra }, cwd: '/' });
const hello = () => join(bin, 'hello');
const stay = () => join(bin, 'stay');
const run = (file: string) => execFileSync(file, { encoding: 'utf8' }).trim();

beforeAll(async () => {
  buildDemoSource(proxyDir);
  served = await serveDemoSource(proxyDir, 0);
  env = goEnv(root, served.url);
  bin = join(env.GOPATH as string, 'bin');
  await goInstall(env, bin, 'example.test/hello@v1.0.0');
  await goInstall(env, bin, 'example.test/stay/cmd/stay@v1.0.0');
});
afterAll(async () => {
  await served?.close();
  // The module cache is written read-only by go; make it removable first.
  execFileSync('chmod', ['-R', 'u+w', root]);
  rmSync(root, { recursive: true, force: true });
});

describe('runner-go against real go and a local module proxy', () => {
  it('detects go install’s default directory (GOPATH/bin), and says why when go or a path is missing', async () => {
    expect(await runner.detect(contextFor(exec(), {}))).toEqual({ applicable: true });
    expect(await runner.detect(contextFor(exec(), { binaries: [hello()] }))).toEqual({ applicable: true });
    const missing = await runner.detect(contextFor(exec(), { binaries: [join(root, 'nope')] }));
    expect(missing).toMatchObject({ applicable: false });
    expect(missing.reason).toContain('no such file or directory');
    const noGo = await runner.detect(contextFor(exec(), { go: join(root, 'no-go') }));
    expect(noGo).toMatchObject({ applicable: false });
    expect(noGo.reason).toContain('exit 127');
    // HOME unset (as measured: no GOPATH, GOMODCACHE, GOCACHE) → go install could not work.
    const homeless = createLocalExec({ env: { PATH: env.PATH as string, GOPROXY: served.url }, cwd: '/' });
    const noHome = await runner.detect(contextFor(homeless, { binaries: [hello()] }));
    expect(noHome).toMatchObject({ applicable: false });
    expect(noHome.reason).toContain('neither GOMODCACHE nor GOPATH is set');
    const empty = join(root, 'empty-bin');
    mkdirSync(empty);
    expect((await runner.detect(contextFor(exec(), { binaries: [empty] }))).reason).toContain(`no Go binaries in ${empty}`);
  });

  it('check is read-only: the binaries are byte-identical afterwards', async () => {
    const before = hashTree(bin);
    const local = exec();
    await runner.check(contextFor(local, {}));
    expect(hashTree(bin)).toEqual(before);
    expect(local.records.filter((r) => r.kind === 'change')).toEqual([]);
  });

  it('updates hello v1.0.0 → v1.1.0, keeps the excluded stay, withholds the v2 major, then finds nothing', async () => {
    const local = exec();
    const ctx = contextFor(local, {}, ['example.test/st*']);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'example.test/hello', from: 'v1.0.0', to: 'v1.1.0', scope: hello() }]);
    expect(checked.withheld).toEqual([
      {
        name: 'example.test/hello',
        reason: `major upgrade to example.test/hello/v2@v2.0.0 not allowed (allow_major: false) for ${hello()}`,
      },
      { name: 'example.test/stay/cmd/stay', reason: `excluded by policy (example.test/stay/cmd/stay v1.0.0 in ${stay()})` },
    ]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['env', `GOBIN=${bin}`, 'go', 'install', '-mod=mod', 'example.test/hello@v1.1.0']]);

    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'example.test/hello', from: 'v1.0.0', to: 'v1.1.0', scope: hello() }]);
    expect(applied.steps.map((s) => s.exitCode)).toEqual([0]);
    expect(run(hello())).toBe('hello v1.1.0');
    expect(moduleOf(env, stay()).version).toBe('v1.0.0');
    expect(run(stay())).toBe('stay v1.0.0');
    expect(local.records.filter((r) => r.kind === 'change').map((r) => r.argv)).toEqual(plan.map((s) => s.argv));

    // The no-op re-run: nothing pending, no step, no changing command.
    const again = exec();
    const second = await runner.check(contextFor(again, {}, ['example.test/st*']));
    expect(second.updates).toEqual([]);
    expect(await runner.plan(ctx, second)).toEqual([]);
    expect(again.records.filter((r) => r.kind === 'change')).toEqual([]);
  });

  it('a release that does not compile fails apply with the compiler’s words and leaves the binary as it was', async () => {
    buildDemoSource(proxyDir, { broken: true });
    try {
      const ctx = contextFor(exec(), { binaries: [hello()] });
      const checked = await runner.check(ctx);
      expect(checked.updates).toEqual([{ name: 'example.test/hello', from: 'v1.1.0', to: 'v1.2.0', scope: hello() }]);
      const before = hashTree(bin);
      const error = await runner.apply(ctx, await runner.plan(ctx, checked)).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED' });
      expect((error as Error).message).toContain('go install example.test/hello@v1.2.0');
      expect((error as Error).message).toContain('undefined: undefinedGreeting');
      expect(hashTree(bin)).toEqual(before);
      expect(run(hello())).toBe('hello v1.1.0');
    } finally {
      buildDemoSource(proxyDir);
    }
  });

  it('dry-run records the go install without running it', async () => {
    const local = createLocalExec({ env, cwd: '/', dryRun: true });
    const ctx = contextFor(local, { binaries: [stay()] });
    const applied = await runner.apply(ctx, await runner.plan(ctx, await runner.check(ctx)));
    expect(applied.changed).toEqual([]);
    expect(local.records.filter((r) => r.kind === 'change').map((r) => [r.argv, r.executed])).toEqual([
      [['env', `GOBIN=${bin}`, 'go', 'install', '-mod=mod', 'example.test/stay/cmd/stay@v1.1.0'], false],
    ]);
    expect(moduleOf(env, stay()).version).toBe('v1.0.0');
  });

  it('with allow_major installs the v2 module path over the same binary', async () => {
    const ctx = contextFor(exec(), { binaries: [bin], allow_major: true }, ['stay']);
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([{ name: 'example.test/hello/v2', from: 'v1.1.0', to: 'v2.0.0', scope: hello() }]);
    expect(checked.withheld.map((w) => w.name)).toEqual(['example.test/stay/cmd/stay']);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([['env', `GOBIN=${bin}`, 'go', 'install', '-mod=mod', 'example.test/hello/v2@v2.0.0']]);
    const applied = await runner.apply(ctx, plan);
    expect(applied.changed).toEqual([{ name: 'example.test/hello/v2', from: 'v1.1.0', to: 'v2.0.0', scope: hello() }]);
    expect(run(hello())).toBe('hello v2.0.0');
    expect(moduleOf(env, hello())).toMatchObject({ path: 'example.test/hello/v2', module: 'example.test/hello/v2', version: 'v2.0.0' });
    expect(readdirSync(bin).sort()).toEqual(['hello', 'stay']);
    expect((await runner.check(ctx)).updates).toEqual([]);
  });

  it('a module without go.mod (+incompatible) stays in its major: v2.0.0 → v2.1.0, v3 withheld; allow_major takes v3', async () => {
    const legacyBin = join(root, 'legacy-bin');
    await goInstall(env, legacyBin, 'example.test/legacy@v2.0.0+incompatible');
    const legacy = join(legacyBin, 'legacy');
    const ctx = contextFor(exec(), { binaries: [legacyBin] });
    const checked = await runner.check(ctx);
    expect(checked.updates).toEqual([
      { name: 'example.test/legacy', from: 'v2.0.0+incompatible', to: 'v2.1.0+incompatible', scope: legacy },
    ]);
    expect(checked.withheld).toEqual([
      {
        name: 'example.test/legacy',
        reason: `major upgrade v2.0.0+incompatible → v3.0.0+incompatible not allowed (allow_major: false) for ${legacy}`,
      },
    ]);
    const plan = await runner.plan(ctx, checked);
    expect(plan.map((s) => s.argv)).toEqual([
      ['env', `GOBIN=${legacyBin}`, 'go', 'install', '-mod=mod', 'example.test/legacy@v2.1.0+incompatible'],
    ]);
    expect((await runner.apply(ctx, plan)).changed).toEqual(checked.updates.map((u) => ({ ...u, to: 'v2.1.0+incompatible' })));
    expect(run(legacy)).toBe('legacy v2.1.0+incompatible');
    expect((await runner.check(ctx)).updates).toEqual([]);
    const major = contextFor(exec(), { binaries: [legacy], allow_major: true });
    const up = await runner.check(major);
    expect(up.updates).toEqual([{ name: 'example.test/legacy', from: 'v2.1.0+incompatible', to: 'v3.0.0+incompatible', scope: legacy }]);
    await runner.apply(major, await runner.plan(major, up));
    expect(run(legacy)).toBe('legacy v3.0.0+incompatible');
  });

  it('works under GOFLAGS=-mod=vendor, which breaks a plain go list -m / go install @version', async () => {
    const vendored = exec({ GOFLAGS: '-mod=vendor' });
    const checked = await runner.check(contextFor(vendored, { binaries: [stay()] }));
    expect(checked.updates).toEqual([{ name: 'example.test/stay/cmd/stay', from: 'v1.0.0', to: 'v1.1.0', scope: stay() }]);
    // Measured: without the runner's -mod=mod on the command line go refuses.
    const plain = await vendored.read(['go', 'list', '-m', '-json', 'example.test/stay@latest'], { okExitCodes: [1] });
    expect(plain.stderr).toContain('cannot query module due to -mod=vendor');
  });

  it('withholds a binary built from a local checkout ((devel)) and one that was renamed', async () => {
    const src = join(root, 'devel-src');
    const other = join(root, 'other-bin');
    mkdirSync(src);
    writeFileSync(join(src, 'go.mod'), 'module example.test/devel\n\ngo 1.18\n');
    writeFileSync(join(src, 'main.go'), 'package main\n\nfunc main() {}\n');
    execFileSync('go', ['build', '-o', join(other, 'devel'), '.'], { cwd: src, env });
    execFileSync('cp', [stay(), join(other, 'stay-old')]);
    const checked = await runner.check(contextFor(exec(), { binaries: [other] }));
    expect(checked.updates).toEqual([]);
    expect(checked.withheld).toEqual([
      {
        name: 'example.test/devel',
        reason: `${other}/devel was built from a local checkout (version (devel)), not installed from a module version`,
      },
      {
        name: 'example.test/stay/cmd/stay',
        reason: `${other}/stay-old was renamed: go install would write stay next to it and leave stay-old at v1.0.0`,
      },
    ]);
  });

  it('refuses a binary whose file name holds shell characters (E_RUNNER_UNSAFE_NAME), before any lookup', async () => {
    const odd = join(root, 'odd-bin');
    mkdirSync(odd);
    execFileSync('cp', [stay(), join(odd, 'stay;id')]);
    const local = exec();
    const error = await runner.check(contextFor(local, { binaries: [odd] })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_RUNNER_UNSAFE_NAME' });
    expect(local.records.map((r) => r.argv.slice(0, 3))).toEqual([['go', 'version', '-m']]);
  });

  it('fails check with a coded error and go’s words when the proxy is unreachable', async () => {
    const offline = exec({ GOPROXY: 'http://127.0.0.1:9' });
    const error = await runner.check(contextFor(offline, { binaries: [stay()] })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UnrotError', code: 'E_EXEC_FAILED' });
    expect((error as Error).message).toContain('connect: connection refused');
  });

  it('sources() names the GOPROXY, or the module host when GOPRIVATE sends it direct', async () => {
    const ctx = contextFor(exec(), {});
    expect(await runner.sources?.(ctx)).toEqual([
      { host: '127.0.0.1', port: served.port, origin: `GOPROXY ${served.url} (go env, read with go env -json)` },
    ]);
    const secret = contextFor(exec({ GOPROXY: `http://user:s3cret@127.0.0.1:${served.port}/go,direct` }), {});
    const endpoints = await runner.sources?.(secret);
    expect(endpoints).toEqual([
      { host: '127.0.0.1', port: served.port, origin: `GOPROXY http://***@127.0.0.1:${served.port}/go (go env, read with go env -json)` },
    ]);
    const direct = contextFor(exec({ GOPRIVATE: 'example.test' }), {});
    expect(await runner.sources?.(direct)).toEqual([
      {
        host: 'example.test',
        port: 443,
        origin: 'direct fetch of example.test/hello/v2, matched by GONOPROXY=example.test (go env, read with go env -json)',
      },
    ]);
  });
});
