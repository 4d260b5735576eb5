/**
 * Objects that already exist (velero-behaviour.md §2.5 steps 13–14, §2.8): one LIST per resource and
 * namespace, and the existing-resource policy — unset, `none`, `update` — against a small fake client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError, type KubeClient, type KubeObject, type ResourceRef } from '../kube/index.ts';
import type { OperationLog } from '../backup/index.ts';
import { deepEqual, ExistingObjects, reconcileExisting, UNKNOWN, type ReconcileInput } from './existing.ts';
import { restoreLabels } from './item.ts';

const CONFIGMAPS: ResourceRef = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
const SERVICEACCOUNTS: ResourceRef = { group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true };
const PVS: ResourceRef = { group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false };

const notFound = (): KubeApiError => new KubeApiError({ method: 'GET', path: '/x', code: 404, status: { reason: 'NotFound', message: 'not found' } });

/** Objects by `resource` and namespace; LIST, GET and PATCH are recorded. */
class FakeClient {
  readonly calls: string[] = [];
  readonly patches: Array<{ name: string; namespace: string | undefined; body: unknown }> = [];
  /** Failures for the next PATCH calls, in order (undefined: succeed). */
  patchFailures: Array<Error | undefined> = [];
  listFailures = 0;
  readonly #objects: KubeObject[];

  constructor(objects: KubeObject[] = []) {
    this.#objects = objects;
  }

  async *listAll(ref: ResourceRef, opts: { namespace?: string | undefined; limit?: number } = {}): AsyncGenerator<KubeObject> {
    this.calls.push(`list ${ref.resource} ${opts.namespace ?? '*'} limit=${opts.limit}`);
    if (this.listFailures > 0) {
      this.listFailures--;
      throw new Error('list failed');
    }
    for (const o of this.#objects) if (o.kind === kindOf(ref) && (opts.namespace === undefined || o.metadata.namespace === opts.namespace)) yield structuredClone(o);
  }

  async get(ref: ResourceRef, name: string, opts: { namespace?: string | undefined } = {}): Promise<KubeObject> {
    this.calls.push(`get ${ref.resource} ${opts.namespace ?? ''}/${name}`);
    const found = this.#objects.find((o) => o.kind === kindOf(ref) && o.metadata.name === name && o.metadata.namespace === opts.namespace);
    if (!found) throw notFound();
    return structuredClone(found);
  }

  async patch(_ref: ResourceRef, name: string, type: string, body: unknown, opts: { namespace?: string | undefined } = {}): Promise<KubeObject> {
    assert.equal(type, 'merge');
    this.patches.push({ name, namespace: opts.namespace, body });
    const failure = this.patchFailures.shift();
    if (failure) throw failure;
    return {} as KubeObject;
  }

  add(obj: KubeObject): void {
    this.#objects.push(obj);
  }
}

function kindOf(ref: ResourceRef): string {
  return { configmaps: 'ConfigMap', serviceaccounts: 'ServiceAccount', persistentvolumes: 'PersistentVolume' }[ref.resource] ?? ref.resource;
}

class FakeLog {
  readonly lines: Array<[string, string]> = [];
  info(m: string): void {
    this.lines.push(['info', m]);
  }
  warn(m: string): void {
    this.lines.push(['warn', m]);
  }
  error(m: string): void {
    this.lines.push(['error', m]);
  }
  of(level: string): string[] {
    return this.lines.filter(([l]) => l === level).map(([, m]) => m);
  }
}

/** A lookup that LISTed: the object or undefined, never UNKNOWN. */
async function listed(p: Promise<KubeObject | undefined | typeof UNKNOWN>): Promise<KubeObject | undefined> {
  const v = await p;
  assert.notEqual(v, UNKNOWN);
  return v as KubeObject | undefined;
}

const cm = (name: string, namespace: string, data: Record<string, string> = { a: '1' }, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...extra }, data,
});

test('ExistingObjects: one LIST per resource and namespace, shared by every lookup', async () => {
  const client = new FakeClient([cm('a', 'shop'), cm('b', 'shop'), cm('a', 'other')]);
  const existing = new ExistingObjects(client as unknown as KubeClient, 250, new Set());
  assert.equal((await listed(existing.lookup(CONFIGMAPS, 'shop', 'a')))?.metadata.name, 'a');
  assert.equal((await listed(existing.lookup(CONFIGMAPS, 'shop', 'b')))?.metadata.namespace, 'shop');
  assert.equal(await existing.lookup(CONFIGMAPS, 'shop', 'missing'), undefined);
  assert.equal((await listed(existing.lookup(CONFIGMAPS, 'other', 'a')))?.metadata.namespace, 'other');
  assert.deepEqual(client.calls, ['list configmaps shop limit=250', 'list configmaps other limit=250']);
  assert.equal(existing.listsMade, 2);
});

