/** Unit tests for kube/client (KubeClient): the request each verb sends, and getIfExists. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Transport } from './transport.ts';
import { KubeClient } from './client.ts';
import { Resources } from './well-known.ts';
import { isForbidden } from './errors.ts';
import { FakeApiServer, fakeConnection, sendJson, sendStatus, type RecordedRequest } from './testing/index.ts';

let server: FakeApiServer;
let client: KubeClient;

before(async () => {
  server = await FakeApiServer.start();
  // Echo every write back, so each test can look at the request it caused.
  server.on('*', /.*/, (req, res) => sendJson(res, 200, { kind: 'Echo', metadata: {}, method: req.method, body: req.body ? JSON.parse(req.body) : null }));
  server.on('GET', '/api/v1/namespaces/ns/configmaps/missing', (_req, res) => sendStatus(res, 404, 'NotFound', 'configmaps "missing" not found'));
  server.on('GET', '/api/v1/namespaces/ns/configmaps/secret-ish', (_req, res) => sendStatus(res, 403, 'Forbidden', 'nope'));
  client = new KubeClient(new Transport({ connection: fakeConnection(server.url), retry: { maxAttempts: 1 } }));
});
after(async () => {
  await client.close();
  await server.close();
});

const last = (): RecordedRequest => server.requests.at(-1)!;
const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', resourceVersion: '5' }, data: { a: '1' } };

describe('KubeClient verbs', () => {
  it('get / getIfExists', async () => {
    await client.get(Resources.configMaps, 'c', { namespace: 'ns' });
    assert.equal(last().path, '/api/v1/namespaces/ns/configmaps/c');
    assert.equal(await client.getIfExists(Resources.configMaps, 'missing', { namespace: 'ns' }), undefined);
    await assert.rejects(client.getIfExists(Resources.configMaps, 'secret-ish', { namespace: 'ns' }), (e: unknown) => isForbidden(e));
  });

  it('create takes the namespace from the object and sends write options', async () => {
    await client.create(Resources.configMaps, cm, { dryRun: true, fieldManager: 'skiff', fieldValidation: 'Strict' });
    const r = last();
    assert.equal(r.method, 'POST');
    assert.equal(r.path, '/api/v1/namespaces/ns/configmaps');
    assert.equal(r.query.get('dryRun'), 'All');
    assert.equal(r.query.get('fieldManager'), 'skiff');
    assert.equal(r.query.get('fieldValidation'), 'Strict');
    assert.deepEqual(JSON.parse(r.body), cm);
    await client.create(Resources.namespaces, { metadata: { name: 'n', namespace: 'ignored' } });
    assert.equal(last().path, '/api/v1/namespaces', 'a cluster-scoped object ignores a stray metadata.namespace');
  });

  it('update and updateStatus PUT to the object (and its status)', async () => {
    await client.update(Resources.configMaps, cm);
    assert.equal(last().method, 'PUT');
    assert.equal(last().path, '/api/v1/namespaces/ns/configmaps/c');
    await client.updateStatus(Resources.deployments, { metadata: { name: 'd', namespace: 'ns' } });
    assert.equal(last().path, '/apis/apps/v1/namespaces/ns/deployments/d/status');
    assert.throws(() => client.update(Resources.configMaps, { metadata: { namespace: 'ns' } }), /metadata.name/);
  });

  it('patch sends the content type of each patch type; apply needs a field manager and may force', async () => {
    const types = { merge: 'application/merge-patch+json', json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json' } as const;
    for (const [type, contentType] of Object.entries(types)) {
      await client.patch(Resources.configMaps, 'c', type as keyof typeof types, { data: { a: '2' } }, { namespace: 'ns' });
      assert.equal(last().method, 'PATCH');
      assert.equal(last().headers['content-type'], contentType);
      assert.equal(last().query.has('force'), false);
    }
    assert.throws(() => client.patch(Resources.configMaps, 'c', 'apply', {}, { namespace: 'ns' }), /fieldManager/);
    await client.apply(Resources.configMaps, cm, { fieldManager: 'skiff', force: true });
    const r = last();
    assert.equal(r.path, '/api/v1/namespaces/ns/configmaps/c');
    assert.equal(r.headers['content-type'], 'application/apply-patch+yaml');
    assert.equal(r.query.get('force'), 'true');
    assert.equal(r.query.get('fieldManager'), 'skiff');
  });

  it('delete and deleteCollection send DeleteOptions', async () => {
    await client.delete(Resources.configMaps, 'c', { namespace: 'ns', propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: 'u' } });
    let r = last();
    assert.equal(r.method, 'DELETE');
    assert.equal(r.path, '/api/v1/namespaces/ns/configmaps/c');
    assert.deepEqual(JSON.parse(r.body), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: 'u' } });
    await client.deleteCollection(Resources.configMaps, { namespace: 'ns', labelSelector: 'app=x', dryRun: true });
    r = last();
    assert.equal(r.path, '/api/v1/namespaces/ns/configmaps');
    assert.equal(r.query.get('labelSelector'), 'app=x');
    assert.equal(r.query.get('dryRun'), 'All');
  });
});
