/** @module storage/testing/contract: the ObjectStore contract suite every provider must pass. */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { mapLimit } from '../../util/index.ts';
import { ObjectNotFoundError, isStorageError } from '../errors.ts';
import { compareKeys, type ObjectInfo, type ObjectStore } from '../object-store.ts';
import { generatedStream, readAll, sha256Of } from './streams.ts';

export interface ContractOptions {
  /** A store on a bucket that does not exist, for the NoSuchBucket checks. */
  missingBucket?: () => Promise<ObjectStore>;
  /** Provider-specific proof that a failed upload left nothing behind (multipart uploads, temp files). */
  assertNoUploadLeftovers?: (store: ObjectStore, key: string) => Promise<void>;
  /** The most live buffer memory a streamed upload may add (its part buffers); default 32 MiB. */
  maxBufferedBytes?: number;
}

const MiB = 1024 * 1024;

/** Registers the contract tests for the store `factory` builds (once, for the whole suite). */
export function objectStoreContract(name: string, factory: () => Promise<ObjectStore>, opts: ContractOptions = {}): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    const base = `contract-${randomBytes(4).toString('hex')}`;
    before(async () => {
      store = await factory();
    });
    after(async () => {
      await store.close();
    });
    /** A fresh prefix for one test, emptied when the test ends. */
    const scratch = (t: TestContext): string => {
      const p = `${base}/${t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}-${randomBytes(3).toString('hex')}/`;
      t.after(() => emptyPrefix(store, p));
      return p;
    };

    test('puts and gets Buffers, strings and Uint8Arrays; overwrites replace', async (t) => {
      const p = scratch(t);
      const bytes = randomBytes(300 * 1024);
      await store.putObject(`${p}buffer.bin`, bytes);
      await store.putObject(`${p}text.json`, '{"a":"ü"}', { contentType: 'application/json' });
      await store.putObject(`${p}u8`, new Uint8Array([1, 2, 3]));
      assert.deepEqual(await readAll(await store.getObject(`${p}buffer.bin`)), bytes);
      assert.equal((await readAll(await store.getObject(`${p}text.json`))).toString('utf8'), '{"a":"ü"}');
      assert.deepEqual([...(await readAll(await store.getObject(`${p}u8`)))], [1, 2, 3]);
      await store.putObject(`${p}u8`, 'replaced');
      assert.equal((await readAll(await store.getObject(`${p}u8`))).toString(), 'replaced');
      assert.equal(await store.objectExists(`${p}u8`), true);
      assert.equal(await store.objectExists(`${p}nope`), false);
      assert.equal(await store.objectExists(`${p}u`), false, 'a key prefix is not an object');
    });

    test('empty objects: a 0-byte Buffer and a 0-byte stream', async (t) => {
      const p = scratch(t);
      await store.putObject(`${p}empty-buffer`, Buffer.alloc(0));
      await store.putObject(`${p}empty-stream`, Readable.from([]));
      for (const k of ['empty-buffer', 'empty-stream']) {
        assert.equal(await store.objectExists(`${p}${k}`), true, k);
        assert.equal((await readAll(await store.getObject(`${p}${k}`))).length, 0, k);
      }
      assert.deepEqual((await listAll(store, p)).map((o) => o.size), [0, 0]);
    });

    test('streams 40 MiB of unknown length with bounded memory', async (t) => {
      const p = scratch(t);
      const body = await generatedStream(40 * MiB, { sampleEvery: 2 * MiB });
      await store.putObject(`${p}big.bin`, body.stream);
      const got = await sha256Of(await store.getObject(`${p}big.bin`));
      assert.equal(got.size, 40 * MiB);
      assert.equal(got.hex, body.digest());
      const bound = (opts.maxBufferedBytes ?? 32 * MiB) + 8 * MiB; // + noise: buffers freed a little late
      assert.ok(body.peakGrowth() < bound, `upload held ${(body.peakGrowth() / MiB).toFixed(1)} MiB of buffers (bound ${bound / MiB} MiB)`);
      assert.deepEqual((await listAll(store, p)).map((o) => [o.key, o.size]), [[`${p}big.bin`, 40 * MiB]]);
    });

    test('unicode keys, spaces and URL-special characters round-trip', async (t) => {
      const p = scratch(t);
      const keys = [`${p}données/ünïcødé-キー.txt`, `${p}with space/a b.json`, `${p}plus+percent%25&amp=x`, `${p}emoji-🚀`].sort(compareKeys);
      for (const k of keys) await store.putObject(k, k);
      assert.deepEqual((await listAll(store, p)).map((o) => o.key), keys);
      for (const k of keys) assert.equal((await readAll(await store.getObject(k))).toString('utf8'), k);
      assert.deepEqual(await store.listCommonPrefixes(p, '/'), [`${p}données/`, `${p}with space/`].sort(compareKeys));
    });

    test('listObjects pages past 1000 keys, in order, with sizes and times', async (t) => {
      const p = scratch(t);
      const keys = Array.from({ length: 1005 }, (_, i) => `${p}k/${String(i).padStart(5, '0')}`);
      const started = Date.now();
      await mapLimit(keys, 16, (k) => store.putObject(k, 'xy'));
      const listed = await listAll(store, p);
      assert.equal(listed.length, 1005);
      assert.deepEqual(listed.map((o) => o.key), keys);
      assert.ok(listed.every((o) => o.size === 2));
      const first = listed[0]!.lastModified;
      assert.ok(first instanceof Date && Math.abs(first.getTime() - started) < 5 * 60_000, `lastModified ${String(first)}`);
      assert.deepEqual(await store.listCommonPrefixes(p, '/'), [`${p}k/`]);
    });

    test('listCommonPrefixes with and without a trailing delimiter', async (t) => {
      const p = scratch(t);
      for (const k of ['backups/a/x', 'backups/a/y', 'backups/b/z', 'backups/top.json', 'backupsX/m', 'restores/r/q', 'root.txt']) await store.putObject(`${p}${k}`, k);
      assert.deepEqual(await store.listCommonPrefixes(p, '/'), [`${p}backups/`, `${p}backupsX/`, `${p}restores/`]);
      assert.deepEqual(await store.listCommonPrefixes(`${p}backups/`, '/'), [`${p}backups/a/`, `${p}backups/b/`]);
      assert.deepEqual(await store.listCommonPrefixes(`${p}backups`, '/'), [`${p}backups/`, `${p}backupsX/`]);
      assert.deepEqual(await store.listCommonPrefixes(`${p}backups/a/`, '/'), [], 'only objects below');
      assert.deepEqual(await store.listCommonPrefixes(`${p}nothing/`, '/'), []);
      assert.deepEqual((await listAll(store, `${p}backups/a`)).map((o) => o.key), [`${p}backups/a/x`, `${p}backups/a/y`]);
      assert.deepEqual((await listAll(store, `${p}backups`)).length, 5);
    });

    test('deleteObject removes the object; a missing key is not an error', async (t) => {
      const p = scratch(t);
      await store.putObject(`${p}d/one/a`, 'a');
      await store.putObject(`${p}d/two/b`, 'b');
      await store.deleteObject(`${p}d/one/a`);
      assert.equal(await store.objectExists(`${p}d/one/a`), false);
      assert.deepEqual(await store.listCommonPrefixes(`${p}d/`, '/'), [`${p}d/two/`], 'no empty "directory" is left');
      await store.deleteObject(`${p}d/one/a`);
      await store.deleteObject(`${p}never/existed`);
      assert.deepEqual((await listAll(store, p)).map((o) => o.key), [`${p}d/two/b`]);
    });

    test('getObject of a missing key rejects with ObjectNotFoundError naming the key', async (t) => {
      const p = scratch(t);
      await assert.rejects(store.getObject(`${p}missing.json`), (err: unknown) => {
        assert.ok(err instanceof ObjectNotFoundError, String(err));
        assert.equal(err.reason, 'NotFound');
        assert.equal(err.key, `${p}missing.json`);
        assert.match(err.message, /missing\.json/);
        assert.ok(err.message.includes(store.bucket), err.message);
        return true;
      });
    });

    test('getObjectRange reads byte ranges; short at the end, empty past it', async (t) => {
      const p = scratch(t);
      const bytes = randomBytes(100_000);
      await store.putObject(`${p}ranged.bin`, bytes);
      assert.deepEqual(await store.getObjectRange(`${p}ranged.bin`, 0, 10), bytes.subarray(0, 10));
      assert.deepEqual(await store.getObjectRange(`${p}ranged.bin`, 54_321, 4096), bytes.subarray(54_321, 54_321 + 4096));
      assert.deepEqual(await store.getObjectRange(`${p}ranged.bin`, 99_990, 64), bytes.subarray(99_990), 'only what exists');
      assert.equal((await store.getObjectRange(`${p}ranged.bin`, 100_000, 8)).length, 0, 'at the end');
      assert.equal((await store.getObjectRange(`${p}ranged.bin`, 200_000, 8)).length, 0, 'past the end');
      assert.equal((await store.getObjectRange(`${p}ranged.bin`, 5, 0)).length, 0, 'zero length');
      await assert.rejects(store.getObjectRange(`${p}missing.bin`, 0, 10), (err: unknown) => err instanceof ObjectNotFoundError || fail(err));
      await assert.rejects(store.getObjectRange(`${p}missing.bin`, 0, 0), (err: unknown) => err instanceof ObjectNotFoundError || fail(err));
      await assert.rejects(store.getObjectRange(`${p}ranged.bin`, -1, 10), (err: unknown) => isStorageError(err, 'InvalidArgument') || fail(err));
    });

    test('ifNoneMatch creates once; a second create fails with AlreadyExists and keeps the first', async (t) => {
      const p = scratch(t);
      await store.putObject(`${p}lock`, 'first', { ifNoneMatch: true });
      await assert.rejects(store.putObject(`${p}lock`, 'second', { ifNoneMatch: true }), (err: unknown) => isStorageError(err, 'AlreadyExists') || fail(err));
      assert.equal((await readAll(await store.getObject(`${p}lock`))).toString(), 'first');
      const racers = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.putObject(`${p}race`, `w${i}`, { ifNoneMatch: true })));
      assert.equal(racers.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one concurrent create wins');
      assert.deepEqual((await listAll(store, p)).map((o) => o.key), [`${p}lock`, `${p}race`]);
      await assert.rejects(store.putObject(`${p}stream`, Readable.from(['x']), { ifNoneMatch: true }), (err: unknown) => isStorageError(err, 'InvalidArgument') || fail(err));
    });

    test('a signed URL downloads the object without credentials', async (t) => {
      const p = scratch(t);
      const bytes = randomBytes(4096);
      await store.putObject(`${p}signed/the file.bin`, bytes);
      const url = await store.createSignedUrl(`${p}signed/the file.bin`, 60_000);
      assert.deepEqual(await fetchUrl(url), { status: 200, body: bytes });
      const missing = await fetchUrl(await store.createSignedUrl(`${p}signed/missing`, 60_000));
      assert.equal(missing.status, 404);
    });

    test('a failing body stream leaves no object and no partial upload', async (t) => {
      const p = scratch(t);
      const body = await generatedStream(64 * MiB, { failAfter: 12 * MiB });
      await assert.rejects(store.putObject(`${p}broken.bin`, body.stream), (err: unknown) => isStorageError(err, 'SourceFailed') || fail(err));
      assert.equal(body.stream.destroyed, true, 'the source is destroyed');
      assert.equal(await store.objectExists(`${p}broken.bin`), false);
      assert.deepEqual(await listAll(store, p), []);
      await opts.assertNoUploadLeftovers?.(store, `${p}broken.bin`);
    });

    test('an aborted upload rejects with Aborted and leaves nothing', async (t) => {
      const p = scratch(t);
      const body = await generatedStream(64 * MiB, { delayMs: 2 });
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 150);
      await assert.rejects(store.putObject(`${p}aborted.bin`, body.stream, { signal: ctl.signal }), (err: unknown) => isStorageError(err, 'Aborted') || fail(err));
      assert.equal(await store.objectExists(`${p}aborted.bin`), false);
      await opts.assertNoUploadLeftovers?.(store, `${p}aborted.bin`);
      await assert.rejects(store.putObject(`${p}pre-aborted`, 'x', { signal: AbortSignal.abort() }), (err: unknown) => isStorageError(err, 'Aborted') || fail(err));
    });

    if (opts.missingBucket) {
      const missingBucket = opts.missingBucket;
      test('every operation on a missing bucket fails with NoSuchBucket', async () => {
        const gone = await missingBucket();
        try {
          const isNoBucket = (err: unknown): boolean => isStorageError(err, 'NoSuchBucket') || fail(err);
          await assert.rejects(gone.putObject('a/b', 'x'), isNoBucket);
          await assert.rejects(gone.getObject('a/b'), isNoBucket);
          await assert.rejects(gone.listCommonPrefixes('', '/'), isNoBucket);
          await assert.rejects(listAll(gone, ''), isNoBucket);
        } finally {
          await gone.close();
        }
      });
    }
  });
}

function fail(err: unknown): never {
  throw err instanceof Error ? err : new Error(String(err));
}

export async function listAll(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of store.listObjects(prefix)) out.push(o);
  return out;
}

/** Deletes every object under `prefix`. */
export async function emptyPrefix(store: ObjectStore, prefix: string): Promise<void> {
  const keys = (await listAll(store, prefix)).map((o) => o.key);
  await mapLimit(keys, 16, (k) => store.deleteObject(k));
}

/** GETs an http(s) URL with undici, or reads a file:// URL; a missing file is a 404. */
async function fetchUrl(url: string): Promise<{ status: number; body: Buffer }> {
  if (url.startsWith('file:')) {
    try {
      return { status: 200, body: await readFile(fileURLToPath(url)) };
    } catch {
      return { status: 404, body: Buffer.alloc(0) };
    }
  }
  const res = await request(url);
  return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()) };
}
