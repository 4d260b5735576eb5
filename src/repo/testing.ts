/**
 * @module repo/testing: an in-memory `RepositoryApi` for unit tests of the archiver and restorer (tests only).
 * Ids are real HMAC-SHA256 ids; trees and snapshots are stored as canonical JSON; counters tell a test how
 * many new blobs and bytes a run stored.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { ObjectStore } from '../storage/index.ts';
import { DEFAULT_CHUNK_SIZES } from './chunker.ts';
import { RepoError } from './errors.ts';
import { parseTree, serializeTree } from './tree.ts';
import type { BlobId, BlobType, LoadBlobsOptions, RepoConfig, RepositoryApi, Snapshot, Tree } from './types.ts';

/** The fake's integrity failure (the real repository throws its own RepoIntegrityError). */
export class MemoryRepositoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryRepositoryError';
  }
}

export interface MemoryRepositoryOptions {
  chunker?: Partial<RepoConfig['chunker']>;
  /** Seed of the MAC key and chunker (random by default). */
  secret?: Uint8Array;
}

/** What a run stored, for assertions ("the second backup stored no new blob"), data and trees alike. */
export interface MemoryRepositoryCounters {
  newBlobs: number;
  newBytes: number;
}

/** Every method throws: the fake stores nothing in an object store. */
function unusedStore(): ObjectStore {
  const base: Record<PropertyKey, unknown> = { provider: 'memory', bucket: 'memory', close: async () => {} };
  return new Proxy(base, {
    get: (target, prop) =>
      prop in target || prop === 'then'
        ? target[prop]
        : () => {
            throw new Error('MemoryRepository keeps everything in memory; it has no object store');
          },
  }) as unknown as ObjectStore;
}

export class MemoryRepository implements RepositoryApi {
  readonly store: ObjectStore = unusedStore();
  readonly prefix = '';
  readonly config: RepoConfig;
  readonly blobs = new Map<BlobId, { type: BlobType; data: Uint8Array }>();
  readonly snapshots = new Map<string, Snapshot>();
  counters: MemoryRepositoryCounters = MemoryRepository.#zero();
  readonly #macKey: Buffer;

  constructor(opts: MemoryRepositoryOptions = {}) {
    const secret = Buffer.from(opts.secret ?? randomBytes(32));
    this.#macKey = createHmac('sha256', secret).update('mac').digest();
    this.config = {
      version: 1,
      id: createHash('sha256').update(secret).digest('hex').slice(0, 32),
      chunker: { ...DEFAULT_CHUNK_SIZES, seed: createHmac('sha256', secret).update('chunker').digest('hex'), ...opts.chunker },
      packSize: 16 * 1024 * 1024,
      compression: 'none',
      created: new Date(0).toISOString(),
    };
  }

  static #zero(): MemoryRepositoryCounters {
    return { newBlobs: 0, newBytes: 0 };
  }

  /** Starts counting afresh (e.g. between a first and an incremental backup). */
  resetCounters(): void {
    this.counters = MemoryRepository.#zero();
  }

  hasBlob(id: BlobId): boolean {
    return this.blobs.has(id);
  }

  blobId(plaintext: Uint8Array): BlobId {
    return createHmac('sha256', this.#macKey).update(plaintext).digest('hex');
  }

  async saveBlob(type: BlobType, plaintext: Uint8Array, knownId?: BlobId): Promise<{ id: BlobId; isNew: boolean; storedLength: number }> {
    const id = knownId ?? this.blobId(plaintext);
    if (this.blobs.has(id)) return { id, isNew: false, storedLength: 0 };
    this.blobs.set(id, { type, data: Uint8Array.from(plaintext) });
    this.counters.newBlobs++;
    this.counters.newBytes += plaintext.length;
    await Promise.resolve();
    return { id, isNew: true, storedLength: plaintext.length };
  }

  async loadBlob(type: BlobType, id: BlobId): Promise<Uint8Array> {
    const blob = this.blobs.get(id);
    if (!blob || blob.type !== type) throw new MemoryRepositoryError(`blob ${id} (${type}) is not in the repository`);
    if (this.blobId(blob.data) !== id) throw new MemoryRepositoryError(`blob ${id} does not match its id`);
    await Promise.resolve();
    return Uint8Array.from(blob.data);
  }

  /** The real repository's batched read, one blob at a time (no packs, no runs; `reuse` and `budget` not needed). */
  async *loadBlobs(ids: Iterable<BlobId>, opts: LoadBlobsOptions = {}): AsyncGenerator<{ id: BlobId; data: Uint8Array }> {
    for (const id of ids) {
      opts.signal?.throwIfAborted();
      yield { id, data: await this.loadBlob(opts.type ?? this.blobs.get(id)?.type ?? 'data', id) };
    }
  }

  async flush(): Promise<void> {}

  async saveTree(tree: Tree): Promise<BlobId> {
    return (await this.saveBlob('tree', serializeTree(tree))).id;
  }

  async loadTree(id: BlobId): Promise<Tree> {
    return parseTree(await this.loadBlob('tree', id));
  }

  async saveSnapshot(s: Snapshot): Promise<string> {
    const { id: _ignored, ...body } = s;
    const id = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    this.snapshots.set(id, structuredClone({ ...body, id }));
    return id;
  }

  async loadSnapshot(id: string): Promise<Snapshot> {
    const s = this.snapshots.get(id);
    if (!s) throw new RepoError('NotFound', `no snapshot ${id}`);
    return structuredClone(s);
  }

  async listSnapshots(): Promise<Snapshot[]> {
    return [...this.snapshots.values()].map((s) => structuredClone(s)).sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id!.localeCompare(b.id!));
  }

  async listSnapshotIds(): Promise<string[]> {
    return [...this.snapshots.keys()];
  }

  /** Flips one byte of a stored blob, to test that readers notice. */
  corrupt(id: BlobId): void {
    const blob = this.blobs.get(id);
    if (!blob) throw new Error(`no blob ${id}`);
    blob.data[0] = blob.data[0]! ^ 0xff;
  }

  async close(): Promise<void> {}
}
