/** @module metrics/registry.test — the exposition text, byte for byte, and the registry's rules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from './registry.ts';
import { formatGoFloat } from './exposition.ts';
import { BACKUP_DURATION_BUCKETS, ServerMetrics } from './server-metrics.ts';

test('counters, gauges and histograms render in the 0.0.4 text format exactly (labels and series sorted by label name)', () => {
  const r = new Registry();
  const c = r.counter({ name: 'jobs_total', help: 'Jobs done.', labelNames: ['queue', 'kind'] });
  const g = r.gauge({ name: 'up', help: 'Whether it is up.' });
  const h = r.histogram({ name: 'latency_seconds', help: 'How long.', labelNames: ['op'], buckets: [1, 5] });
  c.inc({ queue: 'b', kind: 'x' });
  c.inc({ queue: 'a', kind: 'y' }, 2.5);
  g.set({}, 1);
  h.observe({ op: 'get' }, 0.5);
  h.observe({ op: 'get' }, 3);
  h.observe({ op: 'get' }, 5);
  h.observe({ op: 'get' }, 100);
  assert.equal(
    r.metrics(),
    [
      '# HELP jobs_total Jobs done.',
      '# TYPE jobs_total counter',
      'jobs_total{kind="x",queue="b"} 1',
      'jobs_total{kind="y",queue="a"} 2.5',
      '# HELP latency_seconds How long.',
      '# TYPE latency_seconds histogram',
      'latency_seconds_bucket{op="get",le="1"} 1',
      'latency_seconds_bucket{op="get",le="5"} 3',
      'latency_seconds_bucket{op="get",le="+Inf"} 4',
      'latency_seconds_sum{op="get"} 108.5',
      'latency_seconds_count{op="get"} 4',
      '# HELP up Whether it is up.',
      '# TYPE up gauge',
      'up 1',
      '',
    ].join('\n'),
  );
});

test('label values and help text are escaped; a labelled family with no series is left out', () => {
  const r = new Registry();
  r.counter({ name: 'empty_total', help: 'Never used.', labelNames: ['x'] });
  r.gauge({ name: 'odd', help: 'Back\\slash and\nnewline "quoted"', labelNames: ['v'] }).set({ v: 'a"b\\c\nd' }, -2);
  assert.equal(r.metrics(), '# HELP odd Back\\\\slash and\\nnewline "quoted"\n# TYPE odd gauge\nodd{v="a\\"b\\\\c\\nd"} -2\n');
});

test('an unlabeled histogram starts with every bucket at zero', () => {
  const r = new Registry();
  r.histogram({ name: 'h', help: 'h', buckets: [0.5] });
  assert.equal(r.metrics(), '# HELP h h\n# TYPE h histogram\nh_bucket{le="0.5"} 0\nh_bucket{le="+Inf"} 0\nh_sum 0\nh_count 0\n');
});

test('numbers are written as Go writes them', () => {
  const cases: Array<[number, string]> = [
    [0, '0'], [1, '1'], [-1, '-1'], [2.5, '2.5'], [123456, '123456'], [1e6, '1e+06'], [1234567, '1.234567e+06'],
    [1700000123, '1.700000123e+09'], [0.0001, '0.0001'], [0.00005, '5e-05'], [1e21, '1e+21'], [1e-300, '1e-300'],
    [Infinity, '+Inf'], [-Infinity, '-Inf'], [NaN, 'NaN'],
  ];
  for (const [v, text] of cases) assert.equal(formatGoFloat(v), text, String(v));
});

test('misuse is refused: bad names, wrong labels, a falling counter, bad buckets, duplicates', () => {
  const r = new Registry();
  assert.throws(() => r.counter({ name: '1bad', help: '' }), /metric name "1bad" is not valid/);
  assert.throws(() => r.counter({ name: 'ok', help: '', labelNames: ['__x'] }), /label name "__x" is not valid/);
  assert.throws(() => r.histogram({ name: 'h', help: '', labelNames: ['le'], buckets: [1] }), /"le" is reserved/);
  assert.throws(() => r.histogram({ name: 'h2', help: '', buckets: [2, 1] }), /increasing/);
  const c = r.counter({ name: 'c_total', help: '', labelNames: ['a'] });
  assert.throws(() => c.inc({ b: 'x' }), /labels \{b\} do not match \{a\}/);
  assert.throws(() => c.inc({ a: 'x' }, -1), /cannot be increased by -1/);
  assert.throws(() => r.gauge({ name: 'c_total', help: '' }), /already registered/);
});

test('collect hooks run before each rendering; series can be removed and reset', () => {
  const r = new Registry();
  const g = r.gauge({ name: 'g', help: 'g', labelNames: ['k'] });
  let n = 0;
  const off = r.onCollect(() => g.set({ k: 'a' }, ++n));
  assert.match(r.metrics(), /g\{k="a"\} 1\n/);
  assert.match(r.metrics(), /g\{k="a"\} 2\n/);
  off();
  g.set({ k: 'b' }, 7);
  g.remove({ k: 'a' });
  assert.equal(r.metrics(), '# HELP g g\n# TYPE g gauge\ng{k="b"} 7\n');
  g.reset();
  assert.equal(r.metrics(), '');
});

test("Velero's families: manual-backup counters exported at zero, buckets, schedules added and removed", () => {
  const m = new ServerMetrics({ process: false });
  const text = m.registry.metrics();
  assert.match(text, /^# TYPE velero_backup_attempt_total counter\nvelero_backup_attempt_total\{schedule=""\} 0$/m);
  assert.match(text, /^velero_restore_validation_failed_total\{schedule=""\} 0$/m);
  assert.match(text, /^velero_backup_total 0$/m);
  assert.doesNotMatch(text, /velero_backup_last_status/); // a gauge with no backup yet says nothing
  assert.deepEqual(BACKUP_DURATION_BUCKETS, [60, 300, 600, 900, 1800, 3600, 7200, 10800, 14400]);
  m.backupDuration.observe({ schedule: '' }, 61);
  assert.match(m.registry.metrics(), /velero_backup_duration_seconds_bucket\{schedule="",le="60"\} 0\nvelero_backup_duration_seconds_bucket\{schedule="",le="300"\} 1\n/);
  m.initSchedule('nightly');
  m.backupLastStatus.set({ schedule: 'nightly' }, 1);
  assert.match(m.registry.metrics(), /velero_backup_success_total\{schedule="nightly"\} 0/);
  m.removeSchedule('nightly');
  assert.doesNotMatch(m.registry.metrics(), /nightly/);
});

test('process metrics are present and plausible', () => {
  const m = new ServerMetrics();
  const text = m.registry.metrics();
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  assert.ok(value('process_resident_memory_bytes') > 1e6);
  assert.ok(value('process_start_time_seconds') > 1.5e9);
  assert.ok(value('process_cpu_seconds_total') > 0);
  assert.ok(value('nodejs_heap_size_used_bytes') > 0);
  assert.match(text, new RegExp(`^nodejs_version_info\\{major="\\d+",minor="\\d+",patch="\\d+",version="${process.version}"\\} 1$`, 'm'));
});