test('ExistingObjects: concurrent lookups share one LIST', async () => {
  const client = new FakeClient([cm('a', 'shop')]);
  const existing = new ExistingObjects(client as unknown as KubeClient, 500, new Set());
  await Promise.all(['a', 'b', 'c'].map((n) => existing.lookup(CONFIGMAPS, 'shop', n)));
  assert.equal(client.calls.length, 1);
});

test('ExistingObjects: in a namespace this restore created nothing is listed (UNKNOWN: the CREATE will tell)', async () => {
  const client = new FakeClient([cm('a', 'fresh')]);
  const existing = new ExistingObjects(client as unknown as KubeClient, 500, new Set(['fresh']));
  assert.equal(await existing.lookup(CONFIGMAPS, 'fresh', 'a'), UNKNOWN);
  assert.deepEqual(client.calls, []);
  // Cluster-scoped objects are listed whatever namespace the caller passes.
  const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' } } as KubeObject;
  client.add(pv);
  assert.equal((await listed(existing.lookup(PVS, 'fresh', 'pv-1')))?.metadata.name, 'pv-1');
  assert.deepEqual(client.calls, ['list persistentvolumes * limit=500']);
});

test('ExistingObjects.fetch: the listed copy when there is one, else a GET; NotFound is undefined', async () => {
  const client = new FakeClient([cm('a', 'shop')]);
  const existing = new ExistingObjects(client as unknown as KubeClient, 500, new Set());
  await existing.lookup(CONFIGMAPS, 'shop', 'a');
  assert.equal((await existing.fetch(CONFIGMAPS, 'shop', 'a'))?.metadata.name, 'a');
  assert.deepEqual(client.calls, ['list configmaps shop limit=500']);
  // Created by someone else after the LIST.
  client.add(cm('late', 'shop'));
  assert.equal((await existing.fetch(CONFIGMAPS, 'shop', 'late'))?.metadata.name, 'late');
  assert.equal(await existing.fetch(CONFIGMAPS, 'shop', 'never'), undefined);
  assert.deepEqual(client.calls.slice(1), ['get configmaps shop/late', 'get configmaps shop/never']);
});

test('ExistingObjects: a failed LIST is not remembered; the next lookup lists again', async () => {
  const client = new FakeClient([cm('a', 'shop')]);
  client.listFailures = 1;
  const existing = new ExistingObjects(client as unknown as KubeClient, 500, new Set());
  await assert.rejects(existing.lookup(CONFIGMAPS, 'shop', 'a'), /list failed/);
  assert.equal((await listed(existing.lookup(CONFIGMAPS, 'shop', 'a')))?.metadata.name, 'a');
  assert.equal(client.calls.length, 2);
});

const LABELS = restoreLabels('b1', 'r1');

/** The in-cluster copy: server fields, status, managed fields. */
const live = (obj: KubeObject): KubeObject => ({
  ...structuredClone(obj),
  metadata: { ...structuredClone(obj.metadata), uid: 'live-uid', resourceVersion: '812', creationTimestamp: '2026-01-01T00:00:00Z', managedFields: [{ manager: 'kubectl' }] },
  status: { observed: true },
} as KubeObject);
/** What the restore would create: restore labels on the backed-up object. */
const want = (obj: KubeObject): KubeObject => ({ ...structuredClone(obj), metadata: { ...structuredClone(obj.metadata), labels: { ...obj.metadata.labels, ...LABELS } } });

function input(client: FakeClient, log: FakeLog, existing: KubeObject, desired: KubeObject, policy: ReconcileInput['policy'], extra: Partial<ReconcileInput> = {}): ReconcileInput {
  const ref = desired.kind === 'ServiceAccount' ? SERVICEACCOUNTS : desired.kind === 'PersistentVolume' ? PVS : CONFIGMAPS;
  const groupResource = ref.resource;
  return {
    client: client as unknown as KubeClient, ref, groupResource, existing, desired, policy,
    restoreName: 'r1', labels: LABELS, log: log as unknown as OperationLog, ...extra,
  };
}

test('reconcile: an object this very restore created (a resumed run) counts as created; nothing is patched', async () => {
  const client = new FakeClient();
  const log = new FakeLog();
  const desired = want(cm('a', 'shop'));
  const existing = live(want(cm('a', 'shop', { a: 'changed since' })));
  assert.equal(await reconcileExisting(input(client, log, existing, desired, undefined)), 'created');
  assert.deepEqual(client.patches, []);
});

