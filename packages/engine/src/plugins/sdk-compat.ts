import { SDK_VERSION, UnrotError } from '@unrot/sdk';

// A plugin says which SDK major it was built for twice: `unrot.sdk` in its package.json (what
// the engine reads first) and its `@unrot/sdk` peer range (what npm resolves). Both must admit
// this engine's SDK major, or the plugin is refused before any of its code runs.

/** The parts of a plugin's package.json this check reads. */
export interface PluginManifest {
  name?: string;
  version?: string;
  unrot?: Record<string, unknown>;
  peerDependencies?: Record<string, unknown>;
}

/** Majors a semver range admits, as an inclusive interval; undefined when the range cannot be read. */
interface MajorSpan {
  lo: number;
  hi: number;
}

const ANY: MajorSpan = { lo: 0, hi: Number.POSITIVE_INFINITY };
const VERSION = /^v?(\d+)(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+][0-9A-Za-z.+-]*)?$/;
const COMPARATOR = /^(\^|~>?|>=|<=|>|<|=)?\s*(.*)$/;

function isWild(part: string | undefined): boolean {
  return part === undefined || part === 'x' || part === 'X' || part === '*';
}

/** Majors one comparator (`^1.2.0`, `>=1`, `<2.0.0`, `1.x`) admits. */
function comparatorSpan(text: string): MajorSpan | undefined {
  if (text === '*' || text === 'x' || text === 'X' || text === '') return ANY;
  const [, op = '', rest = ''] = COMPARATOR.exec(text) ?? [];
  const v = VERSION.exec(rest);
  if (!v) return undefined;
  const major = Number(v[1]);
  const exactZero = !isWild(v[2]) && Number(v[2]) === 0 && (isWild(v[3]) || Number(v[3]) === 0);
  switch (op) {
    case '>=':
      return { lo: major, hi: ANY.hi };
    case '>':
      return { lo: isWild(v[2]) ? major + 1 : major, hi: ANY.hi };
    case '<':
      // `<2.0.0` and `<2` stop before major 2; `<2.1.0` admits some 2.x.
      return { lo: 0, hi: isWild(v[2]) || exactZero ? major - 1 : major };
    case '<=':
      return { lo: 0, hi: major };
    default:
      return { lo: major, hi: major };
  }
}

/** Majors a whole range admits: comparators in a set intersect, `||` alternatives unite (as one span). */
export function sdkMajorsOf(range: string): MajorSpan | undefined {
  const alternatives = range
    .replace(/^workspace:/, '')
    .split('||')
    .map((a) => a.trim());
  let union: MajorSpan | undefined;
  for (const alt of alternatives) {
    let span: MajorSpan = ANY;
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(alt);
    const comparators = hyphen ? [`>=${hyphen[1]}`, `<=${hyphen[2]}`] : alt.split(/\s+/).filter(Boolean);
    for (const c of comparators.length > 0 ? comparators : ['*']) {
      const s = comparatorSpan(c);
      if (!s) return undefined;
      span = { lo: Math.max(span.lo, s.lo), hi: Math.min(span.hi, s.hi) };
    }
    union = union ? { lo: Math.min(union.lo, span.lo), hi: Math.max(union.hi, span.hi) } : span;
  }
  return union;
}

function spanText(s: MajorSpan): string {
  if (s.hi === Number.POSITIVE_INFINITY) return `${s.lo} and later`;
  return s.lo === s.hi ? String(s.lo) : `${s.lo} to ${s.hi}`;
}

/**
 * Refuses (E_PLUGIN_INCOMPATIBLE, exit 2) a plugin built for another SDK major than this engine's:
 * a `unrot.sdk` other than SDK_VERSION, or an `@unrot/sdk` peer range that does not admit it.
 * Each message names the plugin, the SDK it was built for and the engine's.
 */
export function assertSdkCompatible(pkg: PluginManifest, root: string): void {
  const plugin = `${pkg.name ?? root}@${pkg.version ?? '0.0.0'}`;
  const fix = `install a version of ${pkg.name ?? 'the plugin'} built for SDK ${SDK_VERSION}`;
  const declared = pkg.unrot?.['sdk'];
  if (declared !== SDK_VERSION) {
    const builtFor = declared === undefined ? 'no SDK (package.json has no unrot.sdk)' : `SDK ${JSON.stringify(declared)} (unrot.sdk)`;
    throw new UnrotError(
      'E_PLUGIN_INCOMPATIBLE',
      `plugin ${plugin} was built for ${builtFor}; this unrot speaks SDK ${SDK_VERSION}: ${fix}`,
      {
        root,
        plugin,
        builtFor: declared ?? null,
        engineSdk: SDK_VERSION,
      },
    );
  }
  const peer = pkg.peerDependencies?.['@unrot/sdk'];
  if (peer === undefined) return;
  const span = typeof peer === 'string' ? sdkMajorsOf(peer) : undefined;
  if (!span || span.lo > SDK_VERSION || span.hi < SDK_VERSION) {
    const builtFor = span ? `SDK ${spanText(span)}` : 'an SDK this unrot cannot tell';
    throw new UnrotError(
      'E_PLUGIN_INCOMPATIBLE',
      `plugin ${plugin} was built for ${builtFor} (peerDependencies @unrot/sdk ${JSON.stringify(peer)}); this unrot speaks SDK ${SDK_VERSION}: ${fix}`,
      { root, plugin, peerRange: peer, engineSdk: SDK_VERSION },
    );
  }
}
