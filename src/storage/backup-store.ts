/** @module storage/backup-store: Velero's backup and restore files over any ObjectStore, at a location's prefix. */
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { mapLimit } from '../util/index.ts';
import { StorageError, isObjectNotFound } from './errors.ts';
import { DOWNLOAD_URL_TTL_MS, ObjectStoreLayout, type BackupSidecarKind, type DownloadTarget, type RestoreSidecarKind } from './layout.ts';
import { isStreamBody, type ObjectBody, type ObjectOptions, type ObjectStore } from './object-store.ts';
import { readAll } from './read.ts';
import {
  decodeBackupMetadata,
  decodeSidecar,
  encodeBackupMetadata,
  encodeSidecar,
  normalizedResults,
  sortedResourceList,
  type BackupObject,
  type BackupSidecarTypes,
  type BackupSidecars,
  type ResourceList,
  type RestoreSidecarTypes,
  type Results,
} from './sidecars.ts';

export interface BackupStoreOptions {
  /** The BSL's `objectStorage.prefix`; leading and trailing `/` are ignored, as in Velero. */
  prefix?: string;
  /** The BSL's bucket, when the caller has it: it must be the object store's bucket. */
  bucket?: string;
}

/** Sidecars whose content is a JSON object rather than a list. */
const OBJECT_SIDECARS = new Set<string>(['resourceList', 'results']);
/** Deletes run in parallel, but politely: a backup has about ten keys, a location thousands. */
const DELETE_CONCURRENCY = 8;

/**
 * One backup storage location. Writes happen in Skiff's order — log, tarball, sidecars, and
 * `velero-backup.json` last — so a backup is listed (its metadata exists) only once every other file is
 * in place. Deletes go the other way: the metadata first, so a half-deleted backup is no longer listed.
 */
export class BackupStore {
  readonly objectStore: ObjectStore;
  readonly layout: ObjectStoreLayout;

  constructor(objectStore: ObjectStore, opts: BackupStoreOptions = {}) {
    const bucket = opts.bucket?.replace(/^\/+|\/+$/g, '');
    if (bucket !== undefined && bucket !== objectStore.bucket) {
      throw new StorageError({ reason: 'InvalidArgument', message: `backup store for bucket ${JSON.stringify(bucket)} was given an object store for bucket ${JSON.stringify(objectStore.bucket)}` });
    }
    this.objectStore = objectStore;
    this.layout = new ObjectStoreLayout(opts.prefix);
  }

  get bucket(): string {
    return this.objectStore.bucket;
  }

  /**
   * Velero's IsValid: the root may hold only backups/, restores/, kopia/, restic/, metadata/ and plugins/
   * (plain files are not checked). Throws a StorageError: `InvalidStore` with Velero's message, or the
   * provider's error (NoSuchBucket, AccessDenied, InvalidCredentials, Network …).
   */
  async isValid(opts: ObjectOptions = {}): Promise<void> {
    const root = this.layout.root;
    const dirs = await this.objectStore.listCommonPrefixes(root, '/', opts);
    const invalid = dirs.map((d) => d.slice(root.length).replace(/\/$/, '')).filter((d) => !this.layout.isValidTopLevelDir(d));
    if (invalid.length === 0) return;
    const message =
      invalid.length > 3
        ? `Backup store contains ${invalid.length} invalid top-level directories: [${[...invalid.slice(0, 3), '...'].join(' ')}]`
        : `Backup store contains invalid top-level directories: [${invalid.join(' ')}]`;
    throw new StorageError({ reason: 'InvalidStore', provider: this.objectStore.provider, bucket: this.bucket, key: root, operation: 'isValid', message });
  }

  /** The names under `backups/` (every sub-directory, whether or not its velero-backup.json exists yet). */
  async listBackups(opts: ObjectOptions = {}): Promise<string[]> {
    return this.namesUnder(this.layout.subdir('backups'), opts);
  }

  async listRestores(opts: ObjectOptions = {}): Promise<string[]> {
    return this.namesUnder(this.layout.subdir('restores'), opts);
  }

  /** A backup exists when its velero-backup.json does. */
  async backupExists(name: string, opts: ObjectOptions = {}): Promise<boolean> {
    return this.objectStore.objectExists(this.layout.backupMetadataKey(name), opts);
  }