test('reconcile: the same object (server fields, status, managed fields aside) is skipped without a patch when no policy is set', async () => {
  for (const policy of [undefined, 'none'] as const) {
    const client = new FakeClient();
    const log = new FakeLog();
    const desired = want(cm('a', 'shop'));
    assert.equal(await reconcileExisting(input(client, log, live(cm('a', 'shop')), desired, policy)), 'skipped');
    assert.deepEqual(client.patches, []);
    assert.deepEqual(log.of('warn'), []);
    assert.match(log.of('info')[0]!, /already exists and is the same as the backed-up version/);
  }
});

test('reconcile: the same object with policy update gets only the restore labels', async () => {
  const client = new FakeClient();
  const log = new FakeLog();
  await reconcileExisting(input(client, log, live(cm('a', 'shop')), want(cm('a', 'shop')), 'update'));
  assert.deepEqual(client.patches, [{ name: 'a', namespace: 'shop', body: { metadata: { labels: LABELS } } }]);
});

test('reconcile: the same object with policy update is recorded as skipped, as Velero records it', async () => {
  const client = new FakeClient();
  assert.equal(await reconcileExisting(input(client, new FakeLog(), live(cm('a', 'shop')), want(cm('a', 'shop')), 'update')), 'skipped');
});

test('reconcile: a different object without a policy is left alone with Velero\'s warning (Kind:name form), recorded failed', async () => {
  const client = new FakeClient();
  const log = new FakeLog();
  const outcome = await reconcileExisting(input(client, log, live(cm('a', 'shop', { a: 'other' })), want(cm('a', 'shop')), undefined));
  assert.equal(outcome, 'failed');
  assert.deepEqual(client.patches, []);
  assert.deepEqual(log.of('warn'), ['could not restore, ConfigMap:a already exists. Warning: the in-cluster version is different than the backed-up version']);
});

test('reconcile: a different object with policy none: the warning names it as Kind "name"', async () => {
  const client = new FakeClient();
  const log = new FakeLog();
  assert.equal(await reconcileExisting(input(client, log, live(cm('a', 'shop', { a: 'other' })), want(cm('a', 'shop')), 'none')), 'failed');
  assert.deepEqual(log.of('warn'), ['could not restore, ConfigMap "a" already exists. Warning: the in-cluster version is different than the backed-up version']);
  assert.deepEqual(client.patches, []);
});

test('reconcile: policy update patches the difference (JSON merge patch, restore labels included, server fields untouched)', async () => {
  const client = new FakeClient();
  const log = new FakeLog();
  const existing = live(cm('a', 'shop', { a: 'other', extra: 'x' }, { labels: { app: 'a', 'velero.io/restore-name': 'older-restore' } }));
  const desired = want(cm('a', 'shop', { a: '1' }, { labels: { app: 'a' } }));
  assert.equal(await reconcileExisting(input(client, log, existing, desired, 'update')), 'updated');
  assert.deepEqual(client.patches, [{
    name: 'a', namespace: 'shop',
    body: { data: { a: '1', extra: null }, metadata: { labels: { 'velero.io/restore-name': 'r1', 'velero.io/backup-name': 'b1' } } },
  }]);
  assert.deepEqual(log.of('warn'), []);
});

test('reconcile: policy update whose patch fails falls back to the restore labels, with a warning', async () => {
  const client = new FakeClient();
  client.patchFailures = [new Error('admission webhook said no')];
  const log = new FakeLog();
  await reconcileExisting(input(client, log, live(cm('a', 'shop', { a: 'other' })), want(cm('a', 'shop')), 'update'));
  assert.equal(client.patches.length, 2);
  assert.deepEqual(client.patches[1]!.body, { metadata: { labels: LABELS } });
  assert.ok(log.of('warn').some((w) => /admission webhook said no/.test(w)));
  assert.ok(log.of('warn').some((w) => /only the restore labels were set/.test(w)));
});

test('reconcile: when both patches fail the item failed', async () => {
  const client = new FakeClient();
  client.patchFailures = [new Error('no'), new Error('still no')];
  assert.equal(await reconcileExisting(input(client, new FakeLog(), live(cm('a', 'shop', { a: 'other' })), want(cm('a', 'shop')), 'update')), 'failed');
});

