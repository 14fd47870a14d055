import { ContainerOutcomeSchema } from '../lifecycle/container-result.js';
import type { RunReport } from './run-report.js';

const OUTCOMES = ContainerOutcomeSchema.anyOf.map((s) => s.const as string);

/** A label value in the text exposition format: backslash, double quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and newline escaped. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: Array<{ labels?: Record<string, string>; value: number }>;
}

function render(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels ? Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`) : [];
      lines.push(`${f.name}${labels.length > 0 ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The metrics of one real run in the Prometheus text exposition format 0.0.4, for
 * node_exporter's textfile collector (no timestamps: the collector refuses them).
 */
export function renderRunMetrics(report: RunReport): string {
  const finished = Date.parse(report.finishedAt) / 1000;
  const count = (o: string) => report.containers.filter((c) => c.outcome === o).length;
  return render([
    {
      name: 'unrot_last_run_timestamp_seconds',
      help: 'Unix time at which the last unrot run finished.',
      type: 'gauge',
      samples: [{ value: finished }],
    },
    {
      name: 'unrot_last_run_exit_code',
      help: 'Exit code of the last unrot run (0 fine, 1 a container failed or was rolled back; see docs/exit-codes.md).',
      type: 'gauge',
      samples: [{ value: report.exitCode }],
    },
    {
      name: 'unrot_last_run_duration_seconds',
      help: 'How long the last unrot run took.',
      type: 'gauge',
      samples: [{ value: report.durationMs / 1000 }],
    },
    {
      name: 'unrot_last_run_info',
      help: 'The last unrot run: its id, node and unrot version (always 1).',
      type: 'gauge',
      samples: [{ labels: { run_id: report.runId, node: report.host.node, version: report.unrotVersion }, value: 1 }],
    },
    {
      name: 'unrot_containers',
      help: 'Containers of the last unrot run by outcome.',
      type: 'gauge',
      samples: OUTCOMES.map((outcome) => ({ labels: { outcome }, value: count(outcome) })),
    },
    {
      name: 'unrot_packages_changed_total',
      help: 'Packages changed by the last unrot run (reset by every run).',
      type: 'gauge',
      samples: [{ value: report.summary.packagesChanged }],
    },
    {
      name: 'unrot_container_outcome',
      help: 'Outcome of each container in the last unrot run (1 for the outcome it had).',
      type: 'gauge',
      // A cluster run labels each container with its node as well.
      samples: report.containers.map((c) => ({
        labels: { vmid: String(c.vmid), name: c.name, ...(c.node !== undefined ? { node: c.node } : {}), outcome: c.outcome },
        value: 1,
      })),
    },
  ]);
}
