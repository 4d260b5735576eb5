/** @module bench/groups: the scenario groups of `npm run bench` — client floors, K1/K3 backups, K2/K4 restores. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resources, isNotFound, resourcePath, type KubeClient, type KubeObject, type ResourceRef } from '../src/kube/index.ts';
import { mapLimit } from '../src/util/index.ts';
import { VeleroResources, crdManifests, type BackupStorageLocation } from '../src/api/index.ts';
import { applyCrds } from '../src/cli/commands/install.ts';
import { seedK1 } from './datasets.ts';
import type { Creation } from './floors.ts';
import { measure, type BenchContext } from './lib.ts';

/** The bare creator and pager, and Skiff's client doing the same (ratio = client overhead). */
export async function kubeClientGroup(ctx: BenchContext, n: number): Promise<void> {
  const dataNs = 'bench-data';
  await createNamespace(ctx.client, dataNs);
  const common = { stateFile: ctx.stateFile, n, concurrency: 64, pageSize: 500 };
  // The list data set, made by the bare creator (not measured).
  await measure({ ...ctx, runs: 1, summary: [], medians: {} }, { scenario: 'floor-create', id: 'seed', args: () => ({ ...common, namespace: dataNs }) });
  const fresh = (id: string) => ({
    args: (r: number) => ({ ...common, namespace: `bench-${id}-${r}` }),
    before: (r: number) => createNamespace(ctx.client, `bench-${id}-${r}`),
    after: (r: number) => deleteNamespace(ctx.client, `bench-${id}-${r}`),
  });
  const extra = { n };
  await measure(ctx, { scenario: 'floor-create', ...fresh('floor-create'), requestsOf: 'configmaps', extra });
  await measure(ctx, { scenario: 'floor-list', args: () => ({ ...common, namespace: dataNs }), requestsOf: 'configmaps', extra });
  await measure(ctx, { scenario: 'kube-create', floor: 'floor-create', ...fresh('kube-create'), requestsOf: 'configmaps', extra });
  await measure(ctx, { scenario: 'kube-list', floor: 'floor-list', args: () => ({ ...common, namespace: dataNs }), requestsOf: 'configmaps', extra });
  await deleteNamespace(ctx.client, dataNs);
}

/**
 * K1 (scale 1: 13,000 objects) or K3 (larger scales plus custom resources): a full-cluster backup by a
 * real server into MinIO, against a bare pager that reads every listable resource type cluster-wide.
 */
export async function backupGroup(ctx: BenchContext, opts: { id: string; scale: number; customResources?: number }): Promise<void> {
  const seeded = await seedK1(ctx.client, { scale: opts.scale, customResources: opts.customResources, prefix: `bench-${opts.id}-`, log: ctx.log });
  await settle(ctx.client, ctx.log);
  const serverNamespace = `bench-velero-${opts.id}`;
  await prepareServerNamespace(ctx, serverNamespace, `bench-${opts.id}`);
  const paths = ctx.client.discovery
    .preferredResources()
    .filter((r) => ['list', 'create', 'get', 'delete'].every((v) => r.verbs.includes(v)))
    .map((r) => (r.group === '' ? `/api/${r.version}/${r.resource}` : `/apis/${r.group}/${r.version}/${r.resource}`));
  const args = { stateFile: ctx.stateFile, namespace: '', n: seeded, concurrency: 64, pageSize: 500, serverNamespace, paths };
  const extra = { dataset: opts.id, seededObjects: seeded, scale: opts.scale };
  await measure(ctx, { scenario: 'floor-pager-all', id: `${opts.id}-floor-pager`, args: () => args, extra });
  await measure(ctx, { scenario: 'skiff-backup', id: `${opts.id}-backup`, floor: `${opts.id}-floor-pager`, args: () => args, extra });
}

/** Velero's CRDs, and the server namespace with a location marked Available (objects under `prefix` in the bucket). */
async function prepareServerNamespace(ctx: BenchContext, serverNamespace: string, prefix: string): Promise<void> {
  await applyCrds(ctx.client, crdManifests(), { out: { write: () => true }, timeoutMs: 60_000 });
  await createNamespace(ctx.client, serverNamespace);
  await ctx.client.create(VeleroResources.backupStorageLocations, {
    apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'default', namespace: serverNamespace },
    spec: { provider: 'aws', default: true, objectStorage: { bucket: ctx.state.s3.bucket, prefix }, config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: ctx.state.s3.endpoint } },
    // Validated by the first server started; the scenario waits for nothing but its own backup.
    status: { phase: 'Available', lastValidationTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
  } as BackupStorageLocation);
  await ctx.client.discovery.refresh();
}