  /** The Backup object from velero-backup.json; a missing file rejects with ObjectNotFoundError. */
  async getBackupMetadata(name: string, opts: ObjectOptions = {}): Promise<BackupObject> {
    const key = this.layout.backupMetadataKey(name);
    const text = (await readAll(await this.objectStore.getObject(key, opts))).toString('utf8');
    return decodeBackupMetadata(text, this.describe(key));
  }

  /** The stored tarball's size in bytes (one listing), or undefined when there is none. */
  async backupContentsSize(name: string, opts: ObjectOptions = {}): Promise<number | undefined> {
    const key = this.layout.backupContentsKey(name);
    for await (const o of this.objectStore.listObjects(key, opts)) if (o.key === key) return o.size;
    return undefined;
  }

  /** The tarball, as stored (gzip). */
  async getBackupContents(name: string, opts: ObjectOptions = {}): Promise<Readable> {
    return this.objectStore.getObject(this.layout.backupContentsKey(name), opts);
  }

  /** The backup log as text (gunzipped). */
  async getBackupLog(name: string, opts: ObjectOptions = {}): Promise<Readable> {
    return gunzipStream(await this.objectStore.getObject(this.layout.backupLogKey(name), opts));
  }

  /** A decoded sidecar, or undefined when the file does not exist (every sidecar may be missing). */
  async getBackupSidecar<K extends BackupSidecarKind>(name: string, kind: K, opts: ObjectOptions = {}): Promise<BackupSidecarTypes[K] | undefined> {
    return (await this.readSidecar(this.layout.backupSidecarKey(name, kind), kind, opts)) as BackupSidecarTypes[K] | undefined;
  }

  /** The log, already gzipped by the caller (it is written while the backup runs). */
  async putBackupLog(name: string, gzipped: ObjectBody, opts: ObjectOptions = {}): Promise<void> {
    return this.putBody(() => this.layout.backupLogKey(name), gzipped, opts);
  }

  /** The tarball, typically streamed while the backup runs. */
  async putBackupContents(name: string, tarball: ObjectBody, opts: ObjectOptions = {}): Promise<void> {
    return this.putBody(() => this.layout.backupContentsKey(name), tarball, opts);
  }

  /** Writes each given sidecar (compact JSON + newline, gzipped); everything is encoded before the first upload. */
  async putBackupSidecars(name: string, sidecars: BackupSidecars, opts: ObjectOptions = {}): Promise<void> {
    const files: Array<[string, Buffer]> = [];
    for (const [kind, value] of Object.entries(sidecars) as Array<[keyof BackupSidecars, unknown]>) {
      if (value === undefined) continue;
      files.push([this.layout.backupSidecarKey(name, kind), await encodeSidecar(normalizeSidecar(kind, value))]);
    }
    await mapLimit(files, 4, ([key, data]) => this.objectStore.putObject(key, data, opts));
  }

  /**
   * velero-backup.json, written last: once it exists the backup is listed, synced and restorable. Also used
   * to rewrite the metadata when the backup finalizes (Velero re-uploads it with the final phase).
   */
  async putBackupMetadata(name: string, backup: BackupObject, opts: ObjectOptions = {}): Promise<void> {
    const text = encodeBackupMetadata(name, backup);
    return this.objectStore.putObject(this.layout.backupMetadataKey(name), text, { ...opts, contentType: 'application/json' });
  }

  /** Deletes every key under `backups/<name>/`, velero-backup.json first. */
  async deleteBackup(name: string, opts: ObjectOptions = {}): Promise<void> {
    return this.deleteDir(this.layout.backupDir(name), this.layout.backupMetadataKey(name), opts);
  }

  async getRestoreSidecar<K extends RestoreSidecarKind>(name: string, kind: K, opts: ObjectOptions = {}): Promise<RestoreSidecarTypes[K] | undefined> {
    return (await this.readSidecar(this.layout.restoreSidecarKey(name, kind), kind, opts)) as RestoreSidecarTypes[K] | undefined;
  }

  async getRestoreLog(name: string, opts: ObjectOptions = {}): Promise<Readable> {
    return gunzipStream(await this.objectStore.getObject(this.layout.restoreLogKey(name), opts));
  }

  async putRestoreLog(name: string, gzipped: ObjectBody, opts: ObjectOptions = {}): Promise<void> {
    return this.putBody(() => this.layout.restoreLogKey(name), gzipped, opts);
  }

