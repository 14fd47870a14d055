import { describe, expect, it } from 'vitest';
import { FORMATS } from '../src/options.js';
import { type FakeService, startFakeService } from './helpers/fake-services.js';
import { send } from './helpers/send.js';
import type { Reply } from './helpers/sink-server.js';

const FAST = { timeout_ms: 300, retries: 1, backoff_ms: 20, retry_after_max_ms: 100 };
const SIGNING = 'sig-canary-0123456789';
const NTFY_TOKEN = 'tk_ntfycanary0123456789';
const FAILURES = ['echo 500', 'echo 403', 'hang', 'retry-after too long'] as const;

describe('secrets canary: a planted token never reaches errors or logs', () => {
  for (const format of FORMATS) {
    for (const failure of FAILURES) {
      it(`${format}: ${failure}`, async () => {
        const canary = `canary${format}${failure.length}x7q2`;
        let echoed = '';
        let service: FakeService | undefined;
        // A hostile sink: its error answer echoes the request path and headers, where the secrets are.
        const inject = (i: number): Reply => {
          if (failure === 'hang') return 'hang';
          if (failure === 'retry-after too long') return { status: 429, headers: { 'retry-after': '60' } };
          const req = service?.server.requests[i];
          echoed = `no route for ${req?.path} with ${JSON.stringify(req?.headers)}`;
          return { status: failure === 'echo 500' ? 500 : 403, body: echoed };
        };
        service = await startFakeService(format, { canary, signingSecret: SIGNING, ntfyToken: NTFY_TOKEN, inject });
        try {
          const out = await send({ ...service.options, ...FAST });
          expect(out.error, 'send must fail').toBeDefined();
          const visible = [out.error?.message, out.error?.stack, JSON.stringify(out.error), ...out.log.map((l) => l.text)].join('\n');
          for (const secret of [canary, SIGNING, NTFY_TOKEN]) expect(visible).not.toContain(secret);
          if (failure.startsWith('echo')) {
            // The answer really held the secret: redaction is what kept it out.
            expect(echoed).toContain(canary);
            expect(out.error?.message).toContain('[redacted]');
          }
        } finally {
          await service.close();
        }
      });
    }
  }
});
