/** Parsing resource modifiers strictly, with errors that name the rule and the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadResourceModifiersFromConfigMap, parseResourceModifiers } from './parse.ts';
import { ResourceModifiersError } from './types.ts';

function problems(yaml: string): readonly string[] {
  try {
    parseResourceModifiers(yaml);
  } catch (err) {
    assert.ok(err instanceof ResourceModifiersError, String(err));
    return err.problems;
  }
  assert.fail('expected the document to be rejected');
}

const PVC_RULE = `
version: v1
resourceModifierRules:
- conditions:
    groupResource: persistentvolumeclaims
    resourceNameRegex: "^mysql.*$"
    namespaces: [bar, foo]
    labelSelector:
      matchLabels: {foo: bar}
      matchExpressions:
      - {key: tier, operator: In, values: [db]}
      - {key: legacy, operator: DoesNotExist}
    matches:
    - path: /spec/storageClassName
      value: standard
  patches:
  - operation: replace
    path: "/spec/storageClassName"
    value: "premium"
  - operation: remove
    path: "/metadata/labels/test"
  - operation: Add
    path: /spec/resources/requests/storage
    value: 80
  - operation: copy
    from: /metadata/name
    path: /metadata/annotations/original-name
`;

test('the documented PVC rule parses into typed conditions and operations', () => {
  const mods = parseResourceModifiers(PVC_RULE);
  assert.equal(mods.version, 'v1');
  assert.equal(mods.rules.length, 1);
  const rule = mods.rules[0]!;
  assert.equal(rule.field, 'resourceModifierRules[0]');
  assert.equal(rule.conditions.groupResource.pattern, 'persistentvolumeclaims');
  assert.deepEqual(rule.conditions.namespaces.map((n) => n.pattern), ['bar', 'foo']);
  assert.equal(rule.conditions.resourceNameRegex?.source, '^mysql.*$');
  assert.deepEqual(rule.conditions.labelSelector, {
    matchLabels: { foo: 'bar' },
    matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }, { key: 'legacy', operator: 'DoesNotExist' }],
  });
  assert.deepEqual(rule.conditions.matches, [{ op: 'test', path: '/spec/storageClassName', value: 'standard' }]);
  assert.deepEqual(rule.patch, {
    type: 'json',
    operations: [
      { op: 'replace', path: '/spec/storageClassName', value: 'premium' },
      { op: 'remove', path: '/metadata/labels/test' },
      { op: 'add', path: '/spec/resources/requests/storage', value: 80 },
      { op: 'copy', from: '/metadata/name', path: '/metadata/annotations/original-name' },
    ],
  });
});

test('version is compared case-insensitively; merge and strategic patchData accept YAML or JSON', () => {
  const mods = parseResourceModifiers(`
version: V1
resourceModifierRules:
- conditions: {groupResource: pods}
  mergePatches:
  - patchData: |
      metadata:
        annotations:
          foo: null
  - patchData: '{"spec": {"priority": 5}}'
- conditions: {groupResource: "*.apps"}
  strategicPatches:
  - patchData: |
      {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "repo2/nginx"}]}}}}
`);
  assert.deepEqual(mods.rules[0]!.patch, { type: 'merge', patches: [{ metadata: { annotations: { foo: null } } }, { spec: { priority: 5 } }] });
  assert.equal(mods.rules[1]!.patch.type, 'strategic');
});

test('errors name the rule index and the field', () => {
  const found = problems(`
version: v1
resourceModifierRules:
- conditions: {groupResource: pods}
  patches: [{operation: remove, path: /a}]
- conditions: {namespaces: [a]}
  patches: [{operation: remove, path: /a}]
- conditions: {groupResource: "[pods"}
  patches: [{operation: remove, path: /a}]
- conditions: {groupResource: pods}
  patches: [{operation: remove, path: /a}]
- conditions: {groupResource: pods, resourceNameRegex: "(x"}
  patches: [{operation: frobnicate, path: /a}, {operation: move, path: /b}, {operation: add, path: "c"}]
`);
  assert.deepEqual(found.slice(0, 2), ['resourceModifierRules[1].conditions.groupResource: required', 'resourceModifierRules[2].conditions.groupResource: pattern "[pods" has an unclosed "["']);
  assert.ok(found.some((p) => p.startsWith('resourceModifierRules[4].conditions.resourceNameRegex: invalid regular expression')));
  assert.ok(found.includes('resourceModifierRules[4].patches[0].operation: unsupported operation "frobnicate" (one of add, remove, replace, move, copy, test)'));
  assert.ok(found.includes('resourceModifierRules[4].patches[1].from: required'));
  assert.ok(found.some((p) => p.startsWith('resourceModifierRules[4].patches[2].path: JSON pointer "c" must be empty or start with "/"')));
  assert.equal(found.length, 6, found.join('\n'));
});

test('strict: unknown fields are rejected at every level', () => {
  assert.deepEqual(
    problems(`
version: v1
extra: 1
resourceModifierRules:
- conditions: {groupResource: pods, groupKind: pods, labelSelector: {matchLabel: {a: b}}, matches: [{path: /a, value: x, op: test}]}
  patches: [{operation: remove, path: /a, op: remove}]
  mergePatch: []
`).map((p) => p.replace(/ \(allowed: .*\)$/, '')),
    [
      'extra: unknown field',
      'resourceModifierRules[0].mergePatch: unknown field',
      'resourceModifierRules[0].conditions.groupKind: unknown field',
      'resourceModifierRules[0].conditions.labelSelector.matchLabel: unknown field',
      'resourceModifierRules[0].conditions.matches[0].op: unknown field',
      'resourceModifierRules[0].patches[0].op: unknown field',
    ],
  );
});

test('version, rules and the one-patch-kind rule', () => {
  assert.deepEqual(problems('resourceModifierRules: []'), ['version: required', 'resourceModifierRules: at least one rule is required']);
  assert.deepEqual(problems('version: v2\nresourceModifierRules: [{conditions: {groupResource: pods}, patches: [{operation: remove, path: /a}]}]'), [
    'version: unsupported resource modifier version "v2" (supported: v1)',
  ]);
  assert.deepEqual(problems('version: v1\nresourceModifierRules: [{conditions: {groupResource: pods}}]'), [
    'resourceModifierRules[0]: one of patches, mergePatches, strategicPatches is required',
  ]);
  assert.deepEqual(problems('version: v1\nresourceModifierRules: [{conditions: {groupResource: pods}, patches: [], mergePatches: []}]'), [
    'resourceModifierRules[0]: one of patches, mergePatches, strategicPatches is required',
  ]);
  assert.deepEqual(
    problems(`version: v1
resourceModifierRules: [{conditions: {groupResource: pods}, patches: [{operation: remove, path: /a}], mergePatches: [{patchData: "{}"}]}]`),
    ['resourceModifierRules[0]: only one of patches, mergePatches, strategicPatches may be set (found patches, mergePatches)'],
  );
  assert.deepEqual(problems('version: v1\nresourceModifierRules: [{patches: [{operation: remove, path: /a}]}]'), ['resourceModifierRules[0].conditions: required']);
  assert.deepEqual(problems('version: v1\nresourceModifierRules: [null]'), ['resourceModifierRules[0]: must be a mapping']);
});

test('types, values, selectors and patch data are checked', () => {
  const found = problems(`
version: v1
resourceModifierRules:
- conditions:
    groupResource: [pods]
    namespaces: a
    labelSelector:
      matchLabels: {"bad key!": x}
      matchExpressions:
      - {key: a, operator: In}
      - {key: b, operator: Exists, values: [x]}
      - {key: c, operator: Near, values: [x]}
    matches: [{value: x}, {path: /a, value: "{oops"}]
  mergePatches:
  - patchData: "[1, 2]"
  - patchData: "a: [1"
  - {}
  - patchData: "x: .inf"
`);
  const expected = [
    'resourceModifierRules[0].conditions.groupResource: must be a string',
    'resourceModifierRules[0].conditions.namespaces: must be a list',
    'resourceModifierRules[0].conditions.labelSelector.matchLabels: "bad key!" is not a valid label key',
    'resourceModifierRules[0].conditions.labelSelector.matchExpressions[0].values: required for operator In',
    'resourceModifierRules[0].conditions.labelSelector.matchExpressions[1].values: must be empty for operator Exists',
    'resourceModifierRules[0].conditions.labelSelector.matchExpressions[2].operator: must be one of In, NotIn, Exists, DoesNotExist',
    'resourceModifierRules[0].conditions.matches[0].path: required',
    'resourceModifierRules[0].conditions.matches[1].value: starts with "{" so it is read as JSON',
    'resourceModifierRules[0].mergePatches[0].patchData: must be an object',
    'resourceModifierRules[0].mergePatches[1].patchData: not valid YAML/JSON',
    'resourceModifierRules[0].mergePatches[2].patchData: required',
    'resourceModifierRules[0].mergePatches[3].patchData: Infinity is not a JSON number',
  ];
  assert.equal(found.length, expected.length, found.join('\n'));
  expected.forEach((prefix, i) => assert.ok(found[i]!.startsWith(prefix), `${found[i]} should start with ${prefix}`));
});

test('YAML syntax errors and duplicate keys are reported', () => {
  assert.match(problems('version: v1\nversion: v1\n')[0]!, /^YAML: Map keys must be unique/);
  assert.match(problems('version: [v1\n')[0]!, /^YAML: /);
  assert.deepEqual(problems(''), ['(document): empty; expected version and resourceModifierRules']);
  assert.deepEqual(problems('- a'), ['(document): must be a mapping']);
});

test('the ConfigMap must hold exactly one data entry', () => {
  const cm = (data: Record<string, string>) => ({ metadata: { name: 'mods', namespace: 'velero' }, data });
  assert.equal(loadResourceModifiersFromConfigMap(cm({ 'modifiers.yaml': PVC_RULE })).rules.length, 1);
  assert.throws(() => loadResourceModifiersFromConfigMap(cm({})), /ConfigMap velero\/mods: must have exactly one data entry .*\(found none\)/);
  assert.throws(() => loadResourceModifiersFromConfigMap(cm({ a: PVC_RULE, b: PVC_RULE })), /\(found "a", "b"\)/);
  assert.throws(() => loadResourceModifiersFromConfigMap(cm({ 'm.yaml': 'version: v9\nresourceModifierRules: []' })), (err: unknown) => {
    assert.ok(err instanceof ResourceModifiersError);
    assert.deepEqual(err.problems, [
      'ConfigMap velero/mods key "m.yaml": version: unsupported resource modifier version "v9" (supported: v1)',
      'ConfigMap velero/mods key "m.yaml": resourceModifierRules: at least one rule is required',
    ]);
    return true;
  });
});
