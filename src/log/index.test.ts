/** The server logger: levels, text and JSON formats, child fields, quoting. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, parseLevel } from './index.ts';

test('text lines look like logrus; levels filter; children add fields; json is one object per line', () => {
  const lines: string[] = [];
  const now = (): Date => new Date('2026-01-02T03:04:05.678Z');
  const log = createLogger({ level: 'info', write: (l) => lines.push(l), now }).child({ controller: 'backup' });
  log.debug('hidden');
  log.info('Backup completed', { backup: 'velero/b1', items: 11 });
  log.warn('odd', { note: 'a b' });
  assert.deepEqual(lines, [
    'time="2026-01-02T03:04:05Z" level=info msg="Backup completed" controller=backup backup=velero/b1 items=11',
    'time="2026-01-02T03:04:05Z" level=warning msg=odd controller=backup note="a b"',
  ]);
  const json: string[] = [];
  createLogger({ format: 'json', write: (l) => json.push(l), now }).error('boom', { key: 'x' });
  assert.deepEqual(JSON.parse(json[0]!), { level: 'error', msg: 'boom', time: '2026-01-02T03:04:05Z', key: 'x' });
  assert.equal(parseLevel('warn'), 'warning');
  assert.equal(parseLevel('trace'), 'debug');
  assert.throws(() => parseLevel('loud'), /--log-level/);
});
