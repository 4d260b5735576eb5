/**
 * @module repo/types: the shared vocabulary of the volume-data repository (ADR 0015). The format core
 * (keys, packs, index, `Repository`) implements these; the archiver, restorer, maintenance and CLI use them.
 */
import type { ObjectStore } from '../storage/index.ts';
import type { ByteBudget } from './budget.ts';
import type { DirScanner } from './dir-scan.ts';

/** A content id: HMAC-SHA256 of the blob's plaintext under the repository's MAC key, as 64 lowercase hex characters. */
export type BlobId = string;

/** `data`: a piece of file content. `tree`: one directory listing (a serialized Tree). */
export type BlobType = 'data' | 'tree';

/** Where a blob is stored: byte range of its sealed form inside a pack. */
export interface BlobLocation {
  id: BlobId;
  type: BlobType;
  pack: string;
  offset: number;
  /** Length of the sealed (compressed + encrypted) form in the pack. */
  length: number;
  /** Length of the plaintext. */
  rawLength: number;
}

/** The repository's public, unencrypted-at-rest-only-in-memory settings (stored encrypted as `config`). */
export interface RepoConfig {
  version: 1;
  /** Random, 32 hex; names the local cache directory. */
  id: string;
  chunker: {
    minSize: number;
    avgSize: number;
    maxSize: number;
    /** FastCDC's normalization level (0–3; absent: 2, what repositories written before it was a setting use). */
    normalization?: number;
    /** Seed of the gear table, secret (hex). */
    seed: string;
  };
  /** Target pack size in bytes (16–32 MiB). */
  packSize: number;
  compression: 'zstd' | 'none';
  created: string;
}

/** One file system entry in a directory listing. Times are RFC 3339 with nanoseconds; sizes in bytes. */
export interface TreeNode {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'fifo' | 'socket' | 'chardev' | 'blockdev';
  /** Unix mode bits (permissions + setuid/setgid/sticky), without the file type bits. */
  mode: number;
  uid: number;
  gid: number;
  mtime: string;
  /** Status change time (same format); only compared by an incremental backup to trust an unchanged file, never restored. */
  ctime?: string;
  /** Files: content size; the content is `content` in order. */
  size?: number;
  content?: BlobId[];
  /** Files: byte ranges that are holes (sparse), as [offset, length] pairs, not stored in `content`. */
  holes?: Array<[number, number]>;
  /** Files with several links: the other paths (relative to the snapshot root) share this node's content. */
  inode?: number;
  device?: number;
  links?: number;
  /** Directories: the id of their Tree blob. */
  subtree?: BlobId;
  /** Symlinks: the target, verbatim. */
  linkTarget?: string;
  /** chardev/blockdev: the device number. */
  rdev?: number;
}

/** A directory listing, nodes sorted by name (byte order), serialized canonically (the same tree → the same id). */
export interface Tree {
  nodes: TreeNode[];
}

/** What a snapshot came from: a volume of a pod (`namespace/pod/volume`) or a host path. */
export interface SnapshotSource {
  host?: string;
  path: string;
  namespace?: string;
  pod?: string;
  volume?: string;
}

export interface SnapshotSummary {
  files: number;
  dirs: number;
  /** Bytes of file content in the snapshot. */
  totalBytes: number;
  /** Bytes read from disk by this run (less than totalBytes when the parent's unchanged files were reused). */
  bytesRead: number;
  /** New blobs and their bytes stored by this run (after dedupe, before/after compression). */
  newBlobs: number;
  newBytesRaw: number;
  newBytesStored: number;
  /** Entries that could not be read (also listed in `errors`). */
  errorCount: number;
  durationMs: number;
}

export interface Snapshot {
  /** Content id of the snapshot file (SHA-256 of its sealed bytes, hex); set when loaded or saved. */
  id?: string;
  time: string;
  source: SnapshotSource;
  tags: string[];
  /** Root tree of the snapshot. */
  tree: BlobId;
  parent?: string;
  hostname: string;
  summary: SnapshotSummary;
  /** Paths that could not be backed up, with the reason (never silently dropped). */
  errors?: Array<{ path: string; error: string }>;
}

/** What a loadBlobs caller may ask for (see repo/blob-loader.ts, which also takes `prefetch` and `maxRangeBytes`). */
export interface LoadBlobsOptions {
  /** When given, every blob must be of this type. */
  type?: BlobType | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The caller is done with a blob's `data` once it asks for the next one (it keeps no reference): buffers are
   * then reused for later blobs instead of left to the garbage collector.
   */
  reuse?: boolean | undefined;
  /** Bounds the bytes read ahead: charged twice a run's bytes (sealed and plain) until the caller moves past it. */
  budget?: ByteBudget | undefined;
}

/** An opened repository: blobs in, blobs out, snapshots, index. Implemented by `Repository` in repository.ts. */
export interface RepositoryApi {
  readonly store: ObjectStore;
  /** Key prefix inside the bucket (no leading slash; '' or ending in '/'). */
  readonly prefix: string;
  readonly config: RepoConfig;
  /** True when a blob with this id is stored (index lookup, no I/O). */
  hasBlob(id: BlobId): boolean;
  /** HMAC id of plaintext bytes (the same function saveBlob uses). */
  blobId(plaintext: Uint8Array): BlobId;
  /**
   * Stores a blob unless already present (by id): compresses (zstd, skipped when it does not help), seals,
   * adds it to the current pack; uploads full packs in the background (bounded). Returns the id and whether
   * it was new. Backpressure: awaits when too many packs are waiting to upload. The plaintext is copied (or
   * done with) before the call returns: the caller may reuse its buffer at once (the archiver's chunks are
   * views of its read buffer).
   */
  saveBlob(type: BlobType, plaintext: Uint8Array, knownId?: BlobId): Promise<{ id: BlobId; isNew: boolean; storedLength: number }>;
  /** Reads, authenticates (AES-GCM) and checks (HMAC id) one blob; a mismatch throws RepoIntegrityError. */
  loadBlob(type: BlobType, id: BlobId): Promise<Uint8Array>;
  /**
   * The blobs of `ids` in that order (a repeated id each time), neighbours in a pack read with one request,
   * each checked like loadBlob. With `reuse`, a blob's `data` may be overwritten once the next one is asked
   * for; `budget` bounds the bytes read ahead.
   */
  loadBlobs(ids: Iterable<BlobId>, opts?: LoadBlobsOptions): AsyncIterable<{ id: BlobId; data: Uint8Array }>;
  /** Uploads the open pack and the index of everything saved since the last flush. */
  flush(): Promise<void>;
  /** Lists directories off the main thread (the repository's workers); without one the archiver lists and lstats itself. */
  readonly scanner?: DirScanner | undefined;
  saveTree(tree: Tree): Promise<BlobId>;
  loadTree(id: BlobId): Promise<Tree>;
  saveSnapshot(s: Snapshot): Promise<string>;
  /** A snapshot by its full id; a missing one is a RepoError with reason NotFound. */
  loadSnapshot(id: string): Promise<Snapshot>;
  /** Every snapshot, sorted by time (oldest first). */
  listSnapshots(): Promise<Snapshot[]>;
  /** The ids of every snapshot, unordered, without reading the snapshots. */
  listSnapshotIds(): Promise<string[]>;
  close(): Promise<void>;
}
