/** @module bench/groups: the scenario groups of `npm run bench` — client floors, and K1/K3 backups. */
import { Resources, isNotFound, type KubeClient, type ResourceRef } from '../src/kube/index.ts';
import { VeleroResources, crdManifests, type BackupStorageLocation } from '../src/api/index.ts';
import { applyCrds } from '../src/cli/commands/install.ts';
import { seedK1 } from './datasets.ts';
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
  await applyCrds(ctx.client, crdManifests(), { out: { write: () => true }, timeoutMs: 60_000 });
  await createNamespace(ctx.client, serverNamespace);
  await ctx.client.create(VeleroResources.backupStorageLocations, {
    apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'default', namespace: serverNamespace },
    spec: { provider: 'aws', default: true, objectStorage: { bucket: ctx.state.s3.bucket, prefix: `bench-${opts.id}` }, config: { region: 'minio', s3ForcePathStyle: 'true', s3Url: ctx.state.s3.endpoint } },
    // Validated by the first server started; the scenario waits for nothing but its own backup.
    status: { phase: 'Available', lastValidationTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
  } as BackupStorageLocation);
  await ctx.client.discovery.refresh();
  const paths = ctx.client.discovery
    .preferredResources()
    .filter((r) => ['list', 'create', 'get', 'delete'].every((v) => r.verbs.includes(v)))
    .map((r) => (r.group === '' ? `/api/${r.version}/${r.resource}` : `/apis/${r.group}/${r.version}/${r.resource}`));
  const args = { stateFile: ctx.stateFile, namespace: '', n: seeded, concurrency: 64, pageSize: 500, serverNamespace, paths };
  const extra = { dataset: opts.id, seededObjects: seeded, scale: opts.scale };
  await measure(ctx, { scenario: 'floor-pager-all', id: `${opts.id}-floor-pager`, args: () => args, extra });
  await measure(ctx, { scenario: 'skiff-backup', id: `${opts.id}-backup`, floor: `${opts.id}-floor-pager`, args: () => args, extra });
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

/** Waits until the namespace is gone, so its deletion does not load the server during the next run. */
export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  await client.delete(Resources.namespaces, name);
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
