import { describe, expect, it } from 'vitest';
import { parsePveshLxc, splitTags } from '../../src/host/index.js';
import { fixture } from './fixtures.js';

const db01 = { vmid: 101, status: 'stopped', name: 'db01', tags: ['db', 'prod'], template: false };

describe('parsePveshLxc', () => {
  it('accepts vmid as an integer (pve-container >= 5.0.10)', () => {
    expect(parsePveshLxc(fixture('pvesh-lxc-vmid-int.json'))).toEqual([db01]);
  });

  it('accepts vmid as a string (pve-container < 5.0.10)', () => {
    expect(parsePveshLxc(fixture('pvesh-lxc-vmid-string.json'))).toEqual([db01]);
  });

  it('returns no containers for an empty array', () => {
    expect(parsePveshLxc(fixture('pvesh-lxc-empty.json'))).toEqual([]);
  });

  it('sorts hash-ordered entries by VMID and reads lock, template and deduplicated tags', () => {
    expect(parsePveshLxc(fixture('pvesh-lxc-three.json'))).toEqual([
      { vmid: 100, status: 'running', name: 'web01', tags: ['prod', 'web'], template: false },
      db01,
      { vmid: 900, status: 'stopped', name: 'tmpl-debian', tags: [], lock: 'backup', template: true },
    ]);
  });

  it('refuses non-JSON, non-arrays and bad vmids with E_HOST_OUTPUT', () => {
    for (const bad of ['not json', '{"data":[]}', '[{"vmid":"abc","status":"running"}]', '[{"vmid":42,"status":"running"}]']) {
      expect(() => parsePveshLxc(bad)).toThrow(expect.objectContaining({ code: 'E_HOST_OUTPUT' }));
    }
  });
});

describe('splitTags', () => {
  it('splits on ; and also , and whitespace as pve-tag-list allows, deduplicated in order', () => {
    expect(splitTags('db;prod')).toEqual(['db', 'prod']);
    expect(splitTags('web, prod;web  db')).toEqual(['web', 'prod', 'db']);
    expect(splitTags('')).toEqual([]);
    expect(splitTags(undefined)).toEqual([]);
  });
});
