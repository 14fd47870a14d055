import { UnrotError } from '@unrot/sdk';

/** One container of a compose project, as `docker compose ps --format json` describes it. */
export interface ComposeContainer {
  name: string;
  service: string;
  /** created, running, restarting, paused, exited, dead, removing */
  state: string;
  /** '' (no healthcheck), starting, healthy, unhealthy */
  health: string;
  exitCode: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function toContainer(raw: unknown, where: string): ComposeContainer | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new UnrotError('E_HOST_OUTPUT', `docker compose ps: ${where} is not a JSON object`);
  const o = raw as Record<string, unknown>;
  if (typeof o['Service'] !== 'string' || typeof o['State'] !== 'string')
    throw new UnrotError('E_HOST_OUTPUT', `docker compose ps: ${where} has no Service or State`);
  const name = str(o['Name']);
  // `--all` also lists containers of `docker compose run` (one-off); they are not the stack's services.
  const labels = str(o['Labels']);
  if (/(^|,)com\.docker\.compose\.oneoff=True(,|$)/.test(labels) || /-run-[0-9a-f]{12}$/.test(name)) return undefined;
  return {
    name,
    service: o['Service'],
    state: o['State'].toLowerCase(),
    health: str(o['Health']).toLowerCase(),
    exitCode: typeof o['ExitCode'] === 'number' ? o['ExitCode'] : 0,
  };
}

/**
 * Parses `docker compose ps --format json` of any compose v2 release: up to v2.20 one JSON array
 * on one line (`null` when there are no containers), from v2.21 one JSON object per line
 * (nothing at all when there are none). Sources: packages/engine/test/fixtures/compose-ps/README.md.
 */
export function parseComposePs(stdout: string): ComposeContainer[] {
  const text = stdout.trim();
  if (text === '' || text === 'null') return [];
  const parse = (chunk: string, where: string): unknown => {
    try {
      return JSON.parse(chunk);
    } catch {
      throw new UnrotError('E_HOST_OUTPUT', `docker compose ps: ${where} is not JSON: ${chunk.slice(0, 200)}`);
    }
  };
  const out: ComposeContainer[] = [];
  if (text.startsWith('[')) {
    const list = parse(text, 'the output');
    if (!Array.isArray(list)) throw new UnrotError('E_HOST_OUTPUT', 'docker compose ps: the output is not a JSON array');
    for (const [i, raw] of list.entries()) {
      const c = toContainer(raw, `item ${i + 1}`);
      if (c) out.push(c);
    }
    return out;
  }
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const c = toContainer(parse(line, `line ${i + 1}`), `line ${i + 1}`);
    if (c) out.push(c);
  }
  return out;
}

export type ServiceState = { service: string; ready: boolean; failed: boolean; detail: string };

/**
 * Whether each service is up: every container of it running and, when it has a healthcheck,
 * healthy; a container that exited 0 counts as a finished one-shot job (migrations, init).
 * `failed` marks what will not get better by waiting (exited non-zero, dead).
 */
export function serviceStates(services: readonly string[], containers: readonly ComposeContainer[]): ServiceState[] {
  return services.map((service) => {
    const own = containers.filter((c) => c.service === service);
    if (own.length === 0) return { service, ready: false, failed: false, detail: 'no container' };
    const describe = (c: ComposeContainer) =>
      `${c.name || service} ${c.state}${c.state === 'exited' ? ` (${c.exitCode})` : ''}${c.health ? ` ${c.health}` : ''}`;
    const failed = own.filter((c) => c.state === 'dead' || (c.state === 'exited' && c.exitCode !== 0));
    if (failed.length > 0) return { service, ready: false, failed: true, detail: failed.map(describe).join(', ') };
    const ready = own.every((c) => (c.state === 'running' && (c.health === '' || c.health === 'healthy')) || c.state === 'exited');
    return { service, ready, failed: false, detail: own.map(describe).join(', ') };
  });
}
