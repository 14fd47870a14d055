import { EngineEvents } from '@unrot/engine';
import { describe, expect, it } from 'vitest';
import { attachProgress, elapsed } from '../src/lib/progress.js';

// `unrot run`'s progress on stderr, driven by the engine's own event bus with a hand-driven clock
// and redraw timer: what a terminal shows and what the journal gets.
function harness(mode: 'live' | 'lines') {
  const events = new EngineEvents();
  let text = '';
  let t = 0;
  let tick: () => void = () => {};
  const progress = attachProgress(events, {
    mode,
    out: { write: (s: string) => (text += s), columns: 60 },
    now: () => t,
    every: (_ms, f) => {
      tick = f;
      return { stop: () => {} };
    },
  });
  return {
    events,
    progress,
    at: (ms: number) => {
      t = ms;
    },
    redraw: () => tick(),
    take: () => {
      const out = text;
      text = '';
      return out;
    },
  };
}

const runId = 'r1';

describe('progress lines (not a terminal, --json)', () => {
  it('says the steps that change something, failures and each end, with the elapsed time', () => {
    const h = harness('lines');
    h.events.emit('run:start', { runId, dryRun: false, targets: [101, 102] });
    h.events.emit('container:skip', { runId, vmid: 105, reason: 'not-in-cli-selection' });
    h.events.emit('step:start', { runId, vmid: 101, step: 'preflight' });
    h.events.emit('step:start', { runId, vmid: 101, step: 'check', runner: 'apt' });
    h.events.emit('step:start', { runId, vmid: 101, step: 'backup' });
    h.events.emit('step:start', { runId, vmid: 101, step: 'apply', runner: 'apt' });
    h.at(12_000);
    h.events.emit('step:fail', { runId, vmid: 101, step: 'apply', runner: 'apt', code: 'E_EXEC_FAILED', message: 'x' });
    h.events.emit('step:start', { runId, vmid: 101, step: 'rollback' });
    h.at(75_000);
    h.events.emit('container:end', { runId, vmid: 101, outcome: 'rolled-back' });
    h.events.emit('container:skip', { runId, vmid: 102, reason: 'outside-window' });
    expect(h.take().split('\n')).toEqual([
      'unrot: CT 101 backup',
      'unrot: CT 101 applying apt',
      'unrot: CT 101 applying apt failed: E_EXEC_FAILED',
      'unrot: CT 101 ROLLING BACK',
      'unrot: CT 101 rolled-back in 1:15',
      'unrot: CT 102 skipped: outside-window',
      '',
    ]);
  });

  it('names the reason of a skip inside the pipeline once, at its end', () => {
    const h = harness('lines');
    h.events.emit('run:start', { runId, dryRun: false, targets: [101] });
    h.events.emit('step:start', { runId, vmid: 101, step: 'preflight' });
    h.at(2_000);
    h.events.emit('container:skip', { runId, vmid: 101, reason: 'locked', detail: "Proxmox lock 'backup'" });
    h.events.emit('container:end', { runId, vmid: 101, outcome: 'skipped' });
    expect(h.take()).toBe('unrot: CT 101 skipped: locked in 0:02\n');
  });

  it('escapes control characters in what comes from a plugin', () => {
    const h = harness('lines');
    h.events.emit('run:start', { runId, dryRun: false, targets: [101] });
    h.events.emit('step:start', { runId, vmid: 101, step: 'apply', runner: 'evil\u001b[2J' });
    expect(h.take()).toBe('unrot: CT 101 applying evil\\x1b[2J\n');
  });
});

describe('live progress (a terminal)', () => {
  it('redraws one line per container in flight and a count, in place; finished containers leave a line above', () => {
    const h = harness('live');
    h.redraw();
    expect(h.take()).toBe('');
    h.events.emit('run:start', { runId, dryRun: false, targets: [101, 102, 103] });
    expect(h.take()).toBe('  0/3 containers done, 0 in progress\n');
    h.events.emit('step:start', { runId, vmid: 101, step: 'apply', runner: 'npm' });
    h.events.emit('step:start', { runId, vmid: 102, step: 'backup' });
    h.take();
    h.at(65_000);
    h.redraw();
    // Up three lines and erase, then the block again.
    expect(h.take()).toBe('\x1b[3A\x1b[J  CT 101  applying npm  1:05\n  CT 102  backup  1:05\n  0/3 containers done, 2 in progress\n');
    h.events.emit('container:end', { runId, vmid: 101, outcome: 'updated' });
    expect(h.take()).toBe('\x1b[3A\x1b[Junrot: CT 101 updated in 1:05\n  CT 102  backup  1:05\n  1/3 containers done, 1 in progress\n');
    h.progress.stop();
    // The block is cleared before the report is printed.
    expect(h.take()).toBe('\x1b[2A\x1b[J');
  });

  it('cuts a line to the terminal width', () => {
    const h = harness('live');
    h.events.emit('run:start', { runId, dryRun: false, targets: [101] });
    h.take();
    h.events.emit('step:start', { runId, vmid: 101, step: 'apply', runner: 'x'.repeat(100) });
    const line = h.take().replace('\x1b[1A\x1b[J', '').split('\n')[0];
    expect(line?.startsWith('  CT 101  applying xxx')).toBe(true);
    expect(line?.length).toBe(60);
    expect(line?.endsWith('…')).toBe(true);
  });

  it('formats elapsed time as m:ss', () => {
    expect(elapsed(0)).toBe('0:00');
    expect(elapsed(59_999)).toBe('0:59');
    expect(elapsed(3_725_000)).toBe('62:05');
  });
});
