/** The Velero-compatible readings of patterns, regexes and patch values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob, GlobMatcher, GlobSyntaxError } from './glob.ts';
import { compileGoRegExp, embedPatchValue } from './values.ts';

test('groupResource globs: "." separates, * stays inside one part, ** crosses parts', () => {
  const gr = (pattern: string, value: string): boolean => new GlobMatcher(pattern, '.').matches(value);
  assert.equal(gr('*', 'pods'), true, '* is every core-group resource');
  assert.equal(gr('*', 'deployments.apps'), false);
  assert.equal(gr('*.apps', 'deployments.apps'), true);
  assert.equal(gr('*.apps', 'pods'), false);
  assert.equal(gr('*.*', 'deployments.apps'), true);
  assert.equal(gr('*.*', 'pods'), false);
  assert.equal(gr('*.*', 'ingresses.networking.k8s.io'), false, 'one * per dot-separated part');
  assert.equal(gr('*.**', 'ingresses.networking.k8s.io'), true);
  assert.equal(gr('**', 'ingresses.networking.k8s.io'), true);
  assert.equal(gr('persistentvolumeclaims', 'persistentvolumeclaims'), true);
  assert.equal(gr('persistentvolumeclaims', 'persistentvolumeclaimsx'), false);
  assert.equal(gr('deployments.apps', 'deploymentsXapps'), false, 'the dot is literal');
  assert.equal(gr('{deployments,statefulsets}.apps', 'statefulsets.apps'), true);
  assert.equal(gr('{deployments,statefulsets}.apps', 'daemonsets.apps'), false);
  assert.equal(gr('pod?', 'pods'), true);
  assert.equal(gr('[cs]ecrets', 'secrets'), true);
  assert.equal(gr('[!s]ecrets', 'secrets'), false);
  assert.equal(gr('config[a-z]aps', 'configmaps'), true);
  assert.equal(gr('\\*', '*'), true);
  assert.equal(gr('\\*', 'pods'), false);
});

test('namespace globs have no separator', () => {
  assert.equal(new GlobMatcher('team-*').matches('team-a.b'), true);
  assert.equal(new GlobMatcher('*').matches(''), true);
  assert.equal(new GlobMatcher('prod').matches('production'), false);
});

test('bad globs are reported', () => {
  for (const bad of ['[abc', '{a,b', 'a\\', '[]']) assert.throws(() => compileGlob(bad, '.'), GlobSyntaxError, bad);
});

test('patch values: Velero embeds null/booleans/numbers/objects raw and quotes the rest', () => {
  const value = (text: string): unknown => {
    const r = embedPatchValue(text);
    assert.ok(r.ok, `${text}: ${r.ok ? '' : r.error}`);
    return r.value;
  };
  assert.equal(value(''), '');
  assert.equal(value('premium'), 'premium');
  assert.equal(value('null'), null);
  assert.equal(value('true'), true);
  assert.equal(value('FALSE'), false);
  assert.equal(value('80'), 80);
  assert.equal(value('-1.5e3'), -1500);
  assert.equal(value('1e400'), '1e400', 'Go cannot parse an overflowing float, so it stays a string');
  assert.deepEqual(value('{"name": "nginx", "ports": [{"containerPort": 80}]}'), { name: 'nginx', ports: [{ containerPort: 80 }] });
  assert.deepEqual(value('[1, "a"]'), [1, 'a']);
  assert.equal(value('"true"'), 'true', 'surrounding quotes keep it a string');
  assert.equal(value('"80"'), '80');
  assert.equal(value('"null"'), 'null');
  assert.equal(value('""'), '');
  assert.equal(value('"'), '"', 'one quote is not a pair');
  assert.equal(value('a\\tb'), 'a\tb', 'JSON escapes are decoded, as in Velero');
  assert.equal(value('say "hi"'), 'say "hi"', 'text Velero would choke on is kept as written');
  assert.equal(value('nginx:1.14.2'), 'nginx:1.14.2');
  assert.equal(value('NaNa'), 'NaNa');
});

test('patch values that Velero would embed as broken JSON are errors', () => {
  for (const bad of ['{oops', '[1,', '+1', '.5', '01', 'Inf', '-infinity', 'NaN', '0x1p-2']) {
    const r = embedPatchValue(bad);
    assert.equal(r.ok, false, bad);
  }
});

test('Go regexes: unanchored, with (?P<name>), leading flags, \\A and \\z translated', () => {
  const re = (src: string): RegExp => {
    const r = compileGoRegExp(src);
    assert.ok(r.ok, src);
    return r.value;
  };
  assert.equal(re('mysql').test('my-mysql-0'), true, 'unanchored');
  assert.equal(re('^mysql.*$').test('my-mysql-0'), false);
  assert.equal(re('(?i)^MYSQL').test('mysql-0'), true);
  assert.equal(re('(?P<app>\\w+)-\\d+').test('web-1'), true);
  assert.equal(re('\\Aweb\\z').test('web'), true);
  assert.equal(re('\\Aweb\\z').test('web-1'), false);
  assert.equal(re('a\\\\A').test('a\\A'), true, 'an escaped backslash before A is not \\A');
  assert.equal(compileGoRegExp('(unclosed').ok, false);
  assert.equal(compileGoRegExp('(?U)a+').ok, false);
});
