/** @module storage/local/local-object-store: an ObjectStore over a directory; atomic writes, S3-like listing order. */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { isAbortError, throwIfAborted } from '../../util/index.ts';
import { ObjectNotFoundError, StorageError, describeTarget, type StorageErrorReason } from '../errors.ts';
import { bodyBytes, checkCommonKey, checkConditionalBody, checkRange, compareKeys, isStreamBody, trackSourceError, type ObjectBody, type ObjectInfo, type ObjectOptions, type ObjectStore, type PutObjectOptions } from '../object-store.ts';
import { TEMP_PREFIX, bucketProblem, invalidKey, keyProblem, prefixProblem, splitPrefix } from './paths.ts';

export interface LocalObjectStoreOptions {
  /** The directory that holds bucket directories; absolute. */
  root: string;
  /** The bucket: a directory directly under `root`. */
  bucket: string;
  /** Create the bucket directory when it is missing (otherwise operations fail with NoSuchBucket, as on S3). */
  createBucket?: boolean;
}

const PROVIDER = 'local';

/**
 * Keys map to files under `<root>/<bucket>/`. A write goes to a temporary file in the key's directory,
 * is flushed to disk, then renamed over the key: a reader sees the old object or the new one, never half.
 * Deleting a key removes the directories it leaves empty, so listings match S3's (no empty "folders").
 */
export class LocalObjectStore implements ObjectStore {
  readonly provider = PROVIDER;
  readonly bucket: string;
  /** The bucket directory. */
  readonly dir: string;

  private constructor(root: string, bucket: string) {
    this.bucket = bucket;
    this.dir = join(root, bucket);
  }

  static async open(opts: LocalObjectStoreOptions): Promise<LocalObjectStore> {
    if (!isAbsolute(opts.root)) {
      throw new StorageError({ reason: 'InvalidConfig', provider: PROVIDER, bucket: opts.bucket, message: `local provider: the storage root ${JSON.stringify(opts.root)} must be an absolute path` });
    }
    const problem = bucketProblem(opts.bucket);
    if (problem) throw new StorageError({ reason: 'InvalidConfig', provider: PROVIDER, bucket: opts.bucket, message: `local provider: the bucket name ${JSON.stringify(opts.bucket)} ${problem}` });
    const store = new LocalObjectStore(opts.root, opts.bucket);
    if (opts.createBucket) await mkdir(store.dir, { recursive: true }).catch((err: unknown) => { throw fsError(err, 'open', store.bucket, undefined); });
    return store;
  }

  async putObject(key: string, body: ObjectBody, opts: PutObjectOptions = {}): Promise<void> {
    const op = 'putObject';
    const source = trackSourceError(body);
    try {
      this.checkKey(op, key);
      checkConditionalBody(body, opts, { provider: PROVIDER, bucket: this.bucket, key });
      throwIfAborted(opts.signal);
      await this.requireBucket(op, key);
      const file = this.pathOf(key);
      const tmp = await this.openTemp(op, key, dirname(file));
      try {
        await writeBody(tmp.handle, body, opts.signal);
        if (opts.ifNoneMatch) await this.linkExclusive(tmp.path, file, key);
        else await rename(tmp.path, file);
      } catch (err) {
        await tmp.handle.close().catch(() => undefined);
        await rm(tmp.path, { force: true });
        throw err;
      }
    } catch (err) {
      // The caller's producer must not wait forever on a stream nobody reads any more.
      if (isStreamBody(body) && !body.destroyed) body.destroy();
      throw this.writeError(err, op, key, source.failed(err), opts.signal);
    } finally {
      source.stop();
    }
  }

  async getObject(key: string, opts: ObjectOptions = {}): Promise<Readable> {
    const op = 'getObject';
    this.checkKey(op, key);
    throwIfAborted(opts.signal);
    const { handle } = await this.openFile(op, key);
    const stream = handle.createReadStream();
    return opts.signal ? addAbortSignal(opts.signal, stream) : stream;
  }

  async getObjectRange(key: string, offset: number, length: number, opts: ObjectOptions = {}): Promise<Buffer> {
    const op = 'getObjectRange';
    this.checkKey(op, key);
    checkRange(offset, length, { provider: PROVIDER, bucket: this.bucket, key });
    throwIfAborted(opts.signal);
    const { handle, size } = await this.openFile(op, key);
    try {
      const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
      let filled = 0;
      while (filled < out.length) {
        const { bytesRead } = await handle.read(out, filled, out.length - filled, offset + filled);
        if (bytesRead === 0) break; // truncated meanwhile
        filled += bytesRead;
      }
      return filled === out.length ? out : out.subarray(0, filled);
    } catch (err) {
      throw fsError(err, op, this.bucket, key);
    } finally {
      await handle.close();
    }
  }

