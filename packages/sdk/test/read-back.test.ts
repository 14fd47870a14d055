import { describe, expect, it } from 'vitest';
import { type PlanStep, readBackChanges } from '../src/index.js';

const step = (id: string, updates: PlanStep['updates']): PlanStep => ({ id, title: id, argv: ['true'], updates });
const logger = () => {
  const warned: unknown[] = [];
  return { warned, log: { debug() {}, info() {}, warn: (o: unknown) => void warned.push(o), error() {} } };
};

describe('readBackChanges', () => {
  it('reads each scope once, in plan order, and reports what moved with the version now installed', async () => {
    const reads: string[] = [];
    const installed: Record<string, Record<string, string>> = {
      '/opt/a': { ms: '2.1.3', left: '1.0.0' },
      '/opt/b': { lib: '1.2.0' },
    };
    const { warned, log } = logger();
    const plan = [
      step('a1', [{ name: 'ms', from: '2.0.0', to: '2.1.3', scope: '/opt/a' }]),
      step('b', [{ name: 'lib', from: '1.0.0', to: '1.1.0', scope: '/opt/b' }]),
      step('a2', [{ name: 'left', from: '1.0.0', to: '1.1.0', scope: '/opt/a' }]),
    ];
    const changed = await readBackChanges(
      plan,
      async (scope) => {
        reads.push(scope);
        return new Map(Object.entries(installed[scope] ?? {}));
      },
      { log, dryRun: false },
    );
    expect(reads).toEqual(['/opt/a', '/opt/b']);
    // What is installed, not what was planned: lib went to 1.2.0.
    expect(changed).toEqual([
      { name: 'ms', from: '2.0.0', to: '2.1.3', scope: '/opt/a' },
      { name: 'lib', from: '1.0.0', to: '1.2.0', scope: '/opt/b' },
    ]);
    expect(warned).toEqual([{ update: { name: 'left', from: '1.0.0', to: '1.1.0', scope: '/opt/a' }, installed: '1.0.0' }]);
  });

  it("reads updates without a scope as scope '' and says nothing in a dry run", async () => {
    const { warned, log } = logger();
    const scopes: string[] = [];
    const changed = await readBackChanges(
      [step('s', [{ name: 'gone', from: '1.0', to: '1.1' }])],
      async (scope) => {
        scopes.push(scope);
        return new Map();
      },
      { log, dryRun: true },
    );
    expect(scopes).toEqual(['']);
    expect(changed).toEqual([]);
    expect(warned).toEqual([]);
  });
});
