import { describe, expect, it } from 'vitest';
import { parsePctStatus } from '../../src/host/index.js';
import { fixture } from './fixtures.js';

describe('parsePctStatus', () => {
  it('reads running and stopped', () => {
    expect(parsePctStatus(fixture('pct-status-running.txt')).status).toBe('running');
    expect(parsePctStatus(fixture('pct-status-stopped.txt')).status).toBe('stopped');
    expect(parsePctStatus('status: unknown\n').status).toBe('unknown');
  });

  it('reads --verbose output into fields', () => {
    const parsed = parsePctStatus(fixture('pct-status-verbose-stopped.txt'));
    expect(parsed.status).toBe('stopped');
    expect(parsed.fields).toMatchObject({ name: 'db01', tags: 'db;prod', vmid: '101', maxmem: '2147483648' });
  });

  it('refuses output without a valid status', () => {
    expect(() => parsePctStatus('')).toThrow(expect.objectContaining({ code: 'E_HOST_OUTPUT' }));
    expect(() => parsePctStatus('status: paused\n')).toThrow(expect.objectContaining({ code: 'E_HOST_OUTPUT' }));
  });
});
