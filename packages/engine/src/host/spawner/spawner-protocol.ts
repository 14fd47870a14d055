/**
 * The messages between the engine and its spawner process (spawner-client.ts ↔ spawner-main.ts),
 * one JSON object per line on the spawner's stdin and stdout.
 */

/** Engine → spawner: run argv (RunToolOptions minus what cannot cross a pipe), or abort a running call. */
export type SpawnerRequest =
  | {
      id: number;
      argv: string[];
      env: Record<string, string>;
      timeoutMs: number;
      input?: string;
      maxOutputBytes: number;
      killGraceMs: number;
      drainMs: number;
    }
  | { id: number; abort: true };

/** Spawner → engine: the tool's pid (its process group) once started, then exactly one result or error. */
export type SpawnerReply =
  | { id: number; pid: number }
  | { id: number; result: { exitCode: number; stdout: string; stderr: string; durationMs: number; truncated: boolean } }
  | { id: number; error: { code: string; message: string; details?: Record<string, unknown> } };
