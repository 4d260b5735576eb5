/** Strategic merge patch over the built-in schemas. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicPatch, StrategicPatchError } from './strategic-patch.ts';
import { FALLBACK_SCHEMA, schemaForKind, type TypeSchema } from './strategic-schema.ts';
import type { JsonObject } from './json.ts';

const DEPLOYMENT = schemaForKind('apps/v1', 'Deployment')!;
const POD = schemaForKind('v1', 'Pod')!;

function deployment(spec: JsonObject): JsonObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 2, template: { metadata: { labels: { app: 'web' } }, spec } } };
}

function podSpecOf(obj: JsonObject): JsonObject {
  return ((obj['spec'] as JsonObject)['template'] as JsonObject)['spec'] as JsonObject;
}

const base = deployment({
  containers: [
    { name: 'nginx', image: 'repo1/nginx:1.0', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
    { name: 'sidecar', image: 'envoy:1' },
  ],
  volumes: [{ name: 'data', emptyDir: {} }],
  tolerations: [{ key: 'a', operator: 'Exists' }],
});

test('schemas: built-in kinds by group and kind; custom resources have none', () => {
  assert.ok(schemaForKind('apps/v1', 'Deployment'));
  assert.ok(schemaForKind('batch/v1', 'CronJob'));
  assert.ok(schemaForKind('v1', 'ConfigMap'));
  assert.equal(schemaForKind('example.com/v1', 'Deployment'), undefined);
  assert.equal(schemaForKind('v1', 'constructor'), undefined);
});

test('a container is updated by name; the others, and its other fields, stay', () => {
  const out = applyStrategicPatch(base, { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'repo2/nginx:1.0' }] } } } }, DEPLOYMENT);
  const spec = podSpecOf(out);
  assert.deepEqual(spec['containers'], [
    { name: 'nginx', image: 'repo2/nginx:1.0', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
    { name: 'sidecar', image: 'envoy:1' },
  ]);
  assert.deepEqual(spec['volumes'], [{ name: 'data', emptyDir: {} }]);
  assert.equal((out['spec'] as JsonObject)['replicas'], 2);
});

test('new elements are appended; nested lists merge by their own keys', () => {
  const patch: JsonObject = {
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'nginx', env: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }], ports: [{ containerPort: 443 }], volumeMounts: [{ mountPath: '/data', name: 'data' }] },
            { name: 'logger', image: 'fluent-bit:3' },
          ],
          volumes: [{ name: 'cache', emptyDir: { medium: 'Memory' } }],
          imagePullSecrets: [{ name: 'regcred' }],
        },
      },
    },
  };
  const spec = podSpecOf(applyStrategicPatch(base, patch, DEPLOYMENT));
  const [nginx, sidecar, logger] = spec['containers'] as JsonObject[];
  assert.deepEqual(nginx!['env'], [{ name: 'A', value: '1' }, { name: 'B', value: 'two' }, { name: 'C', value: '3' }]);
  assert.deepEqual(nginx!['ports'], [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }]);
  assert.deepEqual(nginx!['volumeMounts'], [{ mountPath: '/data', name: 'data' }]);
  assert.equal(sidecar!['name'], 'sidecar');
  assert.deepEqual(logger, { name: 'logger', image: 'fluent-bit:3' });
  assert.deepEqual(spec['volumes'], [{ name: 'data', emptyDir: {} }, { name: 'cache', emptyDir: { medium: 'Memory' } }]);
  assert.deepEqual(spec['imagePullSecrets'], [{ name: 'regcred' }]);
});

test('lists without a merge strategy are replaced whole; null deletes a field', () => {
  const out = applyStrategicPatch(base, { spec: { replicas: null, template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } }, DEPLOYMENT);
  assert.deepEqual(podSpecOf(out)['tolerations'], [{ key: 'b', operator: 'Exists' }]);
  assert.equal(Object.hasOwn(out['spec'] as JsonObject, 'replicas'), false);
});

test('$patch: delete removes a list element by key, or a whole map', () => {
  const out = applyStrategicPatch(
    base,
    { spec: { template: { metadata: { $patch: 'delete' }, spec: { containers: [{ name: 'sidecar', $patch: 'delete' }, { name: 'nginx', env: [{ name: 'A', $patch: 'delete' }] }] } } } },
    DEPLOYMENT,
  );
  const template = (out['spec'] as JsonObject)['template'] as JsonObject;
  assert.equal(Object.hasOwn(template, 'metadata'), false);
  const containers = podSpecOf(out)['containers'] as JsonObject[];
  assert.deepEqual(containers.map((c) => c['name']), ['nginx']);
  assert.deepEqual(containers[0]!['env'], [{ name: 'B', value: '2' }]);
});

test('$patch: replace replaces a map, a list element, or (as a marker) the whole list', () => {
  const out = applyStrategicPatch(
    base,
    {
      spec: {
        template: {
          metadata: { $patch: 'replace', labels: { tier: 'front' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:2', $patch: 'replace' }], volumes: [{ $patch: 'replace' }, { name: 'only', emptyDir: {} }] },
        },
      },
    },
    DEPLOYMENT,
  );
  const template = (out['spec'] as JsonObject)['template'] as JsonObject;
  assert.deepEqual(template['metadata'], { labels: { tier: 'front' } });
  assert.deepEqual((podSpecOf(out)['containers'] as JsonObject[])[0], { name: 'nginx', image: 'nginx:2' });
  assert.deepEqual(podSpecOf(out)['volumes'], [{ name: 'only', emptyDir: {} }]);
});

test('finalizers merge as a set; $deleteFromPrimitiveList removes values; ownerReferences merge by uid', () => {
  const obj = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', finalizers: ['a', 'b'], ownerReferences: [{ uid: '1', name: 'x' }] } };
  const out = applyStrategicPatch(
    obj,
    { metadata: { finalizers: ['b', 'c'], '$deleteFromPrimitiveList/finalizers': ['a'], ownerReferences: [{ uid: '1', name: 'y' }, { uid: '2', name: 'z' }] } },
    schemaForKind('v1', 'ConfigMap')!,
  );
  assert.deepEqual(out['metadata'], { name: 'c', finalizers: ['b', 'c'], ownerReferences: [{ uid: '1', name: 'y' }, { uid: '2', name: 'z' }] });
});

test('$retainKeys drops unlisted keys of the original; the patch may only set listed ones', () => {
  const dep = { ...base, spec: { ...(base['spec'] as JsonObject), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
  const out = applyStrategicPatch(dep, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, DEPLOYMENT);
  assert.deepEqual((out['spec'] as JsonObject)['strategy'], { type: 'Recreate' });
  assert.throws(() => applyStrategicPatch(dep, { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: {} } } }, DEPLOYMENT), /not listed in \$retainKeys/);
});

test('$setElementOrder is accepted and ignored', () => {
  const out = applyStrategicPatch(base, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] } } } }, DEPLOYMENT);
  assert.deepEqual(out, base);
});

test('CronJob and Pod templates use the same container schema; Service ports merge by port', () => {
  const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', image: 'a' }, { name: 'b', image: 'b' }] } } } } } };
  const out = applyStrategicPatch(cron, { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', image: 'z' }] } } } } } }, schemaForKind('batch/v1', 'CronJob')!);
  assert.deepEqual(JSON.stringify(out).match(/"image":"\w"/g), ['"image":"z"', '"image":"b"']);

  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { initContainers: [{ name: 'init', image: 'a' }] } };
  assert.deepEqual((applyStrategicPatch(pod, { spec: { initContainers: [{ name: 'init', image: 'b' }] } }, POD)['spec'] as JsonObject)['initContainers'], [{ name: 'init', image: 'b' }]);

  const svc: JsonObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } };
  const patched = applyStrategicPatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, schemaForKind('v1', 'Service')!);
  assert.deepEqual((patched['spec'] as JsonObject)['ports'], [{ port: 80, targetPort: 9090 }, { port: 443 }]);
});

test('the fallback schema keeps ObjectMeta semantics and replaces every other list', () => {
  const cr: JsonObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', finalizers: ['a'] }, spec: { items: [{ name: 'x', v: 1 }, { name: 'y' }] } };
  const out = applyStrategicPatch(cr, { metadata: { finalizers: ['b'] }, spec: { items: [{ name: 'x', v: 2 }] } }, FALLBACK_SCHEMA);
  assert.deepEqual(out, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', finalizers: ['a', 'b'] }, spec: { items: [{ name: 'x', v: 2 }] } });
});

test('malformed patches fail with the path', () => {
  const check = (patch: JsonObject, schema: TypeSchema, message: RegExp): void => {
    assert.throws(() => applyStrategicPatch(base, patch, schema), (err: unknown) => err instanceof StrategicPatchError && message.test(err.message));
  };
  check({ spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, DEPLOYMENT, /spec\.template\.spec\.containers: an element has no merge key "name"/);
  check({ spec: { template: { spec: { containers: ['x', { name: 'a' }] } } } }, DEPLOYMENT, /elements must be objects/);
  check({ spec: { $patch: 'explode' } }, DEPLOYMENT, /^spec: unknown \$patch directive "explode"/);
  check({ $patch: 'delete' }, DEPLOYMENT, /cannot delete the whole object/);
  check({ metadata: { finalizers: [{ a: 1 }] } }, DEPLOYMENT, /list of scalars/);
});

test('inputs are never changed', () => {
  const snapshot = structuredClone(base);
  const patch = { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'x' }] } } } };
  const out = applyStrategicPatch(base, patch, DEPLOYMENT);
  (podSpecOf(out)['volumes'] as JsonObject[]).push({ name: 'more' });
  assert.deepEqual(base, snapshot);
});
