// Notifier implementations used as sinks in the engine's tests. They implement the SDK
// interface for real; the hanging ones talk to a real TCP server on 127.0.0.1 that never answers.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Type } from '@sinclair/typebox';
import { defineNotifier, type Notification, type Notifier, UnrotError } from '@unrot/sdk';

export interface Recording extends Notifier {
  messages: Notification[];
  signals: AbortSignal[];
}

/** Accepts every message and keeps it, as a sink's inbox would. */
export function recordingNotifier(id = 'rec'): Recording {
  const messages: Notification[] = [];
  const signals: AbortSignal[] = [];
  const n = defineNotifier({
    id,
    sdk: 1,
    description: 'keeps what it is sent',
    optionsSchema: Type.Object({}),
    async send(ctx, message) {
      signals.push(ctx.signal);
      messages.push(structuredClone(message));
    },
  });
  return Object.assign(n, { messages, signals });
}

/** Rejects every message with the given error (after recording it was called). */
export function failingNotifier(error: unknown, id = 'broken'): Notifier & { calls: number } {
  const state = { calls: 0 };
  const n = defineNotifier({
    id,
    sdk: 1,
    description: 'always fails',
    optionsSchema: Type.Object({}),
    async send() {
      state.calls += 1;
      throw error;
    },
  });
  return Object.assign(n, {
    get calls() {
      return state.calls;
    },
  });
}

/** A TCP server on 127.0.0.1 that accepts and never writes a byte; it stops itself after a minute. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const guard = setTimeout(() => server.close(), 60_000);
  guard.unref();
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(guard);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Waits for an answer from the silent server; honours its signal by closing the socket. */
export function tcpNotifier(port: number, id = 'tcp'): Notifier & { aborted: () => boolean } {
  let aborted = false;
  const n = defineNotifier({
    id,
    sdk: 1,
    description: 'waits for a reply that never comes',
    optionsSchema: Type.Object({}),
    send: (ctx) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        socket.on('data', () => {
          socket.end();
          resolve();
        });
        socket.on('error', (e) => reject(new UnrotError('E_NOTIFY_FAILED', e.message)));
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          socket.destroy();
          reject(new UnrotError('E_NOTIFY_TIMEOUT', 'aborted'));
        });
      }),
  });
  return Object.assign(n, { aborted: () => aborted });
}

/** Ignores its signal and never settles: the dispatcher must not wait for it. */
export function ignoringNotifier(id = 'stuck'): Notifier {
  return defineNotifier({
    id,
    sdk: 1,
    description: 'never settles',
    optionsSchema: Type.Object({}),
    send: () => new Promise<void>(() => undefined),
  });
}
