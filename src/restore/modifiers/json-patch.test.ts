/** JSON Patch (RFC 6902) and JSON Pointer (RFC 6901). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyJsonPatch, formatJsonPointer, JsonPatchError, parseJsonPointer, type JsonPatchOperation } from './json-patch.ts';
import type { JsonValue } from './json.ts';

function fails(doc: JsonValue, ops: JsonPatchOperation[], reason: JsonPatchError['reason']): void {
  assert.throws(() => applyJsonPatch(doc, ops), (err: unknown) => err instanceof JsonPatchError && err.reason === reason, JSON.stringify(ops));
}

test('pointers: ~1 is "/", ~0 is "~", decoded in that order; the empty pointer is the whole document', () => {
  assert.deepEqual(parseJsonPointer(''), []);
  assert.deepEqual(parseJsonPointer('/'), ['']);
  assert.deepEqual(parseJsonPointer('/a~1b/m~0n/~01'), ['a/b', 'm~n', '~1']);
  assert.equal(formatJsonPointer(['a/b', 'm~n', '~1']), '/a~1b/m~0n/~01');
  assert.throws(() => parseJsonPointer('a/b'), /must be empty or start with/);
  assert.throws(() => parseJsonPointer('/a~2'), /"~" not followed by 0 or 1/);
  fc.assert(fc.property(fc.array(fc.string()), (tokens) => assert.deepEqual(parseJsonPointer(formatJsonPointer(tokens)), tokens)));
});

test('add: into objects, at array indexes, "-" appends, the root is replaced', () => {
  assert.deepEqual(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), { foo: 'bar', baz: 'qux' });
  assert.deepEqual(applyJsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), { foo: ['bar', 'qux', 'baz'] });
  assert.deepEqual(applyJsonPatch({ foo: [1] }, [{ op: 'add', path: '/foo/-', value: 2 }]), { foo: [1, 2] });
  assert.deepEqual(applyJsonPatch({ foo: [1] }, [{ op: 'add', path: '/foo/1', value: 2 }]), { foo: [1, 2] }, 'index == length appends');
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '', value: [1] }]), [1]);
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '/a', value: { b: null } }]), { a: { b: null } }, 'add replaces an existing member');
  assert.deepEqual(applyJsonPatch({ 'a/b': { 'm~n': 1 } }, [{ op: 'add', path: '/a~1b/m~0n', value: 2 }]), { 'a/b': { 'm~n': 2 } });
  fails({ foo: [1] }, [{ op: 'add', path: '/foo/3', value: 2 }], 'invalid');
  fails({ foo: [1] }, [{ op: 'add', path: '/foo/01', value: 2 }], 'invalid');
  fails({ foo: [1] }, [{ op: 'add', path: '/foo/-1', value: 2 }], 'invalid');
  fails({}, [{ op: 'add', path: '/missing/child', value: 1 }], 'missing');
  fails({ a: 'scalar' }, [{ op: 'add', path: '/a/b', value: 1 }], 'missing');
});

test('remove and replace need the path to exist', () => {
  assert.deepEqual(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), { foo: 'bar' });
  assert.deepEqual(applyJsonPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }]), { foo: ['bar', 'baz'] });
  assert.deepEqual(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }]), { baz: 'boo', foo: 'bar' });
  assert.deepEqual(applyJsonPatch({ a: [1, 2] }, [{ op: 'replace', path: '/a/0', value: 9 }]), { a: [9, 2] });
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: 'x' }]), 'x');
  fails({ a: 1 }, [{ op: 'remove', path: '/b' }], 'missing');
  fails({ a: [1] }, [{ op: 'remove', path: '/a/1' }], 'missing');
  fails({ a: [1] }, [{ op: 'remove', path: '/a/-' }], 'invalid');
  fails({ a: 1 }, [{ op: 'replace', path: '/b', value: 1 }], 'missing');
  fails({ a: 1 }, [{ op: 'remove', path: '' }], 'invalid');
});

test('move and copy', () => {
  const doc = { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } };
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]), {
    foo: { bar: 'baz' },
    qux: { corge: 'grault', thud: 'fred' },
  });
  assert.deepEqual(applyJsonPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }]), {
    foo: ['all', 'cows', 'eat', 'grass'],
  });
  assert.deepEqual(applyJsonPatch({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a' }]), { a: { b: 1 } }, 'moving onto itself is a no-op');
  fails({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }], 'invalid');
  fails({ a: 1 }, [{ op: 'move', from: '/x', path: '/y' }], 'missing');

  const copied = applyJsonPatch({ a: { b: [1] } }, [{ op: 'copy', from: '/a', path: '/c' }]) as { a: { b: number[] }; c: { b: number[] } };
  assert.deepEqual(copied, { a: { b: [1] }, c: { b: [1] } });
  assert.notEqual(copied.a, copied.c, 'a copy does not share structure');
  fails({ a: 1 }, [{ op: 'copy', from: '/x', path: '/y' }], 'missing');
});

test('test: deep equality regardless of key order; a missing member equals only null', () => {
  const doc = { baz: 'qux', foo: ['a', 2, 'c'], obj: { x: 1, y: [true] } };
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }]), doc);
  assert.doesNotThrow(() => applyJsonPatch(doc, [{ op: 'test', path: '/obj', value: { y: [true], x: 1 } }]));
  fails(doc, [{ op: 'test', path: '/baz', value: 'bar' }], 'test-failed');
  fails(doc, [{ op: 'test', path: '/foo/1', value: '2' }], 'test-failed');
  fails(doc, [{ op: 'test', path: '/nope', value: 'x' }], 'test-failed');
  assert.doesNotThrow(() => applyJsonPatch(doc, [{ op: 'test', path: '/nope', value: null }]));
  fails(doc, [{ op: 'test', path: '/no/parent', value: null }], 'missing');
});

test('a patch is atomic and never changes its input', () => {
  const doc = { a: 1, list: [1, 2] };
  const before = structuredClone(doc);
  assert.throws(() => applyJsonPatch(doc, [{ op: 'add', path: '/b', value: 2 }, { op: 'remove', path: '/list/0' }, { op: 'remove', path: '/zzz' }]), (err: unknown) => {
    assert.ok(err instanceof JsonPatchError);
    assert.equal(err.opIndex, 2);
    assert.match(err.message, /operation 2 \(remove \/zzz\)/);
    return true;
  });
  assert.deepEqual(doc, before);
  const out = applyJsonPatch(doc, [{ op: 'add', path: '/list/-', value: 3 }]);
  assert.deepEqual(doc, before);
  assert.deepEqual(out, { a: 1, list: [1, 2, 3] });
});

test('"__proto__" and inherited names are ordinary keys', () => {
  const out = applyJsonPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.deepEqual(Object.keys(out), ['__proto__']);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  fails({}, [{ op: 'replace', path: '/constructor', value: 1 }], 'missing');
  fails({}, [{ op: 'test', path: '/toString', value: 'x' }], 'test-failed');
});
