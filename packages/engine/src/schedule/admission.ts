import type { WindowInstance } from './windows.js';

export type AdmissionReason = 'inside-window' | 'outside-window' | 'window-closing';

export interface Admission {
  allowed: boolean;
  reason: AdmissionReason;
  /** Milliseconds until the window closes (0 outside). */
  remainingMs: number;
}

/**
 * May a new container start now? Only inside a window and only while more than `cutoffMs`
 * of it remain: a container that starts late would snapshot, update and verify past the
 * window's end. Containers already running are never cut off (that is the max-runtime
 * guard's job), so a window closing mid-run only stops new starts.
 */
export function mayStartContainer(window: WindowInstance | null, now: Date, cutoffMs: number): Admission {
  if (!window || now < window.start || now >= window.end) return { allowed: false, reason: 'outside-window', remainingMs: 0 };
  const remainingMs = window.end.getTime() - now.getTime();
  if (remainingMs <= cutoffMs) return { allowed: false, reason: 'window-closing', remainingMs };
  return { allowed: true, reason: 'inside-window', remainingMs };
}
