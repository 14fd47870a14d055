import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// Keeps bench/fleet.mjs working as the engine changes: a small fleet through the real engine
// and the serial loop. No timing assertions: figures from a shared test machine mean nothing.
it('runs the fleet benchmark end to end and updates every container', async () => {
  const bench = join(import.meta.dirname, '..', 'bench', 'fleet.mjs');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [bench, '--containers', '20', '--concurrency', '4', '--check-ms', '5-10', '--apply-ms', '10-40', '--count-calls', '--json'],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout);
  expect(result.allUpdated).toBe(true);
  expect(result.engine.summary).toMatchObject({ containers: 20, updated: 20, failed: 0 });
  expect(result.engine.exitCode).toBe(0);
  expect(result.work.boundMs).toBeGreaterThan(0);
  expect(result.engine.cpu.perContainerMs).toBeGreaterThan(0);
  expect(result.engine.memory.peakMb).toBeGreaterThan(0);
  expect(result.serial.makespanMs).toBeGreaterThan(0);
  // The work ran through the simulated pct: three sim commands per container.
  expect(result.engine.hostCallsPerContainer['pct exec']).toBe(3);
  expect(Object.keys(result.goals)).toEqual(['makespan', 'cpu', 'memory']);
});