  async putRestoreResults(name: string, results: Results, opts: ObjectOptions = {}): Promise<void> {
    return this.putRestoreSidecar(name, 'results', results, opts);
  }

  async putRestoreResourceList(name: string, list: ResourceList, opts: ObjectOptions = {}): Promise<void> {
    return this.putRestoreSidecar(name, 'resourceList', list, opts);
  }

  async putRestoreItemOperations(name: string, operations: readonly object[] | null, opts: ObjectOptions = {}): Promise<void> {
    return this.putRestoreSidecar(name, 'itemOperations', operations, opts);
  }

  async putRestoreVolumeInfo(name: string, volumeInfo: readonly object[] | null, opts: ObjectOptions = {}): Promise<void> {
    return this.putRestoreSidecar(name, 'volumeInfo', volumeInfo, opts);
  }

  async deleteRestore(name: string, opts: ObjectOptions = {}): Promise<void> {
    return this.deleteDir(this.layout.restoreDir(name), undefined, opts);
  }

  /** A pre-signed URL for a DownloadRequest target (Velero: valid for 10 minutes). */
  async getDownloadUrl(target: DownloadTarget, ttlMs: number = DOWNLOAD_URL_TTL_MS): Promise<string> {
    return this.objectStore.createSignedUrl(this.layout.downloadTargetKey(target), ttlMs);
  }

  /** A stream body is destroyed when the key cannot even be built, as putObject does on failure. */
  private async putBody(key: () => string, body: ObjectBody, opts: ObjectOptions): Promise<void> {
    let k: string;
    try {
      k = key();
    } catch (err) {
      if (isStreamBody(body)) body.destroy();
      throw err;
    }
    await this.objectStore.putObject(k, body, opts);
  }

  private async putRestoreSidecar(name: string, kind: RestoreSidecarKind, value: unknown, opts: ObjectOptions): Promise<void> {
    const data = await encodeSidecar(normalizeSidecar(kind, value));
    await this.objectStore.putObject(this.layout.restoreSidecarKey(name, kind), data, opts);
  }

  private async namesUnder(dir: string, opts: ObjectOptions): Promise<string[]> {
    const prefixes = await this.objectStore.listCommonPrefixes(dir, '/', opts);
    return prefixes.map((p) => p.slice(dir.length).replace(/\/$/, ''));
  }

  private async readSidecar(key: string, kind: string, opts: ObjectOptions): Promise<unknown> {
    let data: Buffer;
    try {
      data = await readAll(await this.objectStore.getObject(key, opts));
    } catch (err) {
      if (isObjectNotFound(err)) return undefined;
      throw err;
    }
    const value = await decodeSidecar(data, this.describe(key));
    if (OBJECT_SIDECARS.has(kind)) {
      if (value === null) return {};
      if (typeof value === 'object' && !Array.isArray(value)) return value;
    } else {
      // Velero encodes an empty Go slice as null; readers get an empty list.
      if (value === null) return [];
      if (Array.isArray(value)) return value;
    }
    throw new StorageError({ reason: 'InvalidData', provider: this.objectStore.provider, bucket: this.bucket, key, message: `${this.describe(key)} holds ${Array.isArray(value) ? 'a list' : typeof value}, not the expected ${OBJECT_SIDECARS.has(kind) ? 'object' : 'list'}` });
  }

  private async deleteDir(dir: string, first: string | undefined, opts: ObjectOptions): Promise<void> {
    const keys: string[] = [];
    for await (const o of this.objectStore.listObjects(dir, opts)) keys.push(o.key);
    if (first !== undefined && keys.includes(first)) await this.objectStore.deleteObject(first, opts);
    await mapLimit(
      keys.filter((k) => k !== first),
      DELETE_CONCURRENCY,
      (k) => this.objectStore.deleteObject(k, opts),
    );
  }

  private describe(key: string): string {
    return `${this.objectStore.provider} bucket ${JSON.stringify(this.bucket)} key ${JSON.stringify(key)}`;
  }
}

/** Map-shaped sidecars get Go's key order; list-shaped ones are written as given. */
function normalizeSidecar(kind: string, value: unknown): unknown {
  if (kind === 'resourceList' && value && typeof value === 'object') return sortedResourceList(value as ResourceList);
  if (kind === 'results' && value && typeof value === 'object') return normalizedResults(value as Results);
  return value;
}

function gunzipStream(source: Readable): Readable {
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err));
  return source.pipe(gunzip);
}
