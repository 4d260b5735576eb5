/** @module cli/output/describe.test — describe text aligned like Velero's tabwriter output. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captureStream } from '../testing.ts';
import { DescribeWriter } from './describe.ts';

test('values align within a run of lines; sections and headings restart alignment', () => {
  const d = new DescribeWriter()
    .line('Name', 'daily-20250102')
    .line('Namespace', 'velero')
    .line('Labels', 'velero.io/storage-location=default')
    .section('Phase')
    .blank()
    .heading('Namespaces')
    .line('Included', '*', 1)
    .line('Excluded', '<none>', 1)
    .blank()
    .line('TTL', '720h0m0s');
  assert.equal(
    d.render(),
    [
      'Name:       daily-20250102',
      'Namespace:  velero',
      'Labels:     velero.io/storage-location=default',
      '',
      'Phase:',
      '',
      'Namespaces:',
      '  Included:  *',
      '  Excluded:  <none>',
      '',
      'TTL:  720h0m0s',
      '',
    ].join('\n'),
  );
});

test('nested headings and indents, free text', () => {
  const out = captureStream();
  new DescribeWriter()
    .heading('Hooks')
    .heading('Resources', 1)
    .heading('pre-hook', 2)
    .line('Container', 'app', 3)
    .line('Command', 'sync', 3)
    .text('Resource List:\n  v1/Pod:\n    - ns/a', 0)
    .print(out);
  assert.equal(
    out.text,
    [
      'Hooks:',
      '  Resources:',
      '    pre-hook:',
      '      Container:  app',
      '      Command:    sync',
      'Resource List:',
      '  v1/Pod:',
      '    - ns/a',
      '',
    ].join('\n'),
  );
});

test('an empty value keeps alignment and leaves no trailing spaces', () => {
  assert.equal(new DescribeWriter().line('Name', 'x').line('Description', '').render(), 'Name:         x\nDescription:\n');
});

test('a section first in the output has no leading blank line; numbers and booleans print', () => {
  assert.equal(new DescribeWriter().section('Spec').line('Items', 3, 1).line('Wait', false, 1).render(), 'Spec:\n  Items:  3\n  Wait:   false\n');
});
