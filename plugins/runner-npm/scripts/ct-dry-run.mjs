#!/usr/bin/env node
import { Value } from '@sinclair/typebox/value';
// Runs detect → check → plan → apply of the built runner in DRY-RUN against a container through
// `pct exec VMID --` (the real pct on Proxmox, or packages/sandbox/bin/pct in the sandbox), and
// prints every command with its exit code. Changing commands are recorded, never run.
// Usage: node plugins/runner-npm/scripts/ct-dry-run.mjs [--pct PATH] VMID PROJECT_DIR... [--allow-major] [--global] [--production]
import { silentLogger } from '@unrot/sdk';
import { contractContainer, createLocalExec } from '@unrot/sdk/testing';
import { runner } from '../dist/index.js';

const args = process.argv.slice(2);
const take = (flag) => {
  const i = args.indexOf(flag);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
};
let pct = 'pct';
const p = args.indexOf('--pct');
if (p >= 0) [, pct] = args.splice(p, 2);
const options = { allow_major: take('--allow-major'), global: take('--global'), production: take('--production') };
const [vmid, ...projects] = args;
if (!vmid) throw new Error('usage: ct-dry-run.mjs [--pct PATH] VMID PROJECT_DIR...');

const local = createLocalExec({ dryRun: true });
const inCt = (argv) => [pct, 'exec', vmid, '--', ...argv];
const exec = {
  dryRun: true,
  read: async (argv, opts) => {
    const r = await local.read(inCt(argv), opts);
    console.log(`read   exit ${r.exitCode} ${r.durationMs}ms  ${argv.join(' ')}`);
    return { ...r, argv };
  },
  change: async (argv, opts) => {
    console.log(`change (recorded, not run)  ${argv.join(' ')}`);
    return local.change(inCt(argv), opts);
  },
};
const ctx = {
  exec,
  log: silentLogger,
  signal: new AbortController().signal,
  options: Value.Default(runner.optionsSchema, { projects, ...options }),
  container: contractContainer({ vmid: Number(vmid) }),
  exclusions: [],
};
const detected = await runner.detect(ctx);
console.log('detect:', JSON.stringify(detected));
if (detected.applicable) {
  const checked = await runner.check(ctx);
  console.log('check:', JSON.stringify(checked, null, 2));
  const plan = await runner.plan(ctx, checked);
  console.log('plan:', JSON.stringify(plan.map((s) => s.argv)));
  const applied = await runner.apply(ctx, plan);
  console.log('apply (dry-run):', JSON.stringify(applied));
}
