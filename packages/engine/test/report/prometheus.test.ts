import { describe, expect, it } from 'vitest';
import type { ContainerReport } from '../../src/lifecycle/container-result.js';
import { escapeLabelValue, renderRunMetrics } from '../../src/report/prometheus.js';
import { checkExpositionFormat } from '../../src/report/prometheus-format.js';
import type { RunReport } from '../../src/report/run-report.js';
import { ct, makeReport } from '../notify/report-fixtures.js';

const messages = (text: string, options?: Parameters<typeof checkExpositionFormat>[1]) =>
  checkExpositionFormat(text, options).map((p) => `${p.line}: ${p.message}`);

describe('the Prometheus text format checker', () => {
  it('accepts valid exposition text: HELP/TYPE, labels with escapes, float forms, histograms, comments', () => {
    const good = [
      '# A free comment',
      '# HELP http_requests_total The total number of requests, with a \\\\ and a \\n.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027',
      'http_requests_total{method="post",code="400",} 3',
      '',
      '# TYPE temp gauge',
      'temp{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb"} -1.5e-3',
      'temp{x="inf"} +Inf',
      'temp{x="-inf"} -Inf',
      'temp{x="nan"} NaN',
      'temp{x=".5"} .5',
      '# HELP latency_seconds Latency.',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{le="0.1"} 3',
      'latency_seconds_bucket{le="+Inf"} 5',
      'latency_seconds_sum 1.2',
      'latency_seconds_count 5',
      'untyped_metric:with_colon 7',
      '',
    ].join('\n');
    expect(messages(good)).toEqual([]);
  });

  it('allows timestamps only when told to (the textfile collector refuses them)', () => {
    const text = 'm 1 1700000000000\n';
    expect(messages(text)).toEqual(['1: timestamps are not allowed (node_exporter textfile collector)']);
    expect(messages(text, { forbidTimestamps: false })).toEqual([]);
    expect(messages('m 1 12.5\n', { forbidTimestamps: false })).toEqual(["1: timestamp '12.5' is not an integer"]);
  });

  const bad: Array<[string, string, string]> = [
    ['a metric name starting with a digit', '1abc 1\n', "1: invalid metric name '1abc'"],
    ['a dash in a metric name', 'my-metric 1\n', "1: invalid metric name 'my-metric'"],
    ['a bad label name', 'm{1x="a"} 1\n', "1: invalid label name '1x'"],
    ['a reserved label name', 'm{__name__="a"} 1\n', "1: label name '__name__' is reserved (starts with __)"],
    ['an unquoted label value', 'm{a=b} 1\n', "1: label 'a': value must be in double quotes"],
    ['an invalid escape', 'm{a="x\\t"} 1\n', "1: label 'a': invalid escape '\\t' (only \\\\, \\\" and \\n)"],
    ['an unterminated label value', 'm{a="x} 1\n', "1: label 'a': unterminated value"],
    ['a duplicated label', 'm{a="1",a="2"} 1\n', "1: label 'a' appears twice"],
    ['a missing separator between labels', 'm{a="1" b="2"} 1\n', "1: expected ',' or '}' after label 'a'"],
    ['a value that is not a float', 'm 1,5\n', "1: value '1,5' is not a float"],
    ['a missing value', 'm\n', '1: expected whitespace before the value'],
    ['a value glued to the labels', 'm{a="1"}1\n', '1: expected whitespace before the value'],
    ['text after the value', 'm 1 2 3\n', '1: timestamps are not allowed (node_exporter textfile collector)'],
    ['an unknown TYPE', '# TYPE m gaugee\nm 1\n', "1: TYPE 'gaugee' is not one of counter, gauge, histogram, summary, untyped"],
    ['TYPE after the samples', 'm 1\n# TYPE m gauge\n', "2: TYPE for 'm' comes after its samples"],
    ['TYPE twice', '# TYPE m gauge\n# TYPE m gauge\nm 1\n', "2: TYPE for 'm' appears twice"],
    ['HELP twice', '# HELP m a\n# HELP m b\nm 1\n', "2: HELP for 'm' appears twice"],
    ['a bad HELP escape', '# HELP m a \\" b\nm 1\n', "1: HELP: invalid escape '\\\"' (only \\\\ and \\n)"],
    ['an invalid name in HELP', '# HELP 9m x\n', "1: HELP: invalid metric name '9m'"],
    ['a family split in two', 'a 1\nb 1\na{x="1"} 2\n', "3: metric family 'a' is not contiguous (its lines must be grouped)"],
    ['a duplicated series', 'm{a="1",b="2"} 1\nm{b="2",a="1"} 2\n', '2: series m{a="1",b="2"} appears twice'],
    ['a negative counter', '# TYPE c counter\nc -1\n', "2: counter 'c' is negative"],
    ['a bucket without le', '# TYPE h histogram\nh_bucket 1\n', "2: histogram bucket 'h_bucket' has no 'le' label"],
    ['no final newline', 'm 1', '1: the last line must end with a newline'],
    ['a CRLF line end', 'm 1\r\n', '1: carriage return (lines end with \\n only)'],
    ['a sample indented', ' m 1\n', '1: a sample line must not start with whitespace'],
  ];
  for (const [what, text, problem] of bad) {
    it(`refuses ${what}`, () => {
      expect(messages(text)).toContain(problem);
    });
  }
});

describe('the run metrics textfile', () => {
  const report = (containers?: ContainerReport[]): RunReport =>
    makeReport(
      containers ?? [
        ct(101, 'updated', { name: 'web' }),
        ct(102, 'failed', { name: 'db "main"\\x\nnext' }),
        ct(103, 'skipped', { name: 'off' }),
      ],
    );

  it('is valid exposition text with the documented metrics', () => {
    const r = report();
    const text = renderRunMetrics(r);
    expect(checkExpositionFormat(text)).toEqual([]);
    const finished = Date.parse(r.finishedAt) / 1000;
    expect(text).toContain(`\nunrot_last_run_timestamp_seconds ${finished}\n`);
    expect(text).toContain('\nunrot_last_run_exit_code 1\n');
    expect(text).toContain(`\nunrot_last_run_duration_seconds ${r.durationMs / 1000}\n`);
    expect(text).toContain(`\nunrot_packages_changed_total ${r.summary.packagesChanged}\n`);
    for (const outcome of ['updated', 'rolled-back', 'nothing-to-do', 'planned', 'skipped', 'failed']) {
      expect(text).toMatch(new RegExp(`\\nunrot_containers\\{outcome="${outcome}"\\} \\d+\\n`));
    }
    expect(text).toContain('\nunrot_containers{outcome="failed"} 1\n');
    expect(text).toContain('\nunrot_container_outcome{vmid="101",name="web",outcome="updated"} 1\n');
    // A container name with quotes, a backslash and a newline is escaped, not broken.
    expect(text).toContain('\nunrot_container_outcome{vmid="102",name="db \\"main\\"\\\\x\\nnext",outcome="failed"} 1\n');
    expect(text).toMatch(/# TYPE unrot_last_run_info gauge\nunrot_last_run_info\{run_id="[^"]+",node="[^"]+",version="[^"]+"\} 1\n/);
  });

  it('stays valid for a run with no container', () => {
    expect(checkExpositionFormat(renderRunMetrics(report([])))).toEqual([]);
  });

  it('escapes label values as the format requires', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });
});
