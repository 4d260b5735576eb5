/**
 * Restores from archives Skiff did not write: hostile or corrupt tarballs are refused before anything is
 * created, and the backups real Velero 1.18.3 wrote (test/fixtures) restore as Velero restored them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { VeleroResources } from '../../src/api/index.ts';
import { isAlreadyExists, Resources, type KubeClient, type KubeObject } from '../../src/kube/index.ts';
import { waitFor } from '../support/cluster.ts';
import { startTestServer, type TestServer } from '../support/skiff-server.ts';
import { VELERO_BUCKET_URL } from '../fixtures/velero-bucket.ts';
import { backUp, bodyOf, createRestore, deleteNamespace, restoreResourceList, restoreResults } from '../support/restore.ts';

const FIXTURE_BUCKET = VELERO_BUCKET_URL;

/** Every entry of a gzipped tarball, then `extra` appended (all before the end-of-archive blocks). */
async function withExtraEntries(tarball: Buffer, extra: { name: string; body: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const extract = tar.extract();
  const out: Buffer[] = [];
  const collected = (async () => {
    for await (const c of pack.pipe(createGzip())) out.push(c as Buffer);
  })();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => pack.entry(header, Buffer.concat(chunks), next));
  });
  await pipeline(Readable.from(tarball), createGunzip(), extract);
  for (const e of extra) pack.entry({ name: e.name, mode: 0o644, mtime: new Date() }, e.body);
  pack.finalize();
  await collected;
  return Buffer.concat(out);
}

async function sampleNamespace(client: KubeClient, t: { after(fn: () => unknown): void }): Promise<string> {
  const ns = `arc-${randomBytes(3).toString('hex')}`;
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  t.after(() => client.delete(Resources.namespaces, ns).catch(() => undefined));
  for (let i = 0; i < 20; i++) await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } });
  return ns;
}

async function replaceTarball(s: TestServer, backup: string, body: Buffer): Promise<void> {
  await s.objectStore.putObject(`${s.prefix}/backups/${backup}/${backup}.tar.gz`, body);
}

test('a hostile or corrupt archive is refused before any object is created', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = await sampleNamespace(client, t);
  await backUp(s, 'good', { includedNamespaces: [ns] });
  const original = await bodyOf(s, 'backups/good/good.tar.gz');
  await deleteNamespace(client, ns);

  const variants: [string, Buffer][] = [
    // The bad entry comes last: every good one before it would have been restored by a one-pass reader.
    ['traversal', await withExtraEntries(original, [{ name: `resources/configmaps/namespaces/${ns}/../../../../../../tmp/evil.json`, body: '{}' }])],
    ['absolute', await withExtraEntries(original, [{ name: '/etc/evil.json', body: '{}' }])],
    ['bad-json', await withExtraEntries(original, [{ name: `resources/configmaps/v1-preferredversion/namespaces/${ns}/zz-broken.json`, body: '{"apiVersion":' }])],
    ['truncated', original.subarray(0, Math.floor(original.length * 0.8))],
    ['not-gzip', Buffer.from('this is not a backup')],
  ];
  for (const [name, body] of variants) {
    await replaceTarball(s, 'good', body);
    const restore = await createRestore(client, s.namespace, `r-${name}`, { backupName: 'good' });
    assert.equal(restore.status?.phase, 'Failed', `${name}: ${JSON.stringify(restore.status)}`);
    assert.match(String(restore.status?.failureReason), /archive/i, name);
    assert.equal(await client.getIfExists(Resources.namespaces, ns), undefined, `${name}: nothing was created`);
  }
  // The untouched archive still restores.
  await replaceTarball(s, 'good', original);
  const restore = await createRestore(client, s.namespace, 'r-original', { backupName: 'good' });
  assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
  assert.equal((await client.list(Resources.configMaps, { namespace: ns })).items.filter((c) => c.metadata.name?.startsWith('cm-')).length, 20);
});

/** Copies one backup of the Velero fixture bucket into the test's location and creates its Backup object. */
async function importVeleroBackup(s: TestServer, name: string): Promise<void> {
  const dir = new URL(`backups/${name}/`, FIXTURE_BUCKET);
  for (const file of await readdir(dir)) await s.objectStore.putObject(`${s.prefix}/backups/${name}/${file}`, await readFile(new URL(file, dir)));
  const backup = JSON.parse(await readFile(new URL('velero-backup.json', dir), 'utf8')) as KubeObject;
  const { uid: _u, resourceVersion: _r, managedFields: _m, creationTimestamp: _c, generation: _g, ...meta } = backup.metadata;
  // BackupSync may import it first from the files just written; either way the same Backup exists.
  await s.cluster.client.create(VeleroResources.backups, { ...backup, metadata: { ...meta, namespace: s.namespace } }).catch((err: unknown) => {
    if (!isAlreadyExists(err)) throw err;
  });
}

