import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Snapshot } from '../../../repo/index.ts';
import { longLine, modeString, nodeJson } from './ls.ts';
import { snapshotJson, snapshotTable, sourceText } from './snapshots.ts';

test('modes as ls prints them, setuid/setgid/sticky included', () => {
  assert.equal(modeString('dir', 0o755), 'drwxr-xr-x');
  assert.equal(modeString('file', 0o4755), '-rwsr-xr-x');
  assert.equal(modeString('file', 0o2644), '-rw-r-Sr--');
  assert.equal(modeString('dir', 0o1777), 'drwxrwxrwt');
  assert.equal(modeString('symlink', 0o777), 'lrwxrwxrwx');
});

test('ls -l and ls -o json lines', () => {
  const node = { name: 'app.yaml', type: 'file' as const, mode: 0o644, uid: 1000, gid: 1000, mtime: '2024-01-02T03:04:05.123456789Z', size: 12, content: ['a'.repeat(64)] };
  assert.equal(longLine('/conf/app.yaml', node), '-rw-r--r--   1000   1000           12 2024-01-02 03:04:05  /conf/app.yaml');
  assert.deepEqual(nodeJson('/conf/app.yaml', node), { path: '/conf/app.yaml', type: 'file', mode: 0o644, uid: 1000, gid: 1000, mtime: node.mtime, size: 12 });
  assert.match(longLine('/l', { name: 'l', type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: node.mtime, linkTarget: '../x' }), /\/l -> \.\.\/x$/);
});

const snap: Snapshot = {
  id: 'ab'.repeat(32),
  time: '2026-01-02T03:04:05.678Z',
  source: { host: 'node-1', path: '/var/lib/kubelet/pods/x/volumes/data', namespace: 'shop', pod: 'db-0', volume: 'data' },
  tags: ['nightly', 'gold'],
  tree: 'cd'.repeat(32),
  hostname: 'node-1',
  summary: { files: 12345, dirs: 10, totalBytes: 3 * 1024 ** 3, bytesRead: 0, newBlobs: 0, newBytesRaw: 0, newBytesStored: 0, errorCount: 0, durationMs: 1000 },
};

test('snapshots: sources, the table, JSON with parent null', () => {
  assert.equal(sourceText(snap.source), 'shop/db-0/data');
  assert.equal(sourceText({ host: 'h', path: '/data' }), 'h:/data');
  assert.equal(snapshotTable([snap]), 'ID         TIME (UTC)            SOURCE           TAGS           FILES    SIZE\nabababab   2026-01-02 03:04:05   shop/db-0/data   nightly,gold   12,345   3.00 GiB\n');
  assert.equal(snapshotTable([]), '');
  assert.equal(
    snapshotTable([snap], [['last snapshot', 'daily snapshot']]),
    'ID         TIME (UTC)            SOURCE           TAGS           FILES    SIZE       REASONS\nabababab   2026-01-02 03:04:05   shop/db-0/data   nightly,gold   12,345   3.00 GiB   last snapshot, daily snapshot\n',
  );
  const json = snapshotJson(snap);
  assert.equal(json['parent'], null);
  assert.equal(json['shortId'], 'abababab');
  assert.deepEqual(Object.keys(json), ['id', 'shortId', 'time', 'hostname', 'source', 'tags', 'parent', 'tree', 'summary']);
});
