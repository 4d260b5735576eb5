/** @module cli/output/print.test — golden output for table, JSON and YAML printing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureStream } from '../testing.ts';
import { formatLabels, printObjects, renderObjects } from './print.ts';
import type { Column, PrintOptions } from './print.ts';

interface Backup {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; labels?: Record<string, string> };
  status?: { phase?: string; errors?: number };
}

const daily: Backup = {
  metadata: { name: 'daily-20250102', labels: { 'velero.io/schedule-name': 'daily', app: 'web' } },
  status: { phase: 'Completed', errors: 0 },
};
const adhoc: Backup = { metadata: { name: 'b2' }, status: { phase: 'Failed' } };

const columns: Column<Backup>[] = [
  { header: 'Name', value: (b) => b.metadata.name },
  { header: 'Status', value: (b) => b.status?.phase },
  { header: 'Errors', value: (b) => b.status?.errors },
  { header: 'Schedule', value: (b) => b.metadata.labels?.['velero.io/schedule-name'], noneIfEmpty: true },
];

function opts(extra: Partial<PrintOptions<Backup>> = {}): PrintOptions<Backup> {
  return { format: 'table', kind: 'Backup', apiVersion: 'velero.io/v1', columns, stdout: captureStream(), ...extra };
}

test('table: upper-cased headers, 3-space gaps, <none>, no trailing spaces', () => {
  assert.equal(
    renderObjects([daily, adhoc], opts()),
    [
      'NAME             STATUS      ERRORS   SCHEDULE',
      'daily-20250102   Completed   0        daily',
      'b2               Failed               <none>',
      '',
    ].join('\n'),
  );
});

test('table: -L label columns and --show-labels', () => {
  assert.equal(
    renderObjects([daily, adhoc], opts({ labelColumns: ['velero.io/schedule-name', 'app'], showLabels: true })),
    [
      'NAME             STATUS      ERRORS   SCHEDULE   SCHEDULE-NAME   APP   LABELS',
      'daily-20250102   Completed   0        daily      daily           web   app=web,velero.io/schedule-name=daily',
      'b2               Failed               <none>                           <none>',
      '',
    ].join('\n'),
  );
});

test('table: --no-headers, kubectl minimum width 6, nothing at all for no rows', () => {
  const narrow: Column<Backup>[] = [
    { header: 'A', value: () => 'x' },
    { header: 'B', value: () => 'y' },
  ];
  assert.equal(renderObjects([adhoc], opts({ columns: narrow })), 'A     B\nx     y\n');
  // Every column is at least 6 wide, even the empty ERRORS one.
  assert.equal(renderObjects([adhoc], opts({ noHeaders: true })), 'b2    Failed         <none>\n');
  assert.equal(renderObjects([], opts()), '');
});

test('table: widths count display columns (CJK is two wide); tabs in values cannot break columns', () => {
  const items: Backup[] = [
    { metadata: { name: '日本語' }, status: { phase: 'Ready' } },
    { metadata: { name: 'abc' }, status: { phase: 'New\tPhase' } },
  ];
  const two = columns.slice(0, 2);
  assert.equal(renderObjects(items, opts({ columns: two })), 'NAME     STATUS\n日本語   Ready\nabc      New Phase\n');
});

test('json: one item prints as the item, with kind and apiVersion filled in first', () => {
  const out = captureStream();
  printObjects([adhoc], opts({ format: 'json', stdout: out }));
  assert.equal(
    out.text,
    '{\n  "apiVersion": "velero.io/v1",\n  "kind": "Backup",\n  "metadata": {\n    "name": "b2"\n  },\n  "status": {\n    "phase": "Failed"\n  }\n}\n',
  );
});

test('json: several items (or none) print as a v1 List', () => {
  const doc = JSON.parse(renderObjects([daily, adhoc], opts({ format: 'json' }))) as { apiVersion: string; kind: string; items: Backup[] };
  assert.deepEqual(Object.keys(doc), ['apiVersion', 'kind', 'items']);
  assert.equal(doc.kind, 'List');
  assert.equal(doc.apiVersion, 'v1');
  assert.deepEqual(doc.items.map((i) => [i.kind, i.metadata.name]), [['Backup', 'daily-20250102'], ['Backup', 'b2']]);
  assert.equal(renderObjects([], opts({ format: 'json' })), '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": []\n}\n');
});

test('yaml: single item vs list, go-yaml style (unindented sequences, no folding)', () => {
  const long = 'x'.repeat(120);
  const item: Backup = { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: long } };
  assert.equal(renderObjects([item], opts({ format: 'yaml' })), `apiVersion: velero.io/v1\nkind: Backup\nmetadata:\n  name: ${long}\n`);
  assert.equal(
    renderObjects([adhoc, adhoc], opts({ format: 'yaml' })),
    [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: velero.io/v1',
      '  kind: Backup',
      '  metadata:',
      '    name: b2',
      '  status:',
      '    phase: Failed',
      '- apiVersion: velero.io/v1',
      '  kind: Backup',
      '  metadata:',
      '    name: b2',
      '  status:',
      '    phase: Failed',
      '',
    ].join('\n'),
  );
});

test('yaml: strings that YAML 1.1 would read as other types stay quoted', () => {
  const item = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { labels: { enabled: 'yes', y: 'n' } }, stamp: '2025-01-02T03:04:05Z' };
  assert.equal(
    renderObjects([item], { format: 'yaml', kind: 'ConfigMap', apiVersion: 'v1', columns: [], stdout: captureStream() }),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    enabled: "yes"\n    "y": "n"\nstamp: "2025-01-02T03:04:05Z"\n',
  );
});

test('formatLabels sorts keys and says <none> when empty', () => {
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabels({}), '<none>');
  assert.equal(formatLabels(undefined), '<none>');
});
