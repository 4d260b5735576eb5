/** @module repo/snapshot-file: snapshot files, `snapshots/<id>`: sealed JSON named by the SHA-256 of the stored bytes. */
import { isObjectNotFound, readObject, type ObjectStore } from '../storage/index.ts';
import { mapLimit } from '../util/index.ts';
import { checkNamed, listIds, openObject, parseDocument, sealObject, type Compression } from './blob.ts';
import { isHexId, sha256Hex, type MasterKey } from './crypto.ts';
import { RepoError } from './errors.ts';
import type { Snapshot } from './types.ts';

export function snapshotKey(prefix: string, id: string): string {
  return `${prefix}snapshots/${id}`;
}

function snapshotProblem(s: Snapshot): string | undefined {
  if (typeof s !== 'object' || s === null) return 'it is not an object';
  if (Number.isNaN(Date.parse(s.time))) return `time ${JSON.stringify(s.time)} is not a date`;
  if (typeof s.tree !== 'string' || !isHexId(s.tree)) return 'tree must be a blob id';
  if (typeof s.source?.path !== 'string') return 'source.path is required';
  if (!Array.isArray(s.tags) || !s.tags.every((t) => typeof t === 'string')) return 'tags must be a list of strings';
  if (typeof s.hostname !== 'string') return 'hostname is required';
  if (typeof s.summary !== 'object' || s.summary === null) return 'summary is required';
  return undefined;
}

/** Seals and uploads a snapshot (its `id` field is not stored); returns its id. */
export async function writeSnapshot(store: ObjectStore, prefix: string, key: MasterKey, compression: Compression, snapshot: Snapshot): Promise<string> {
  const { id: _ignored, ...stored } = snapshot;
  const problem = snapshotProblem(stored);
  if (problem) throw new RepoError('InvalidArgument', `snapshot: ${problem}`);
  const bytes = sealObject(key, Buffer.from(JSON.stringify(stored)), compression);
  const id = sha256Hex(bytes);
  await store.putObject(snapshotKey(prefix, id), bytes);
  return id;
}

export function listSnapshotIds(store: ObjectStore, prefix: string, signal?: AbortSignal): Promise<string[]> {
  return listIds(store, `${prefix}snapshots/`, signal);
}

export async function readSnapshot(store: ObjectStore, prefix: string, key: MasterKey, id: string, signal?: AbortSignal): Promise<Snapshot> {
  if (!isHexId(id)) throw new RepoError('InvalidArgument', `snapshot id ${JSON.stringify(id)} is not 64 lowercase hex characters`);
  const objectKey = snapshotKey(prefix, id);
  let bytes: Buffer;
  try {
    bytes = await readObject(store, objectKey, signal);
  } catch (err) {
    if (isObjectNotFound(err)) throw new RepoError('NotFound', `no snapshot ${id}`, { cause: err });
    throw err;
  }
  const target = { kind: 'snapshot' as const, key: objectKey };
  checkNamed(bytes, id, target);
  return { id, ...parseDocument<Snapshot>(openObject(key, bytes, target), target, snapshotProblem) };
}

/** Every snapshot, oldest first (ties by id); a snapshot deleted while listing is left out. */
export async function readAllSnapshots(store: ObjectStore, prefix: string, key: MasterKey, signal?: AbortSignal): Promise<Snapshot[]> {
  const ids = await listSnapshotIds(store, prefix, signal);
  const all = await mapLimit(ids, 8, (id) => readSnapshot(store, prefix, key, id, signal).catch((err: unknown) => {
    if (err instanceof RepoError && err.reason === 'NotFound') return undefined;
    throw err;
  }));
  return all.filter((s): s is Snapshot => s !== undefined).sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id!.localeCompare(b.id!));
}
