import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TreeFormatError, compareNames, formatTime, nameProblem, parseTime, parseTree, serializeTree } from './tree.ts';
import type { Tree, TreeNode } from './types.ts';

const ID = 'a'.repeat(64);
const file = (name: string, extra: Partial<TreeNode> = {}): TreeNode => ({ name, type: 'file', mode: 0o644, uid: 1, gid: 2, mtime: '2024-01-02T03:04:05.123456789Z', size: 3, content: [ID], ...extra });

test('names compare by UTF-8 bytes', () => {
  for (const unit of ['grapheme', 'binary'] as const) {
    fc.assert(
      fc.property(fc.string({ unit }), fc.string({ unit }), (a, b) => {
        assert.equal(Math.sign(compareNames(a, b)), Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 5000 },
    );
  }
  assert.ok(compareNames('\u{1F600}', '\uFFFD') > 0); // UTF-16 order would say the opposite
});

test('serialization is byte for byte what earlier versions wrote (tree ids, and so dedupe, depend on it)', () => {
  const nodes: TreeNode[] = [
    { name: 'f "q" \u00e9\n', type: 'file', mode: 0o644, uid: 0, gid: 4294967294, mtime: '2024-01-02T03:04:05.123456789Z', ctime: '2024-01-02T03:04:05Z', size: 2 ** 40, content: [ID, ID], holes: [[0, 4096]], inode: 2 ** 52, device: 66306, links: 2 },
    { name: 'd', type: 'dir', mode: 0o755, uid: 1, gid: 2, mtime: '2024-01-02T03:04:05Z', subtree: ID },
    { name: 'l', type: 'symlink', mode: 0o777, uid: 1, gid: 2, mtime: '2024-01-02T03:04:05Z', linkTarget: '../\u2603' },
    { name: 'c', type: 'chardev', mode: 0o600, uid: 0, gid: 0, mtime: '2024-01-02T03:04:05Z', rdev: 259 },
  ];
  // The earlier writer: each node copied into an object with the fields in canonical order, then JSON.stringify.
  const order = ['name', 'type', 'mode', 'uid', 'gid', 'mtime', 'ctime', 'size', 'content', 'holes', 'inode', 'device', 'links', 'subtree', 'linkTarget', 'rdev'] as const;
  const sorted = [...nodes].sort((x, y) => compareNames(x.name, y.name));
  const earlier = `{"nodes":[${sorted.map((n) => JSON.stringify(Object.fromEntries(order.filter((k) => n[k] !== undefined).map((k) => [k, n[k]])))).join(',')}]}`;
  assert.equal(Buffer.from(serializeTree({ nodes })).toString('utf8'), earlier);
  assert.equal(Buffer.from(serializeTree({ nodes: [] })).toString('utf8'), '{"nodes":[]}');
});

test('serialization is canonical: sorted nodes, fixed field order, no undefined fields', () => {
  const a: Tree = { nodes: [file('b', { holes: undefined }), { ...file('a'), size: 3, mode: 0o600 }] };
  const reordered = { nodes: [{ mode: 0o600, content: [ID], size: 3, name: 'a', type: 'file', uid: 1, gid: 2, mtime: file('a').mtime } as TreeNode, file('b')] };
  const bytes = serializeTree(a);
  assert.deepEqual(Buffer.from(bytes), Buffer.from(serializeTree(reordered)));
  assert.match(Buffer.from(bytes).toString(), /^\{"nodes":\[\{"name":"a","type":"file","mode":384,/);
  assert.deepEqual(parseTree(bytes).nodes.map((n) => n.name), ['a', 'b']);
  assert.equal(a.nodes[0]!.name, 'b', 'the argument is not sorted in place');
});

test('hostile or malformed trees are refused', () => {
  const bad = (nodes: unknown[]): Uint8Array => Buffer.from(JSON.stringify({ nodes }));
  for (const name of ['', '.', '..', 'a/b', '/etc', 'x\0y', 'é'.repeat(200)]) {
    assert.throws(() => parseTree(bad([file(name)])), TreeFormatError, `name ${JSON.stringify(name)}`);
  }
  assert.throws(() => parseTree(bad([file('a'), file('a')])), /twice/);
  assert.throws(() => parseTree(bad([{ ...file('a'), type: 'door' }])), /unknown type/);
  assert.throws(() => parseTree(bad([{ ...file('a'), mode: 0o170000 }])), /mode/);
  assert.throws(() => parseTree(bad([{ ...file('a'), content: ['../x'] }])), /content/);
  assert.throws(() => parseTree(bad([{ ...file('a'), size: 10, holes: [[4, 8]] }])), /holes/);
  assert.throws(() => parseTree(bad([{ ...file('a'), type: 'dir' }])), /subtree/);
  assert.throws(() => parseTree(Buffer.from('{')), /JSON/);
  assert.equal(nameProblem('ok name ✓'), undefined);
});

test('times keep nanoseconds both ways', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 18n), max: 4n * 10n ** 18n }), (ns) => {
      assert.equal(parseTime(formatTime(ns)), ns);
    }),
  );
  assert.equal(formatTime(1_700_000_000_123_456_789n), '2023-11-14T22:13:20.123456789Z');
  assert.equal(parseTime('2023-11-14T22:13:20Z'), 1_700_000_000_000_000_000n);
  assert.equal(parseTime('yesterday'), undefined);
});
