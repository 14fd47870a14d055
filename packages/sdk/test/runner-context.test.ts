import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { createReplayExec, runnerContext } from '../src/testing/index.js';

const Schema = Type.Object(
  {
    dirs: Type.Array(Type.String(), { default: ['/opt/app'] }),
    allow_major: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);

describe('runnerContext (a runner test context as the engine builds it)', () => {
  it('fills options with the schema defaults from a copy, leaving the caller object untouched', () => {
    const given = { allow_major: true };
    const { ctx } = runnerContext(Schema, createReplayExec([]), given, { exclusions: ['left-*'] });
    expect(ctx.options).toEqual({ dirs: ['/opt/app'], allow_major: true });
    expect(given).toEqual({ allow_major: true });
    expect(ctx.exclusions).toEqual(['left-*']);
    expect(ctx.container.vmid).toBe(101);
    expect(ctx.signal.aborted).toBe(false);
  });

  it('keeps what the runner logged, messages and fields, and passes the given signal and container', () => {
    const controller = new AbortController();
    const { ctx, logged, entries } = runnerContext(
      Schema,
      createReplayExec([]),
      {},
      { signal: controller.signal, container: { vmid: 205 } },
    );
    ctx.log.info({ dir: '/opt/app' }, 'checking');
    ctx.log.warn('lock held; waiting');
    ctx.log.debug('not kept');
    expect(logged).toEqual(['checking', 'lock held; waiting']);
    expect(entries[0]).toEqual({ level: 'info', msg: 'checking', fields: { dir: '/opt/app' } });
    expect(ctx.container.vmid).toBe(205);
    controller.abort();
    expect(ctx.signal.aborted).toBe(true);
  });
});