/** Deletes the namespaces and cluster-scoped objects a fixture restore may create, and waits until they are gone. */
async function clearClusterScoped(client: KubeClient, pvs: string[], crds: string[], namespaces: string[] = []): Promise<void> {
  for (const ns of namespaces) await client.delete(Resources.namespaces, ns).catch(() => undefined);
  const gone = [...pvs.map((n) => [Resources.persistentVolumes, n] as const), ...crds.map((n) => [Resources.customResourceDefinitions, n] as const)];
  for (const [ref, name] of gone) await client.delete(ref, name).catch(() => undefined);
  for (const [ref, name] of gone) await waitFor(async () => !(await client.getIfExists(ref, name)), { what: `${ref.resource} ${name} to be gone`, timeoutMs: 120_000 });
}

function mapEntries(list: Record<string, string[]>, mapping: Record<string, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, entries] of Object.entries(list)) {
    out[key] = entries.map((e) => e.replace(/^([^/(]+)(?=[/(])/, (ns) => mapping[ns] ?? ns)).sort();
  }
  return out;
}

test("Velero 1.18.3's nginx-backup restores under Skiff as Velero restored it", async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const target = `velero-nginx-${randomBytes(3).toString('hex')}`;
  await clearClusterScoped(client, ['pv-nginx-logs'], []);
  t.after(() => clearClusterScoped(client, ['pv-nginx-logs'], [], [target]));
  await importVeleroBackup(s, 'nginx-backup');

  const restore = await createRestore(client, s.namespace, 'nginx-restore', { backupName: 'nginx-backup', namespaceMapping: { 'nginx-example': target } });
  assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
  assert.equal(restore.status?.errors ?? 0, 0);
  // Velero's own restore of this backup, with the namespace mapped; the PV was created here, where Velero's
  // run found it already there.
  const velero = JSON.parse(gunzipSync(await readFile(new URL('restores/nginx-restore/restore-nginx-restore-resource-list.json.gz', FIXTURE_BUCKET))).toString()) as Record<string, string[]>;
  const expected = mapEntries(velero, { 'nginx-example': target });
  expected['v1/PersistentVolume'] = ['pv-nginx-logs(created)'];
  assert.deepEqual(mapEntries(await restoreResourceList(s, 'nginx-restore'), {}), expected);
  const deployment = await client.get(Resources.deployments, 'nginx-deployment', { namespace: target });
  assert.equal(deployment.metadata.labels?.['velero.io/backup-name'], 'nginx-backup');
  const pv = await client.get(Resources.persistentVolumes, 'pv-nginx-logs');
  assert.equal((pv.spec as { claimRef?: { namespace?: string } }).claimRef?.namespace, target);

  // Again onto what is now there: like Velero's run, the PV (and everything else) already exists.
  const again = await createRestore(client, s.namespace, 'nginx-restore-2', { backupName: 'nginx-backup', namespaceMapping: { 'nginx-example': target } });
  assert.equal(again.status?.phase, 'Completed', JSON.stringify(again.status));
  const results = await restoreResults(s, 'nginx-restore-2');
  assert.deepEqual(results.errors, {});
});

test("Velero 1.18.3's mixed-backup (two namespaces, a CRD and its custom resources, workloads, RBAC) restores under Skiff", async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const pvs = ['pv-nginx-logs', 'fixture-pv-0'];
  const crds = ['widgets.fixture.example.com'];
  const suffix = randomBytes(3).toString('hex');
  const mapping = { 'nginx-example': `mixed-nginx-${suffix}`, 'fixture-0': `mixed-f0-${suffix}` };
  await clearClusterScoped(client, pvs, crds);
  t.after(() => clearClusterScoped(client, pvs, crds, Object.values(mapping)));
  await importVeleroBackup(s, 'mixed-backup');

  const restore = await createRestore(client, s.namespace, 'mixed-restore', { backupName: 'mixed-backup', namespaceMapping: mapping });
  assert.equal(restore.status?.phase, 'Completed', JSON.stringify(restore.status));
  assert.equal(restore.status?.errors ?? 0, 0, JSON.stringify(await restoreResults(s, 'mixed-restore')));
  // Everything the backup holds comes back except what Velero never restores (events), each created, except
  // what the cluster made in each new namespace meanwhile: the default ServiceAccount (the same as backed up:
  // skipped) and the root CA ConfigMap (different: Velero's "already exists" warning, recorded as failed).
  const backedUp = JSON.parse(gunzipSync(await readFile(new URL('backups/mixed-backup/mixed-backup-resource-list.json.gz', FIXTURE_BUCKET))).toString()) as Record<string, string[]>;
  delete backedUp['v1/Event'];
  const outcome = (n: string): string => (n.endsWith('/default') ? 'skipped' : n.endsWith('/kube-root-ca.crt') ? 'failed' : 'created');
  const expected = mapEntries(
    Object.fromEntries(Object.entries(backedUp).map(([k, v]) => [k, v.map((n) => `${n}(${outcome(n)})`)])),
    mapping,
  );
  const got = mapEntries(await restoreResourceList(s, 'mixed-restore'), {});
  assert.deepEqual(got, expected);
  const widgets = await client.list({ group: 'fixture.example.com', version: 'v1', resource: 'widgets', namespaced: true }, { namespace: mapping['fixture-0'] });
  assert.equal(widgets.items.length, 4);
});