test('reconcile: a failed full patch is recorded failed even if the labels patch worked (Velero adds a warning, so "failed")', async () => {
  const client = new FakeClient();
  client.patchFailures = [new Error('no')];
  assert.equal(await reconcileExisting(input(client, new FakeLog(), live(cm('a', 'shop', { a: 'other' })), want(cm('a', 'shop')), 'update')), 'failed');
});

const sa = (secrets: string[], pulls: string[], labels: Record<string, string>, annotations: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'shop', labels, annotations },
  secrets: secrets.map((name) => ({ name })), imagePullSecrets: pulls.map((name) => ({ name })),
} as KubeObject);

test('reconcile: a different ServiceAccount gains the backed-up secrets, pull secrets, labels and annotations it lacks; its own values win', async () => {
  const client = new FakeClient();
  const log = new FakeLog();
  const existing = live(sa(['app-dockercfg'], ['registry-a'], { team: 'cluster' }, { note: 'cluster' }));
  const backedUp = want(sa(['app-dockercfg', 'extra'], ['registry-a', 'registry-b'], { team: 'backup', tier: 'web' }, { note: 'backup', owner: 'me' }));
  assert.equal(await reconcileExisting(input(client, log, existing, backedUp, undefined)), 'updated');
  assert.equal(client.patches.length, 1);
  const body = client.patches[0]!.body as { secrets: unknown; imagePullSecrets: unknown; metadata: { labels: Record<string, string>; annotations: unknown } };
  assert.deepEqual(body.secrets, [{ name: 'app-dockercfg' }, { name: 'extra' }]);
  assert.deepEqual(body.imagePullSecrets, [{ name: 'registry-a' }, { name: 'registry-b' }]);
  assert.equal(body.metadata.labels.tier, 'web');
  assert.equal('team' in body.metadata.labels, false, 'in-cluster label values win');
  assert.deepEqual(body.metadata.annotations, { owner: 'me' });
  assert.deepEqual(log.of('warn'), []);
});

test('reconcile: a ServiceAccount that lacks nothing of the backed-up one is skipped without a patch', async () => {
  const client = new FakeClient();
  // Restored before by another restore: its restore labels are there, with other values.
  const existing = live(sa(['s1', 's2'], ['p'], { team: 'cluster', tier: 'x', ...restoreLabels('b0', 'r0') }, { note: 'cluster', owner: 'x' }));
  const backedUp = want(sa(['s1'], ['p'], { team: 'backup' }, { note: 'backup' }));
  assert.equal(await reconcileExisting(input(client, new FakeLog(), existing, backedUp, undefined)), 'skipped');
  assert.deepEqual(client.patches, []);
});

test('reconcile: a ServiceAccount merge whose patch fails is recorded failed with a warning', async () => {
  const client = new FakeClient();
  client.patchFailures = [new Error('forbidden')];
  const log = new FakeLog();
  const outcome = await reconcileExisting(input(client, log, live(sa([], [], {}, {})), want(sa(['s1'], [], {}, {})), undefined));
  assert.equal(outcome, 'failed');
  assert.ok(log.of('warn').some((w) => /could not merge/.test(w)));
});

test('reconcile: the ServiceAccount merge uses the object after the item actions (a dropped <sa>-token- secret stays dropped)', async () => {
  const client = new FakeClient();
  const existing = live(sa(['app-dockercfg'], [], {}, {}));
  // velero.io/service-account removed the token secret from the object to create.
  const desired = want(sa(['app-dockercfg'], ['registry'], {}, {}));
  assert.equal(await reconcileExisting(input(client, new FakeLog(), existing, desired, undefined)), 'updated');
  assert.equal(client.patches.length, 1);
  assert.equal(JSON.stringify(client.patches[0]!.body).includes('app-token-abcde'), false);
});

const volume = (phase: string, claimUid?: string, claimName = 'data'): KubeObject => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' },
  spec: { persistentVolumeReclaimPolicy: 'Retain', claimRef: { kind: 'PersistentVolumeClaim', namespace: 'shop', name: claimName, ...(claimUid ? { uid: claimUid, resourceVersion: '5' } : {}) } },
  status: { phase },
} as KubeObject);

test('reconcile: a Released PV still naming the deleted claim\'s UID is freed for the restored claim of the same name', async () => {
  const client = new FakeClient();
  const log = new FakeLog();
  const desired = want(volume('Bound'));
  delete desired.status;
  assert.equal(await reconcileExisting(input(client, log, volume('Released', 'old-uid'), desired, undefined)), 'updated');
  assert.deepEqual(client.patches, [{ name: 'pv-1', namespace: undefined, body: { spec: { claimRef: { uid: null, resourceVersion: null } } } }]);
  assert.match(log.of('info')[0]!, /was Released by its deleted claim shop\/data/);
});

