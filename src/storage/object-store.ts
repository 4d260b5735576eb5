/** @module storage/object-store: the provider-neutral ObjectStore seam (after Velero's ObjectStore plugin contract). */
import { Readable } from 'node:stream';
import { StorageError } from './errors.ts';

/** What putObject accepts: a stream of unknown length, or bytes already in memory. */
export type ObjectBody = Readable | Uint8Array | string;

export interface PutObjectOptions {
  contentType?: string;
  signal?: AbortSignal;
  /**
   * Create only: when the key exists the write fails with reason `AlreadyExists` and the object is left as it
   * was (S3 `If-None-Match: *`; local: an exclusive link). Needs an in-memory body (not a stream).
   */
  ifNoneMatch?: boolean;
}

export interface ObjectOptions {
  signal?: AbortSignal;
}

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified?: Date;
}

/**
 * One bucket of one provider. Keys are relative to the bucket and use `/` separators; prefixes (the BSL's
 * `prefix`, Velero's layout) are the BackupStore's business, not the provider's.
 */
export interface ObjectStore {
  /** The provider's canonical name (`aws`, `local`). */
  readonly provider: string;
  readonly bucket: string;
  /** Writes the whole object or nothing: a failed or aborted upload leaves no object and no partial upload. */
  putObject(key: string, body: ObjectBody, opts?: PutObjectOptions): Promise<void>;
  /** The object's bytes as a stream (read it to the end or destroy it: it holds a connection or a file); a missing key rejects with ObjectNotFoundError. */
  getObject(key: string, opts?: ObjectOptions): Promise<Readable>;
  /**
   * Bytes `[offset, offset + length)` of the object, in memory: fewer only where the object ends (none when
   * `offset` is at or past its end). A missing key rejects with ObjectNotFoundError.
   */
  getObjectRange(key: string, offset: number, length: number, opts?: ObjectOptions): Promise<Buffer>;
  objectExists(key: string, opts?: ObjectOptions): Promise<boolean>;
  /**
   * Every common prefix under `prefix` (all pages), each the *full* prefix including the delimiter,
   * in lexicographic order: `listCommonPrefixes('backups/', '/')` → `['backups/a/', 'backups/b/']`.
   */
  listCommonPrefixes(prefix: string, delimiter: string, opts?: ObjectOptions): Promise<string[]>;
  /** Every object whose key starts with `prefix`, page by page, in lexicographic (UTF-8 byte) order. */
  listObjects(prefix: string, opts?: ObjectOptions): AsyncIterable<ObjectInfo>;
  /** Deletes the object; a missing key is not an error. */
  deleteObject(key: string, opts?: ObjectOptions): Promise<void>;
  /** A URL that downloads the object without credentials for `ttlMs` (Velero's DownloadRequest uses 10 min). */
  createSignedUrl(key: string, ttlMs: number): Promise<string>;
  /** Releases sockets and other resources; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** S3's limit, and a sane one for every provider. */
export const MAX_KEY_BYTES = 1024;

/** Rejects keys no provider can store: empty, too long, or containing NUL. Providers add their own rules. */
export function checkCommonKey(key: string, target: { provider: string; bucket: string; operation: string }): void {
  let problem: string | undefined;
  if (key.length === 0) problem = 'is empty';
  else if (Buffer.byteLength(key) > MAX_KEY_BYTES) problem = `is longer than ${MAX_KEY_BYTES} bytes`;
  else if (key.includes('\0')) problem = 'contains a NUL character';
  if (problem) {
    throw new StorageError({ ...target, reason: 'InvalidKey', key, message: `${target.operation}: the key ${JSON.stringify(key)} ${problem} (${target.provider} bucket ${JSON.stringify(target.bucket)})` });
  }
}

export function isStreamBody(body: ObjectBody): body is Readable {
  return body instanceof Readable;
}

/** In-memory bodies as a Buffer (no copy for Buffers). */
export function bodyBytes(body: Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** Rejects a negative or fractional range. */
export function checkRange(offset: number, length: number, target: { provider: string; bucket: string; key: string }): void {
  if (Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length >= 0) return;
  throw new StorageError({ ...target, reason: 'InvalidArgument', operation: 'getObjectRange', message: `getObjectRange: offset and length must be non-negative integers (got ${offset}, ${length}) for key ${JSON.stringify(target.key)}` });
}

/** Rejects a conditional write of a stream: neither provider can do it atomically. */
export function checkConditionalBody(body: ObjectBody, opts: PutObjectOptions, target: { provider: string; bucket: string; key: string }): void {
  if (!opts.ifNoneMatch || !isStreamBody(body)) return;
  throw new StorageError({ ...target, reason: 'InvalidArgument', operation: 'putObject', message: `putObject: ifNoneMatch needs an in-memory body, not a stream (key ${JSON.stringify(target.key)})` });
}

/** Compares keys as S3 orders them: by UTF-8 bytes, not by UTF-16 code units. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Optional diagnostics sink. Never receives credentials or signed URLs. */
export type StorageLogger = (level: 'debug' | 'info' | 'warn', message: string) => void;

/** The environment, passed in (storage code never reads process.env). */
export type StorageEnv = Readonly<Record<string, string | undefined>>;

/**
 * Remembers the first error a body stream emits, so a failed upload can say whether the source or the
 * store failed. `stop()` removes the listener.
 */
export function trackSourceError(body: ObjectBody): { readonly error: unknown; failed(err: unknown): boolean; stop(): void } {
  let error: unknown;
  const onError = (err: unknown): void => {
    error ??= err ?? new Error('the body stream failed');
  };
  if (isStreamBody(body)) body.on('error', onError);
  return {
    get error() {
      return error;
    },
    failed: (err: unknown) => error !== undefined && (err === error || (err as { cause?: unknown } | null)?.cause === error),
    stop: () => {
      if (isStreamBody(body)) body.off('error', onError);
    },
  };
}