  async objectExists(key: string): Promise<boolean> {
    const op = 'objectExists';
    this.checkKey(op, key);
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (err) {
      if (!isMissing(err)) throw fsError(err, op, this.bucket, key);
      await this.requireBucket(op, key);
      return false;
    }
  }

  async listCommonPrefixes(prefix: string, delimiter: string, opts: ObjectOptions = {}): Promise<string[]> {
    const op = 'listCommonPrefixes';
    this.checkPrefix(op, prefix);
    await this.requireBucket(op, prefix);
    if (delimiter === '') return [];
    const out: string[] = [];
    if (delimiter === '/') {
      // Fast path: the common prefixes are the sub-directories that hold at least one object.
      const [dirKey, namePrefix] = splitPrefix(prefix);
      for (const e of await this.readDir(dirKey, op)) {
        if (!e.isDirectory() || !e.name.startsWith(namePrefix)) continue;
        throwIfAborted(opts.signal);
        if (await this.hasObjects(`${dirKey}${e.name}/`)) out.push(`${dirKey}${e.name}/`);
      }
    } else {
      const seen = new Set<string>();
      for await (const o of this.listObjects(prefix, opts)) {
        const i = o.key.indexOf(delimiter, prefix.length);
        if (i >= 0) seen.add(o.key.slice(0, i + delimiter.length));
      }
      out.push(...seen);
    }
    return out.sort(compareKeys);
  }

  async *listObjects(prefix: string, opts: ObjectOptions = {}): AsyncIterable<ObjectInfo> {
    const op = 'listObjects';
    this.checkPrefix(op, prefix);
    await this.requireBucket(op, prefix);
    const [dirKey, namePrefix] = splitPrefix(prefix);
    yield* this.walk(dirKey, namePrefix, op, opts.signal);
  }

  async deleteObject(key: string): Promise<void> {
    const op = 'deleteObject';
    this.checkKey(op, key);
    const file = this.pathOf(key);
    try {
      await unlink(file);
    } catch (err) {
      if (isMissing(err)) return this.requireBucket(op, key);
      // A key that names a directory is not an object: nothing to delete, as on S3.
      if (codeOf(err) === 'EISDIR' || codeOf(err) === 'EPERM') {
        if ((await stat(file).catch(() => undefined))?.isDirectory()) return;
      }
      throw fsError(err, op, this.bucket, key);
    }
    await this.pruneEmptyDirs(dirname(file));
  }

  /** A `file://` URL: valid only on this machine, and it never expires (there is nothing to sign). */
  async createSignedUrl(key: string, ttlMs: number): Promise<string> {
    this.checkKey('createSignedUrl', key);
    if (!(ttlMs > 0)) throw new StorageError({ reason: 'InvalidArgument', provider: PROVIDER, bucket: this.bucket, key, message: `createSignedUrl: the TTL must be positive (got ${ttlMs} ms)` });
    return pathToFileURL(this.pathOf(key)).href;
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    return join(this.dir, ...key.split('/'));
  }

  private checkKey(op: string, key: string): void {
    checkCommonKey(key, { provider: PROVIDER, bucket: this.bucket, operation: op });
    const problem = keyProblem(key);
    if (problem) throw invalidKey(op, this.bucket, key, problem);
  }

  private checkPrefix(op: string, prefix: string): void {
    const problem = prefixProblem(prefix);
    if (problem) throw invalidKey(op, this.bucket, prefix, problem, 'prefix');
  }

