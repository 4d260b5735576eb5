/** @module archive/testing: helpers shared by the archive module's tests (not exported from the door). */
import { VELERO_BUCKET_URL } from '../../test/fixtures/velero-bucket.ts';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Header } from 'tar-stream';
import { ArchiveError, type ArchiveErrorReason } from './errors.ts';
import { readBackupArchive, type ArchiveEntry, type ReadArchiveOptions } from './reader.ts';
import { createBackupArchive, type ArchiveItem, type ArchiveSummary, type BackupArchiveOptions } from './writer.ts';

export const FIXED_MTIME = new Date('2026-01-02T03:04:05Z');

/** Real Velero's bucket (test/fixtures/velero-1.18.3-bucket): `backups/<name>/<name>.tar.gz` and friends. */
export const VELERO_FIXTURES = VELERO_BUCKET_URL;
export const VELERO_BACKUPS = ['nginx-backup', 'mixed-backup'] as const;

/** Writes the items with the production writer and returns the .tar.gz bytes and the summary. */
export async function writeArchive(items: readonly ArchiveItem[], opts: BackupArchiveOptions = {}): Promise<{ gz: Buffer; summary: ArchiveSummary }> {
  const archive = createBackupArchive({ mtime: FIXED_MTIME, ...opts });
  const bytes = buffer(archive.output);
  for (const item of items) await archive.addItem(item);
  const summary = await archive.finish();
  return { gz: await bytes, summary };
}

/** Reads every entry of an archive held in memory. */
export async function readAll(gz: Uint8Array, opts?: ReadArchiveOptions): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  for await (const entry of readBackupArchive(Readable.from([Buffer.from(gz)]), opts)) out.push(entry);
  return out;
}

/** Asserts that the promise rejects with an ArchiveError of that reason, and returns the error. */
export async function rejectsWith(promise: Promise<unknown>, reason: ArchiveErrorReason): Promise<ArchiveError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ArchiveError, `expected an ArchiveError(${reason}), got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    return err;
  }
  assert.fail(`expected an ArchiveError(${reason}), but it resolved`);
}

/** One raw tar member for a hand-made (possibly hostile) archive. */
export interface RawEntry extends Partial<Header> {
  name: string;
  body?: string | Buffer;
}

/** A plain tar built with tar-stream, so hostile archives do not depend on the production writer. */
export async function rawTar(entries: readonly RawEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = buffer(pack as unknown as Readable);
  for (const { body, ...header } of entries) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (body === undefined) pack.entry({ mode: 0o755, ...header }, cb);
      else pack.entry({ mode: 0o755, ...header }, body, cb);
    });
  }
  pack.finalize();
  return done;
}

export async function rawTarGz(entries: readonly RawEntry[]): Promise<Buffer> {
  return gzipSync(await rawTar(entries));
}

export const VERSION_ENTRY: RawEntry = { name: 'metadata/version', body: '1.1.0\n' };

/** A small, valid namespaced item entry. */
export function itemEntry(name = 'cm', namespace = 'ns', extra: Record<string, unknown> = {}): RawEntry {
  const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, ...extra };
  return { name: `resources/configmaps/namespaces/${namespace}/${name}.json`, body: JSON.stringify(object) };
}

/** A ConfigMap as an ArchiveItem. */
export function configMapItem(name: string, namespace: string, data: Record<string, string> = {}): ArchiveItem {
  return {
    groupResource: 'configmaps',
    namespace,
    name,
    version: 'v1',
    preferred: true,
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data },
  };
}

export const LONG_NAME = `widget-${'x'.repeat(113)}`; // 120 characters: the entry names need PAX headers

/** The golden archive's items: every scope, HTML and Unicode in data, a PAX name, a non-preferred version. */
export const GOLDEN_ITEMS: readonly ArchiveItem[] = [
  { groupResource: 'namespaces', name: 'demo', version: 'v1', preferred: true, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', labels: { team: 'a&b' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } } },
  configMapItem('settings', 'demo', { 'index.html': '<p class="x">Tom & Jerry</p>', greeting: 'héllo wörld 😀 — \u2028 ½', empty: '' }),
  {
    groupResource: 'deployments.apps', namespace: 'demo', name: 'web', version: 'v1', preferred: true,
    object: {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'web', namespace: 'demo', uid: '0d5b8a43-4a8e-4d5f-9a43-5b1e4b0b6d11', generation: 3, resourceVersion: '4711' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', resources: { limits: { cpu: 0.5, memory: '64Mi' } } }] } } },
      status: { replicas: 2, readyReplicas: 2 },
    },
  },
  { groupResource: 'persistentvolumes', name: 'pv-data', version: 'v1', preferred: true, object: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-data' }, spec: { capacity: { storage: '1Gi' }, hostPath: { path: '/data' }, accessModes: ['ReadWriteOnce'] } } },
  { groupResource: 'widgets.example.com', namespace: 'demo', name: LONG_NAME, version: 'v1', preferred: true, object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: LONG_NAME, namespace: 'demo' }, spec: { size: 1.25e-7 } } },
  { groupResource: 'widgets.example.com', namespace: 'demo', name: LONG_NAME, version: 'v1alpha1', preferred: false, object: { apiVersion: 'example.com/v1alpha1', kind: 'Widget', metadata: { name: LONG_NAME, namespace: 'demo' }, spec: { legacySize: 'tiny' } } },
];
