/**
 * @module test/support/skiff-server: a Skiff server for one test — its own server namespace, a bucket of
 * its own on the shared MinIO (removed afterwards), a backup storage location on it, and the server
 * running in-process.
 */
import { randomBytes } from 'node:crypto';
import { crdManifests, VeleroResources, type BackupStorageLocation } from '../../src/api/index.ts';
import { applyCrds } from '../../src/cli/commands/install.ts';
import { Resources, type KubeClient, type KubeObject, type ResourceRef } from '../../src/kube/index.ts';
import { DEFAULT_SERVER_CONFIG, startServer, type RunningServer, type ServerConfig } from '../../src/server/index.ts';
import { BackupStore, createObjectStore, type ObjectStore } from '../../src/storage/index.ts';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { testCluster, waitFor, type TestCluster } from './cluster.ts';

export interface TestServer {
  cluster: TestCluster;
  /** The server namespace (Velero's `velero`). */
  namespace: string;
  /** The location's name; its bucket (this test's own) and the prefix inside it. */
  location: string;
  bucket: string;
  prefix: string;
  /** The same bucket and prefix, read directly (what real Velero would see). */
  store: BackupStore;
  /** The bucket itself (keys include the prefix). */
  objectStore: ObjectStore;
  server: RunningServer;
  /** Server log lines, for assertions and for failure messages. */
  logs: string[];
}

let crdsApplied: Promise<void> | undefined;

/** The velero.io CRDs, applied once per process (idempotent; shared by every test of the run). */
export function ensureCrds(client: KubeClient): Promise<void> {
  crdsApplied ??= applyCrds(client, crdManifests(), { out: { write: () => true }, timeoutMs: 60_000 });
  return crdsApplied;
}

/** `serverEnv` replaces the server's environment (default: the MinIO credentials file, as Velero's pod gets it). */
export async function startTestServer(t: { after(fn: () => unknown): void }, overrides: Partial<ServerConfig> = {}, opts: { serverEnv?: Record<string, string> } = {}): Promise<TestServer> {
  const cluster = await testCluster();
  const { client, state } = cluster;
  await ensureCrds(client);
  const namespace = `skiff-${randomBytes(3).toString('hex')}`;
  // A bucket per test: locations see only their own backups, and nothing is left at a shared bucket's root
  // (a location whose root holds unknown directories is Unavailable, by Velero's rule).
  const bucket = `t-${namespace}`;
  const prefix = 'backups-root';
  await cluster.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  // One cleanup, in order: the server stops first, so nothing it owns is half-processed; then the finalizers
  // only a server removes go, or the namespace would stay Terminating; then the namespace and the bucket.
  const cleanup: { server?: RunningServer; objectStore?: ObjectStore } = {};
  t.after(async () => {
    await cleanup.server?.stop();
    await releaseFinalizers(client, namespace);
    await client.delete(Resources.namespaces, namespace).catch(() => undefined);
    await cleanup.objectStore?.close();
    await removeBucket(cluster, bucket);
  });
  await client.create(Resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const location = 'default';
  const env = { AWS_SHARED_CREDENTIALS_FILE: state.s3.credentialsFile };
  const serverEnv = opts.serverEnv ?? env;
  const defaultLocation = locationObject(namespace, location, state.s3.endpoint, bucket, prefix);
  if (opts.serverEnv) {
    // A server without credentials of its own: the default location carries a credential Secret too.
    const { readFile } = await import('node:fs/promises');
    await client.create(Resources.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'default-creds', namespace }, data: { cloud: (await readFile(state.s3.credentialsFile)).toString('base64') } });
    (defaultLocation.spec as Record<string, unknown>).credential = { name: 'default-creds', key: 'cloud' };
  }
  await client.create(VeleroResources.backupStorageLocations, defaultLocation);
  const logs: string[] = [];
  const server = await startServer({
    config: { ...DEFAULT_SERVER_CONFIG, namespace, kubeconfig: state.kubeconfig, storeValidationFrequencyMs: 1000, logLevel: 'debug', metricsAddress: '127.0.0.1:0', ...overrides },
    env: serverEnv,
    write: (line) => void logs.push(line),
  });
  cleanup.server = server;
  const objectStore = await createObjectStore({ provider: 'aws', bucket, config: awsConfig(state.s3.endpoint), env });
  cleanup.objectStore = objectStore;
  const store = new BackupStore(objectStore, { bucket, prefix });
  await waitFor(async () => (await client.get<BackupStorageLocation>(VeleroResources.backupStorageLocations, location, { namespace })).status?.phase === 'Available', {
    what: `location ${location} to become Available`,
  });
  return { cluster, namespace, location, bucket, prefix, store, objectStore, server, logs };
}

export function awsConfig(endpoint: string): Record<string, string> {
  return { region: 'minio', s3ForcePathStyle: 'true', s3Url: endpoint };
}

export function locationObject(namespace: string, name: string, endpoint: string, bucket: string, prefix: string): KubeObject {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { name, namespace },
    spec: { provider: 'aws', default: true, objectStorage: { bucket, prefix }, config: awsConfig(endpoint) },
  };
}

/** Waits until the Backup or Restore reaches a final phase (the same four for both) and returns it. */
export async function waitForFinal<T extends KubeObject & { status?: Record<string, unknown> & { phase?: string } }>(
  client: KubeClient,
  resource: ResourceRef,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<T> {
  let obj: T | undefined;
  await waitFor(
    async () => {
      obj = await client.get<T>(resource, name, { namespace });
      return ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'].includes(String(obj.status?.phase));
    },
    { what: `${resource.resource} ${name} to finish`, timeoutMs, intervalMs: 200 },
  );
  return obj!;
}

export function waitForBackup(client: KubeClient, namespace: string, name: string, timeoutMs = 120_000): Promise<KubeObject & { status?: Record<string, unknown> }> {
  return waitForFinal(client, VeleroResources.backups, namespace, name, timeoutMs);
}

/** Drops the server's finalizers from the Restores left in a server namespace (the server is stopped). */
async function releaseFinalizers(client: KubeClient, namespace: string): Promise<void> {
  const restores = await client.list(VeleroResources.restores, { namespace }).catch(() => ({ items: [] as KubeObject[] }));
  for (const r of restores.items) {
    if (!r.metadata.finalizers?.length) continue;
    await client.patch(VeleroResources.restores, r.metadata.name!, 'merge', { metadata: { finalizers: null } } as unknown as KubeObject, { namespace }).catch(() => undefined);
  }
}

/** Empties and removes a bucket of the shared MinIO. */
export async function removeBucket(cluster: TestCluster, bucket: string): Promise<void> {
  for (;;) {
    const page = await cluster.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length === 0) break;
    await cluster.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await cluster.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