/**
 * K2 and K4: K1's data set (scaled) is backed up once by a real server (untimed), then restored by a real
 * server reconciling a Restore — onto the objects as they were backed up (K4, policies `none` then
 * `update`), and into deleted namespaces (K2, the namespaces deleted and waited for before every run).
 * The floor, measured first, POSTs the same objects into namespaces of its own (namespaces first,
 * Deployments after their ReplicaSets, as the restore's tiers order them), 64 in flight.
 */
export async function restoreGroup(ctx: BenchContext, opts: { scale: number; k2: boolean; k4: boolean; trace?: boolean }): Promise<void> {
  const prefix = 'bench-rs-';
  const floorPrefix = 'bench-rsf-';
  const serverNamespace = 'bench-velero-rs';
  const names = (p: string): string[] => Array.from({ length: 50 }, (_, i) => `${p}${String(i).padStart(2, '0')}`);
  const dataNs = names(prefix);
  const floorNs = names(floorPrefix);
  // What an interrupted earlier run left behind.
  await releaseRestores(ctx.client, serverNamespace);
  await deleteNamespaces(ctx.client, [...dataNs, ...floorNs, serverNamespace]);
  const seeded = await seedK1(ctx.client, { scale: opts.scale, prefix, log: ctx.log });
  await settle(ctx.client, ctx.log);
  await prepareServerNamespace(ctx, serverNamespace, 'bench-rs');
  const backupName = `bench-rs-${Date.now()}`;
  const common = { stateFile: ctx.stateFile, namespace: '', n: seeded, concurrency: 64, pageSize: 500, serverNamespace, backupName, trace: opts.trace === true };
  // The backup every restore reads: K1's namespaces, as a user would back them up (recorded, not a figure of K2).
  await measure({ ...ctx, runs: 1, summary: [], medians: {} }, { scenario: 'skiff-backup', id: 'k2-source-backup', args: () => ({ ...common, backupSpec: { includedNamespaces: dataNs } }), extra: { scale: opts.scale } });
  const work = await mkdtemp(join(tmpdir(), 'skiff-bench-restore-'));
  const objectsFile = join(work, 'objects.json');
  const creations = await floorCreations(ctx.client, prefix, floorPrefix);
  await writeFile(objectsFile, JSON.stringify(creations));
  const byType = creations.types;
  ctx.log(`  the floor creates ${creations.namespaces.length} namespaces and ${creations.objects.length + creations.deployments.length} objects (${Object.entries(byType).map(([k, v]) => `${k}=${v}`).join(' ')})`);
  const extra = { dataset: 'k1', seededObjects: seeded, scale: opts.scale };
  await measure(ctx, {
    scenario: 'floor-create-objects', id: 'k2-floor-create', args: () => ({ ...common, objectsFile }), extra: { ...extra, floorObjects: byType },
    after: () => deleteNamespaces(ctx.client, floorNs),
  });
  if (opts.k4) {
    await measure(ctx, { scenario: 'skiff-restore', id: 'k4-restore-none', floor: 'k2-floor-create', args: () => ({ ...common, existingResourcePolicy: 'none' }), extra });
    await measure(ctx, { scenario: 'skiff-restore', id: 'k4-restore-update', floor: 'k2-floor-create', args: () => ({ ...common, existingResourcePolicy: 'update' }), extra });
  }
  if (opts.k2) {
    await measure(ctx, { scenario: 'skiff-restore', id: 'k2-restore', floor: 'k2-floor-create', args: () => common, extra, before: () => deleteNamespaces(ctx.client, dataNs) });
  }
  await releaseRestores(ctx.client, serverNamespace);
  await deleteNamespaces(ctx.client, [...dataNs, serverNamespace]);
  await rm(work, { recursive: true, force: true });
}

/**
 * What the restore will create, as POSTs into the floor's namespaces: every object of a restorable type
 * in the data set's namespaces, stripped as a restore strips it (Services lose their cluster IPs), but
 * not the ConfigMap and ServiceAccount that controllers put into every new namespace.
 */