  /**
   * The object's file, open for reading, and its size. A missing key, or one that names a directory (which
   * opens for reading on POSIX: the isFile check refuses it), is ObjectNotFound, as on S3.
   */
  private async openFile(op: string, key: string): Promise<{ handle: FileHandle; size: number }> {
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(key), 'r');
    } catch (err) {
      if (!isMissing(err)) throw fsError(err, op, this.bucket, key);
      await this.requireBucket(op, key);
      throw new ObjectNotFoundError({ provider: PROVIDER, bucket: this.bucket, key, operation: op });
    }
    const st = await handle.stat().catch(async (err: unknown) => {
      await handle.close();
      throw fsError(err, op, this.bucket, key);
    });
    if (st.isFile()) return { handle, size: st.size };
    await handle.close();
    throw new ObjectNotFoundError({ provider: PROVIDER, bucket: this.bucket, key, operation: op });
  }

  private async requireBucket(op: string, key: string | undefined): Promise<void> {
    try {
      if ((await stat(this.dir)).isDirectory()) return;
    } catch (err) {
      if (!isMissing(err)) throw fsError(err, op, this.bucket, key);
    }
    throw new StorageError({ reason: 'NoSuchBucket', provider: PROVIDER, bucket: this.bucket, key, operation: op, message: `${op}: local bucket ${JSON.stringify(this.bucket)} does not exist (no directory ${this.dir})` });
  }

  /** Creates the key's directory and a temporary file in it; retried when a concurrent delete prunes the directory. */
  private async openTemp(op: string, key: string, dir: string): Promise<{ path: string; handle: FileHandle }> {
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(dir, { recursive: true });
        const path = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
        return { path, handle: await open(path, 'wx', 0o644) };
      } catch (err) {
        if (codeOf(err) === 'ENOENT' && attempt < 5) continue;
        if (codeOf(err) === 'ENOTDIR' || codeOf(err) === 'EEXIST') throw invalidKey(op, this.bucket, key, 'lies under another object (a parent of the key is a file)');
        throw err;
      }
    }
  }

  /** Publishes a finished temp file only when the key is free: link(2) fails on an existing name, atomically. */
  private async linkExclusive(tmp: string, file: string, key: string): Promise<void> {
    try {
      await link(tmp, file);
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw err;
      throw new StorageError({ reason: 'AlreadyExists', provider: PROVIDER, bucket: this.bucket, key, operation: 'putObject', message: `putObject: key ${JSON.stringify(key)} already exists in local bucket ${JSON.stringify(this.bucket)} (create-only write)` });
    } finally {
      await rm(tmp, { force: true });
    }
  }

  private async readDir(dirKey: string, op: string): Promise<Dirent[]> {
    try {
      const entries = await readdir(join(this.dir, ...dirKey.split('/').filter(Boolean)), { withFileTypes: true });
      return entries.filter((e) => !e.name.startsWith(TEMP_PREFIX));
    } catch (err) {
      if (isMissing(err)) return [];
      throw fsError(err, op, this.bucket, dirKey);
    }
  }

  /** Objects under `dirKey` whose first name starts with `namePrefix`, in S3 order (a directory sorts as `name/`). */
  private async *walk(dirKey: string, namePrefix: string, op: string, signal?: AbortSignal): AsyncGenerator<ObjectInfo> {
    const entries = (await this.readDir(dirKey, op))
      .filter((e) => e.name.startsWith(namePrefix) && (e.isDirectory() || e.isFile()))
      .map((e) => ({ e, order: e.isDirectory() ? `${e.name}/` : e.name }))
      .sort((a, b) => compareKeys(a.order, b.order));
    for (const { e } of entries) {
      throwIfAborted(signal);
      const key = `${dirKey}${e.name}`;
      if (e.isDirectory()) {
        yield* this.walk(`${key}/`, '', op, signal);
        continue;
      }
      const st = await stat(this.pathOf(key)).catch((err: unknown) => {
        if (isMissing(err)) return undefined; // deleted while listing
        throw fsError(err, op, this.bucket, key);
      });
      if (st?.isFile()) yield { key, size: st.size, lastModified: st.mtime };
    }
  }

  private async hasObjects(dirKey: string): Promise<boolean> {
    const it = this.walk(dirKey, '', 'listCommonPrefixes');
    const first = await it.next();
    await it.return(undefined);
    return !first.done;
  }

  private async pruneEmptyDirs(from: string): Promise<void> {
    for (let dir = from; dir.startsWith(this.dir + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): the directories above are not empty either
      }
    }
  }

  private writeError(err: unknown, op: string, key: string, sourceFailed: boolean, signal: AbortSignal | undefined): StorageError {
    if (err instanceof StorageError) return err;
    const target = { provider: PROVIDER, bucket: this.bucket, key, operation: op };
    if (signal?.aborted || isAbortError(err)) return new StorageError({ ...target, reason: 'Aborted', message: `${op}: writing ${describeTarget(target)} was aborted`, cause: err });
    if (sourceFailed) {
      return new StorageError({ ...target, reason: 'SourceFailed', message: `${op}: the body stream failed while writing ${describeTarget(target)}: ${(err as Error).message}`, cause: err });
    }
    return fsError(err, op, this.bucket, key);
  }
}

async function writeBody(handle: FileHandle, body: ObjectBody, signal: AbortSignal | undefined): Promise<void> {
  // flush: fsync before close, so the rename never publishes a file whose bytes are still in the page cache only.
  const out = handle.createWriteStream({ flush: true });
  if (isStreamBody(body)) await pipeline(body, out, signal ? { signal } : {});
  else await pipeline([bodyBytes(body)], out, signal ? { signal } : {});
}

const REASON_BY_CODE: Record<string, StorageErrorReason> = {
  EACCES: 'AccessDenied',
  EPERM: 'AccessDenied',
  EROFS: 'AccessDenied',
  ENOSPC: 'ServerError',
  EDQUOT: 'ServerError',
  EIO: 'ServerError',
  ENAMETOOLONG: 'InvalidKey',
};

function fsError(err: unknown, op: string, bucket: string, key: string | undefined): StorageError {
  const code = codeOf(err);
  const target = { provider: PROVIDER, bucket, key, operation: op };
  return new StorageError({ ...target, reason: (code && REASON_BY_CODE[code]) || 'Unknown', message: `${op}: ${describeTarget(target)} failed: ${(err as Error).message ?? String(err)}`, cause: err });
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isMissing(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}
