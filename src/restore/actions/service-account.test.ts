/** velero.io/secret and velero.io/service-account. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../kube/index.ts';
import { secretAction, serviceAccountAction } from './service-account.ts';
import { frozen, makeContext } from './testing.ts';

const sa = (name: string, namespace: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
const tokenSecret = (name: string, namespace = 'src'): KubeObject => frozen({
  apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
  metadata: { name, namespace, annotations: { 'kubernetes.io/service-account.name': 'builder', 'kubernetes.io/service-account.uid': 'old-uid' } },
  data: { token: 'dG9rZW4=', 'ca.crt': 'Y2E=', namespace: 'c3Jj', extra: 'eA==' },
});

test('secret: an auto-created token of a ServiceAccount in the target namespace is skipped', async () => {
  const item = tokenSecret('builder-token-x7k2p');
  const ctx = makeContext(item, { namespaceMapping: { src: 'dst' }, objects: { serviceaccounts: [sa('builder', 'dst'), sa('default', 'dst')] } });
  const r = await secretAction.execute(item, ctx);
  assert.equal(r.skip, true);
  assert.deepEqual(ctx.cluster.calls, ['list serviceaccounts dst'], 'one (cached) list of the target namespace');
});

test('secret: ServiceAccounts of other namespaces do not count', async () => {
  const item = tokenSecret('builder-token-x7k2p');
  const r = await secretAction.execute(item, makeContext(item, { objects: { serviceaccounts: [sa('builder', 'elsewhere')] } }));
  assert.equal(r.skip, undefined);
});

test('secret: other token secrets lose the SA uid annotation, token and ca.crt, keep the rest', async () => {
  const item = tokenSecret('my-long-lived-token');
  const r = await secretAction.execute(item, makeContext(item, { objects: { serviceaccounts: [sa('builder', 'src')] } }));
  assert.equal(r.skip, undefined);
  assert.deepEqual(r.item.metadata.annotations, { 'kubernetes.io/service-account.name': 'builder' });
  assert.deepEqual(r.item.data, { namespace: 'c3Jj', extra: 'eA==' });
});

test('secret: secrets of other types are untouched and cost no lookup', async () => {
  const item = frozen({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'builder-token-abc', namespace: 'src' }, data: { token: 'x' } });
  const ctx = makeContext(item, { objects: { serviceaccounts: [sa('builder', 'src')] } });
  assert.equal((await secretAction.execute(item, ctx)).item, item);
  assert.deepEqual(ctx.cluster.calls, []);
});

test('service-account: drops the last <sa>-token-* reference only; pull secrets untouched', async () => {
  const item = frozen({
    apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'n' },
    secrets: [{ name: 'builder-token-old' }, { name: 'registry' }, { name: 'builder-token-new' }, { name: 'builder-dockercfg' }],
    imagePullSecrets: [{ name: 'builder-token-zzz' }],
  });
  const r = await serviceAccountAction.execute(item, makeContext(item));
  assert.deepEqual(r.item.secrets, [{ name: 'builder-token-old' }, { name: 'registry' }, { name: 'builder-dockercfg' }]);
  assert.deepEqual(r.item.imagePullSecrets, [{ name: 'builder-token-zzz' }]);
});

test('service-account: no token reference, or no secrets at all: unchanged', async () => {
  for (const secrets of [[{ name: 'other-token-abc' }], undefined]) {
    const item = frozen({ kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'n' }, ...(secrets ? { secrets } : {}) });
    assert.equal((await serviceAccountAction.execute(item, makeContext(item))).item, item);
  }
});