async function floorCreations(client: KubeClient, prefix: string, floorPrefix: string): Promise<{ namespaces: Creation[]; objects: Creation[]; deployments: Creation[]; types: Record<string, number> }> {
  const out = { namespaces: [] as Creation[], objects: [] as Creation[], deployments: [] as Creation[], types: {} as Record<string, number> };
  const skipped = new Set(['events', 'events.events.k8s.io', 'pods']);
  await client.discovery.refresh();
  for (const ref of client.discovery.preferredResources()) {
    const gr = ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
    if (!ref.namespaced || skipped.has(gr) || !['list', 'create'].every((v) => ref.verbs.includes(v))) continue;
    for await (const obj of client.listAll(ref, { limit: 500 })) {
      const ns = obj.metadata.namespace ?? '';
      if (!ns.startsWith(prefix)) continue;
      if ((gr === 'configmaps' && obj.metadata.name === 'kube-root-ca.crt') || (gr === 'serviceaccounts' && obj.metadata.name === 'default')) continue;
      const target = `${floorPrefix}${ns.slice(prefix.length)}`;
      const meta = obj.metadata as Record<string, unknown>;
      for (const k of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'ownerReferences', 'selfLink']) delete meta[k];
      meta.namespace = target;
      delete obj.status;
      if (gr === 'services') {
        const spec = obj.spec as Record<string, unknown>;
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      const c = { path: `${resourcePath(ref, { namespace: target })}`, body: JSON.stringify(obj) };
      (gr === 'deployments.apps' ? out.deployments : out.objects).push(c);
      out.types[gr] = (out.types[gr] ?? 0) + 1;
    }
  }
  for (let i = 0; i < 50; i++) {
    const name = `${floorPrefix}${String(i).padStart(2, '0')}`;
    out.namespaces.push({ path: '/api/v1/namespaces', body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'skiff-bench': 'k1' } } }) });
  }
  out.types.namespaces = out.namespaces.length;
  return out;
}

/** Restores carry a finalizer only a running server removes; with none running, it is dropped so their namespace can go. */
async function releaseRestores(client: KubeClient, namespace: string): Promise<void> {
  try {
    for (const r of (await client.list(VeleroResources.restores, { namespace })).items) {
      await client.patch(VeleroResources.restores, r.metadata.name!, 'merge', { metadata: { finalizers: null } } as unknown as KubeObject, { namespace });
    }
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Waits until the controllers have made a ReplicaSet for every Deployment, so they are quiet while we measure. */
async function settle(client: KubeClient, log: (line: string) => void): Promise<void> {
  const count = async (ref: ResourceRef): Promise<number> => {
    let n = 0;
    for await (const page of client.listPages(ref, { limit: 500 })) n += page.items.length;
    return n;
  };
  const started = Date.now();
  while ((await count(Resources.replicaSets)) < (await count(Resources.deployments))) await new Promise((r) => setTimeout(r, 1000));
  await new Promise((r) => setTimeout(r, 3000));
  log(`  the cluster settled in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/**
 * Deletes those of the namespaces that exist, all at once, and waits until every one is gone — and until
 * 31 s after the DELETEs: for 30 s after a namespace's DELETE the API server's NamespaceLifecycle admission
 * GETs the namespace from storage on every create in a namespace of that name (forceLiveLookupTTL), which
 * would charge a restore into just-recreated namespaces one extra server-side read per object.
 */
export async function deleteNamespaces(client: KubeClient, names: string[]): Promise<void> {
  const started = Date.now();
  const existed = await mapLimit(names, 16, async (name) => {
    try {
      await client.delete(Resources.namespaces, name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  });
  const deleted = existed.filter(Boolean).length;
  if (deleted === 0) return;
  const issued = Date.now();
  await mapLimit(names, 16, (name) => waitUntilGone(client, name));
  const gone = Date.now() - started;
  await new Promise((r) => setTimeout(r, Math.max(0, issued + 31_000 - Date.now())));
  process.stderr.write(`  deleted ${deleted} namespaces in ${(gone / 1000).toFixed(0)} s\n`);
}

/** Waits until the namespace is gone, so its deletion does not load the server during the next run. */
export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  await client.delete(Resources.namespaces, name);
  await waitUntilGone(client, name);
}

async function waitUntilGone(client: KubeClient, name: string): Promise<void> {
  for (;;) {
    try {
      await client.get(Resources.namespaces, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
