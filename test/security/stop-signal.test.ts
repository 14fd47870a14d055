// Attack (an unlucky operator's): `systemctl stop`, a Ctrl-C or a timeout during `unrot run`.
// Before issue 12 the CLI had no SIGTERM/SIGINT handler: Node's default ended the process at
// once, mid-step, and killed its in-flight host calls (a `pct snapshot` left the container frozen
// and locked). Now the first signal becomes the engine's graceful stop (RunOptions.stop, the kill
// switch by other means) and the process keeps running until the run is finished and reported.
// The engine's side is in packages/engine/test/lifecycle/fleet-stops.test.ts, the real thing in
// the SIGTERM drills (test/drills/safety-drills.test.ts).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const runCommand = join(import.meta.dirname, '../../packages/cli/dist/lib/run-command.js');

/** A process that installs the CLI's stop handling (as `unrot run` does), reports what it sees, then gets `signals`. */
function underSignals(signals: NodeJS.Signals[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  const script = `
    const { gracefulStop } = await import(${JSON.stringify(runCommand)});
    const stop = gracefulStop({ logToStderr: (m) => process.stderr.write(m + '\\n') });
    stop.signal.addEventListener('abort', () => process.stdout.write('stop:' + stop.signal.reason + '\\n'));
    process.stdout.write('ready\\n');
    // The "run" goes on after the signals and ends by itself, as a run finishing its containers does.
    setTimeout(() => { process.stdout.write('finished\\n'); stop.dispose(); }, 1500);
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const sent = [...signals];
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (d.includes('ready')) {
        // One signal every 100 ms, like an impatient operator.
        const next = () => {
          const sig = sent.shift();
          if (!sig) return;
          child.kill(sig);
          setTimeout(next, 100);
        };
        next();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.on('close', (code, signal) => resolve({ code, signal, out }));
  });
}

describe('SIGTERM / SIGINT during unrot run', () => {
  it('SIGTERM does not kill the run: it becomes a graceful stop and the run finishes', async () => {
    const r = await underSignals(['SIGTERM']);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.out).toContain('stop:SIGTERM');
    expect(r.out).toContain('SIGTERM received: finishing in-flight steps, starting nothing new');
    expect(r.out).toContain('finished');
  });

  it('a second signal (Ctrl-C after SIGTERM) only says it is still finishing', async () => {
    const r = await underSignals(['SIGINT', 'SIGINT', 'SIGTERM']);
    expect(r.signal).toBeNull();
    expect(r.out.match(/stop:/g)).toHaveLength(1);
    expect(r.out).toContain('stop:SIGINT');
    expect(r.out).toContain('SIGINT again: still finishing the in-flight steps');
    expect(r.out).toContain('finished');
  });
});