test('reconcile: a PV that is Bound, or Released to another claim, is not touched that way', async () => {
  for (const existing of [volume('Bound', 'uid'), volume('Released', 'uid', 'other-claim'), volume('Released')]) {
    const client = new FakeClient();
    const desired = want(volume('Bound'));
    delete desired.status;
    await reconcileExisting(input(client, new FakeLog(), existing, desired, undefined));
    assert.deepEqual(client.patches, []);
  }
});

test('deepEqual: structural, key order ignored, list order not', () => {
  assert.equal(deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }), true);
  assert.equal(deepEqual([1, 2], [2, 1]), false);
  assert.equal(deepEqual({ a: undefined }, {}), false, 'a present key differs from an absent one');
  assert.equal(deepEqual({ a: 1 }, { b: 1 }), false);
  assert.equal(deepEqual(null, {}), false);
  assert.equal(deepEqual([], {}), false);
  assert.equal(deepEqual('1', 1), false);
  assert.equal(deepEqual(null, null), true);
});

test('many target namespaces: one cluster-wide LIST keeps only those namespaces; released after the tier', async () => {
  const cm = (ns: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } });
  const targets = Array.from({ length: 12 }, (_, i) => `ns-${i}`);
  const client = new FakeClient([...targets.map((ns) => cm(ns, 'a')), cm('elsewhere', 'a')]);
  const existing = new ExistingObjects(client as unknown as KubeClient, 500, new Set(['ns-11']));
  existing.plan('configmaps', targets);
  for (const ns of targets.slice(0, 11)) assert.equal((await existing.lookup(CONFIGMAPS, ns, 'a') as KubeObject).metadata.namespace, ns);
  assert.equal(await existing.lookup(CONFIGMAPS, 'ns-11', 'a'), UNKNOWN, 'a namespace the restore created is not listed');
  assert.deepEqual(client.calls, ['list configmaps * limit=500']);
  assert.equal(await existing.lookup(CONFIGMAPS, 'elsewhere', 'a').then((o) => (o as KubeObject | undefined)?.metadata.namespace), 'elsewhere', 'outside the plan: its own LIST');
  assert.deepEqual(client.calls.slice(1), ['list configmaps elsewhere limit=500']);
  existing.release('configmaps');
  await existing.lookup(CONFIGMAPS, 'ns-0', 'a');
  assert.deepEqual(client.calls.slice(2), ['list configmaps ns-0 limit=500'], 'after release, a lookup lists again, per namespace');
});

test('few target namespaces: one LIST per namespace', async () => {
  const client = new FakeClient();
  const existing = new ExistingObjects(client as unknown as KubeClient, 100, new Set());
  existing.plan('configmaps', ['a', 'b']);
  await existing.lookup(CONFIGMAPS, 'a', 'x');
  await existing.lookup(CONFIGMAPS, 'b', 'x');
  await existing.lookup(CONFIGMAPS, 'a', 'y');
  assert.deepEqual(client.calls, ['list configmaps a limit=100', 'list configmaps b limit=100']);
});

test('reconcile: an unchanged Service whose cluster IP and node ports the restore dropped is the same, and update never patches them', async () => {
  const SERVICES: ResourceRef = { group: '', version: 'v1', resource: 'services', namespaced: true };
  const live: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'NodePort', clusterIP: '10.96.0.7', clusterIPs: ['10.96.0.7'], ports: [{ name: 'http', port: 80, nodePort: 30080 }], selector: { app: 'web' } } } as KubeObject;
  const desired: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', labels: LABELS }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }], selector: { app: 'web' } } } as KubeObject;
  const base = { ref: SERVICES, groupResource: 'services', restoreName: 'r1', labels: LABELS };
  const client = new FakeClient();
  const log = new FakeLog();
  assert.equal(await reconcileExisting({ ...base, client: client as unknown as KubeClient, existing: structuredClone(live), desired: structuredClone(desired), policy: 'none', log: log as unknown as OperationLog }), 'skipped');
  assert.deepEqual(log.of('warn'), []);
  const changed = structuredClone(desired);
  (changed.spec as { selector: Record<string, string> }).selector = { app: 'web-v2' };
  await reconcileExisting({ ...base, client: client as unknown as KubeClient, existing: structuredClone(live), desired: changed, policy: 'update', log: log as unknown as OperationLog });
  assert.deepEqual(client.patches.map((p) => p.body), [{ metadata: { labels: LABELS }, spec: { selector: { app: 'web-v2' } } }]);
});
