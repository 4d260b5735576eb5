/** @module test/support/restore: creating a Restore through the API and waiting for it, and snapshots for before/after comparisons. */
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { VeleroResources } from '../../src/api/index.ts';
import { userFields, differences } from '../../src/restore/index.ts';
import { groupResource, Resources, type KubeClient, type KubeObject, type ResourceRef } from '../../src/kube/index.ts';
import { waitFor } from './cluster.ts';
import { waitForBackup, waitForFinal, type TestServer } from './skiff-server.ts';

export type RestoreObject = KubeObject & { status?: Record<string, unknown> & { phase?: string } };

export async function createRestore(client: KubeClient, namespace: string, name: string, spec: Record<string, unknown>, timeoutMs = 180_000): Promise<RestoreObject> {
  await client.create(VeleroResources.restores, { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name, namespace }, spec });
  return waitForRestore(client, namespace, name, timeoutMs);
}

export function waitForRestore(client: KubeClient, namespace: string, name: string, timeoutMs = 180_000): Promise<RestoreObject> {
  return waitForFinal<RestoreObject>(client, VeleroResources.restores, namespace, name, timeoutMs);
}

/** Every object of the given resources in a namespace (cluster-scoped ones by name), keyed `gr|ns/name`. */
export async function snapshot(client: KubeClient, refs: readonly ResourceRef[], namespace: string | undefined, names?: (gr: string, o: KubeObject) => boolean): Promise<Map<string, KubeObject>> {
  const out = new Map<string, KubeObject>();
  for (const ref of refs) {
    const gr = groupResource(ref);
    for (const o of (await client.list(ref, { namespace: ref.namespaced ? namespace : undefined })).items) {
      if (names && !names(gr, o)) continue;
      out.set(`${gr}|${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`, o);
    }
  }
  return out;
}

/** Differences in what the user controls, object by object; a missing object is reported as such. */
export function compareSnapshots(before: Map<string, KubeObject>, after: Map<string, KubeObject>, rename: (key: string) => string = (k) => k): string[] {
  const problems: string[] = [];
  for (const [key, obj] of before) {
    const gr = key.split('|')[0]!;
    const restored = after.get(rename(key));
    if (!restored) {
      problems.push(`${key}: missing after the restore`);
      continue;
    }
    const a = userFields(gr, obj);
    const b = userFields(gr, restored);
    delete (a.metadata as Record<string, unknown>).namespace;
    delete (b.metadata as Record<string, unknown>).namespace;
    for (const d of differences(a, b)) problems.push(`${key}: ${d}`);
  }
  return problems;
}

/** Creates a Backup through the API and asserts that it Completed. */
export async function backUp(s: TestServer, name: string, spec: Record<string, unknown>): Promise<void> {
  await s.cluster.client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name, namespace: s.namespace }, spec });
  const b = await waitForBackup(s.cluster.client, s.namespace, name);
  assert.equal(b.status?.phase, 'Completed', JSON.stringify(b.status));
}

export async function deleteNamespace(client: KubeClient, ns: string): Promise<void> {
  await client.delete(Resources.namespaces, ns).catch(() => undefined);
  await waitFor(async () => !(await client.getIfExists(Resources.namespaces, ns)), { what: `namespace ${ns} to be gone`, timeoutMs: 120_000 });
}

/** A whole object of the test's bucket, under its location's prefix. */
export async function bodyOf(s: TestServer, key: string): Promise<Buffer> {
  const body = await s.objectStore.getObject(`${s.prefix}/${key}`);
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A gzipped JSON file of the test's bucket, parsed. */
export async function readGz(s: TestServer, key: string): Promise<unknown> {
  return JSON.parse(gunzipSync(await bodyOf(s, key)).toString());
}

/** The restore's resource list (`restores/<name>/restore-<name>-resource-list.json.gz`). */
export async function restoreResourceList(s: TestServer, name: string): Promise<Record<string, string[]>> {
  return (await readGz(s, `restores/${name}/restore-${name}-resource-list.json.gz`)) as Record<string, string[]>;
}

/** The restore's results file: warnings and errors by scope. */
export interface RestoreResultsFile {
  errors: { velero?: string[]; cluster?: string[]; namespaces?: Record<string, string[]> };
  warnings: { velero?: string[]; cluster?: string[]; namespaces?: Record<string, string[]> };
}

export async function restoreResults(s: TestServer, name: string): Promise<RestoreResultsFile> {
  return (await readGz(s, `restores/${name}/restore-${name}-results.gz`)) as RestoreResultsFile;
}
