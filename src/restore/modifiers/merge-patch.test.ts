/** JSON Merge Patch (RFC 7386): applying, and creating a patch from two documents. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyMergePatch, createMergePatch, isEmptyMergePatch } from './merge-patch.ts';
import type { JsonValue } from './json.ts';

test('RFC 7386 appendix A', () => {
  const cases: [JsonValue, JsonValue, JsonValue][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [target, patch, expected] of cases) assert.deepEqual(applyMergePatch(target, patch), expected, JSON.stringify([target, patch]));
});

test('applying keeps member order and never changes the inputs', () => {
  const target = { a: 1, b: { c: [1, 2] }, d: 4 };
  const patch = { b: { e: 5 }, a: 9 };
  const snapshot = structuredClone([target, patch]);
  const out = applyMergePatch(target, patch) as { b: { c: number[] } };
  assert.deepEqual(Object.keys(out), ['a', 'b', 'd']);
  out.b.c.push(3);
  assert.deepEqual([target, patch], snapshot);
});

test('creating: removed keys become null, nested objects recurse, arrays go whole', () => {
  assert.deepEqual(createMergePatch({ a: 1, b: 2, c: { d: 1, e: 2 }, l: [1, 2] }, { a: 1, c: { d: 1, e: 3 }, l: [1], n: { x: 1 } }), {
    b: null,
    c: { e: 3 },
    l: [1],
    n: { x: 1 },
  });
  assert.ok(isEmptyMergePatch(createMergePatch({ a: { b: [1] } }, { a: { b: [1] } })));
  assert.deepEqual(createMergePatch({ a: 'x' }, { a: { b: 1 } }), { a: { b: 1 } });
  assert.deepEqual(createMergePatch([1], { a: 1 }), { a: 1 });
  assert.deepEqual(createMergePatch({ a: 1, gone: undefined }, { a: 2, skip: undefined }), { a: 2 }, 'undefined members count as absent');
});

const jsonWithoutNulls: fc.Arbitrary<JsonValue> = fc.letrec<{ v: JsonValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor'), fc.string()), tie('v'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).v;

const anyJson: fc.Arbitrary<JsonValue> = fc.jsonValue() as fc.Arbitrary<JsonValue>;

test('property: apply(from, create(from, to)) equals to, for any to without nulls', () => {
  fc.assert(
    fc.property(fc.oneof(anyJson, jsonWithoutNulls), jsonWithoutNulls, (from, to) => {
      const before = structuredClone(from);
      assert.deepEqual(applyMergePatch(from, createMergePatch(from, to)), to);
      assert.deepEqual(from, before);
    }),
    { numRuns: 2000 },
  );
});

test('property: a patch between equal documents is empty (objects) and changes nothing', () => {
  fc.assert(
    fc.property(anyJson, (doc) => {
      const patch = createMergePatch(doc, structuredClone(doc));
      if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) assert.ok(isEmptyMergePatch(patch));
    }),
  );
});
