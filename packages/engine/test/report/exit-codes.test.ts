import { UnrotError } from '@unrot/sdk';
import { describe, expect, it } from 'vitest';
import { asHostError, EXIT_CODES, exitCodeFor, skipClassOf } from '../../src/report/exit-codes.js';

const ct = (outcome: string, skipReason?: string) => ({ outcome, ...(skipReason ? { skipReason } : {}) });

describe('exitCodeFor', () => {
  it('decides a finished run from its containers and its unfinished recoveries', () => {
    expect(exitCodeFor({ containers: [], unrecovered: 0 })).toBe(EXIT_CODES.OK);
    expect(exitCodeFor({ containers: [ct('updated'), ct('nothing-to-do'), ct('skipped', 'stopped')], unrecovered: 0 })).toBe(0);
    expect(exitCodeFor({ containers: [ct('updated'), ct('failed')], unrecovered: 0 })).toBe(EXIT_CODES.CONTAINER_FAILED);
    expect(exitCodeFor({ containers: [ct('rolled-back')], unrecovered: 0 })).toBe(1);
    expect(exitCodeFor({ containers: [ct('updated')], unrecovered: 1 })).toBe(1);
    for (const reason of ['kill-switch', 'signal', 'max-runtime', 'host-load']) {
      expect(exitCodeFor({ containers: [ct('updated'), ct('skipped', reason)], unrecovered: 0 })).toBe(EXIT_CODES.CUT_SHORT);
    }
    // A window that closed is a stated reason, not a cut-short run; a failure outweighs a cut-short one.
    expect(exitCodeFor({ containers: [ct('skipped', 'outside-window')], unrecovered: 0 })).toBe(0);
    expect(exitCodeFor({ containers: [ct('skipped', 'kill-switch'), ct('failed')], unrecovered: 0 })).toBe(1);
  });

  it('needs attention (6) for skips an operator must act on; 1 wins over 6, 6 over 5', () => {
    expect(EXIT_CODES.NEEDS_ATTENTION).toBe(6);
    for (const reason of ['unreachable', 'locked', 'backup-unavailable', 'storage-full', 'vanished', 'recovery-failed']) {
      expect(exitCodeFor({ containers: [ct('updated'), ct('skipped', reason)], unrecovered: 0 }), reason).toBe(EXIT_CODES.NEEDS_ATTENTION);
      expect(skipClassOf(reason)).toBe('attention');
    }
    for (const reason of [
      'not-matched',
      'not-in-cli-selection',
      'denied',
      'disabled',
      'stopped',
      'template',
      'no-runners',
      'outside-window',
      'window-closing',
    ]) {
      expect(exitCodeFor({ containers: [ct('skipped', reason)], unrecovered: 0 }), reason).toBe(EXIT_CODES.OK);
      expect(skipClassOf(reason)).toBe('benign');
    }
    expect(skipClassOf('kill-switch')).toBe('cut-short');
    expect(exitCodeFor({ containers: [ct('skipped', 'locked'), ct('failed')], unrecovered: 0 })).toBe(EXIT_CODES.CONTAINER_FAILED);
    expect(exitCodeFor({ containers: [ct('skipped', 'locked')], unrecovered: 1 })).toBe(EXIT_CODES.CONTAINER_FAILED);
    expect(exitCodeFor({ containers: [ct('skipped', 'locked'), ct('skipped', 'kill-switch')], unrecovered: 0 })).toBe(6);
    expect(exitCodeFor({ containers: [ct('skipped', 'unreachable')], unrecovered: 0, stopped: true })).toBe(6);
    // A recovery that found unrot's own lock, with nothing else wrong.
    expect(exitCodeFor({ containers: [ct('updated')], unrecovered: 0, attention: 1 })).toBe(6);
  });

  it('decides an error from its code', () => {
    for (const code of ['E_CONFIG', 'E_USAGE', 'E_PLUGIN_LOAD', 'E_PLUGIN_INCOMPATIBLE'] as const) {
      expect(exitCodeFor({ error: new UnrotError(code, 'x') })).toBe(EXIT_CODES.CONFIG_ERROR);
    }
    expect(exitCodeFor({ error: new UnrotError('E_RUN_LOCKED', 'x') })).toBe(EXIT_CODES.RUN_LOCKED);
    expect(exitCodeFor({ error: asHostError(new UnrotError('E_EXEC_SPAWN', 'pvesh not found')) })).toBe(EXIT_CODES.HOST_ERROR);
    expect(exitCodeFor({ error: new UnrotError('E_EXEC_SPAWN', 'not marked as a host error') })).toBe(EXIT_CODES.INTERNAL_ERROR);
    expect(exitCodeFor({ error: new UnrotError('E_NO_BACKUP', 'x') })).toBe(EXIT_CODES.CONTAINER_FAILED);
    expect(exitCodeFor({ error: new Error('a bug') })).toBe(EXIT_CODES.INTERNAL_ERROR);
    expect(exitCodeFor({ error: 'thrown string' })).toBe(EXIT_CODES.INTERNAL_ERROR);
  });
});
