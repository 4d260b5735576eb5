/** @module cli/commands/backup/flag-values.test — value syntaxes, and the --wait progress and closing lines. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backup } from '../../../api/index.ts';
import { mapArg, orderedResourcesArg, splitCsv, stringArrayArg } from './flag-values.ts';
import { completionMessage, progressLine } from './wait.ts';

test('CSV fields: quotes group commas, "" is a quote, an open quote is an error', () => {
  assert.deepEqual(splitCsv('a,b'), ['a', 'b']);
  assert.deepEqual(splitCsv('"a,b",c'), ['a,b', 'c']);
  assert.deepEqual(splitCsv('k="x,y"'), ['k=x,y']);
  assert.deepEqual(splitCsv('"say ""hi"""'), ['say "hi"']);
  assert.deepEqual(splitCsv(''), ['']);
  assert.throws(() => splitCsv('"open'), /unterminated quote/);
});

test('StringArray is verbatim (velero does not trim); maps split on the first =', () => {
  assert.deepEqual(stringArrayArg('a, b,'), ['a', ' b', '']);
  assert.deepEqual(mapArg('url=http://x?a=b', { k: 'v' }), { k: 'v', url: 'http://x?a=b' });
  assert.deepEqual(orderedResourcesArg(' pods = ns/a,ns/b ; pv=p1'), { pods: 'ns/a,ns/b', pv: 'p1' });
});

test('--wait: progress line for terminals, closing message with validation errors', () => {
  const b: Backup = {
    metadata: { name: 'b1' },
    status: { phase: 'InProgress', progress: { totalItems: 450, itemsBackedUp: 120 } },
  };
  assert.equal(progressLine(b, 12_500), 'InProgress, items backed up: 120/450 (12s)');
  assert.equal(progressLine(undefined, 0), 'New (0s)');
  assert.equal(progressLine({ metadata: {}, status: { phase: 'Queued', queuePosition: 2 } }, 1000), 'Queued, queue position 2 (1s)');
  assert.equal(
    completionMessage({ metadata: { name: 'b1' }, status: { phase: 'Completed' } }),
    'Backup completed with status: Completed. You may check for more information using the commands `skiff backup describe b1` and `skiff backup logs b1`.\n',
  );
  assert.match(
    completionMessage({ metadata: { name: 'b1' }, status: { phase: 'FailedValidation', validationErrors: ['no location', 'bad ns'] } }),
    /status: FailedValidation\. .*\nValidation errors:  no location\n                    bad ns\n$/,
  );
});
