/** Label selectors: kubectl syntax → LabelSelector → server syntax, and in-memory matching. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLabelSelector, matchesLabelSelector, parseLabelSelector, parseOrSelectors, SelectorError } from './selectors.ts';

test('parses every kubectl form into matchLabels and matchExpressions', () => {
  assert.deepEqual(parseLabelSelector('app=nginx'), { matchLabels: { app: 'nginx' } });
  assert.deepEqual(parseLabelSelector('app==nginx, tier != db,env in (a, b),rel notin (x),ready,!legacy,example.com/team=core'), {
    matchLabels: { app: 'nginx', 'example.com/team': 'core' },
    matchExpressions: [
      { key: 'tier', operator: 'NotIn', values: ['db'] },
      { key: 'env', operator: 'In', values: ['a', 'b'] },
      { key: 'rel', operator: 'NotIn', values: ['x'] },
      { key: 'ready', operator: 'Exists' },
      { key: 'legacy', operator: 'DoesNotExist' },
    ],
  });
  assert.deepEqual(parseLabelSelector('empty='), { matchLabels: { empty: '' } });
});

test('bad selectors name the part that is wrong', () => {
  for (const [text, part] of [['app=ngi nx', 'ngi nx'], ['a,,b', 'empty'], ['-bad=x', '-bad'], ['k in ()', 'at least one'], ['a=1,a=2', 'two values'], ['x y', 'expected']] as const) {
    assert.throws(() => parseLabelSelector(text), (err: unknown) => err instanceof SelectorError && err.message.includes(part), text);
  }
});

test('formats deterministically for the API server, and matching follows Kubernetes semantics', () => {
  const sel = parseLabelSelector('z=1,a=2,env in (b,a),!gone,has');
  assert.equal(formatLabelSelector(sel), 'a=2,z=1,env in (a,b),!gone,has');
  assert.equal(formatLabelSelector(undefined), '');
  assert.equal(matchesLabelSelector({ a: '2', z: '1', env: 'a', has: '' }, sel), true);
  assert.equal(matchesLabelSelector({ a: '2', z: '1', env: 'c', has: '' }, sel), false);
  assert.equal(matchesLabelSelector({ a: '2', z: '1', env: 'a', has: '', gone: 'x' }, sel), false);
  assert.equal(matchesLabelSelector({ a: '2', z: '1', env: 'a' }, sel), false);
  assert.equal(matchesLabelSelector(undefined, parseLabelSelector('tier!=db')), true, 'NotIn matches a missing label');
  assert.equal(matchesLabelSelector({}, {}), true, 'an empty selector matches everything');
  assert.deepEqual(parseOrSelectors('app=a or app=b'), [{ matchLabels: { app: 'a' } }, { matchLabels: { app: 'b' } }]);
});
