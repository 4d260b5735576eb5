/** @module repo/pack.test: pack layout, header reads from the tail (one or two ranged reads), header checks. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../storage/index.ts';
import { openBlobRaw, sealObject } from './blob.ts';
import { CryptoPool } from './crypto-pool.ts';
import { MasterKey, sha256Hex } from './crypto.ts';
import { RepoIntegrityError } from './errors.ts';
import { HEADER_ENTRY_BYTES, PackBuilder, decodeHeader, encodeHeader, packIdOfKey, packKey, readPackHeader } from './pack.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-pack-'));
after(() => rm(root, { recursive: true, force: true }));
const key = new MasterKey();
const pool = new CryptoPool(key, { threads: 1 });
after(() => pool.close());

async function buildPack(blobs: Buffer[]): Promise<{ id: string; bytes: Buffer; ids: string[] }> {
  const b = new PackBuilder(pool.inlineLane);
  const ids: string[] = [];
  for (const [i, plain] of blobs.entries()) {
    const id = key.idOf(plain);
    const bytes = sealObject(key, plain, 'zstd');
    b.add(id, i % 2 ? 'tree' : 'data', { lane: pool.inlineLane, length: bytes.length, bytes }, plain.length);
    ids.push(id);
  }
  const { id, bytes } = await b.finish(key, pool);
  return { id, bytes, ids };
}

test('a pack is blobs, then the sealed header, then its length; the id is the SHA-256 of the sealed header', async () => {
  const store = await LocalObjectStore.open({ root, bucket: 'one', createBucket: true });
  const blobs = [Buffer.from('a'.repeat(5000)), Buffer.from('second'), Buffer.alloc(0)];
  const { id, bytes, ids } = await buildPack(blobs);
  const headerLength = bytes.readUInt32LE(bytes.length - 4);
  assert.equal(id, sha256Hex(bytes.subarray(bytes.length - 4 - headerLength, bytes.length - 4)));
  await store.putObject(packKey('p/', id), bytes);
  assert.equal(packIdOfKey('p/', packKey('p/', id)), id);
  assert.equal(packIdOfKey('p/', `p/data/zz/${id}`), undefined);
  const entries = await readPackHeader(store, key, 'p/', id, bytes.length);
  assert.deepEqual(entries.map((e) => [e.id, e.type, e.rawLength]), ids.map((x, i) => [x, i % 2 ? 'tree' : 'data', blobs[i]!.length]));
  for (const [i, e] of entries.entries()) assert.deepEqual(openBlobRaw(key, bytes.subarray(e.offset, e.offset + e.length), e.id, e.rawLength), blobs[i]);
  await assert.rejects(readPackHeader(store, key, 'p/', id, bytes.length + 10), (err: unknown) => err instanceof RepoIntegrityError && /shorter than listed/.test(err.message));
  const other = 'f'.repeat(64);
  await store.putObject(packKey('p/', other), bytes);
  await assert.rejects(readPackHeader(store, key, 'p/', other, bytes.length), (err: unknown) => err instanceof RepoIntegrityError && /does not match the pack name/.test(err.message));
});

test('a header larger than the first tail read is fetched with a second ranged read', async () => {
  const store = await LocalObjectStore.open({ root, bucket: 'big', createBucket: true });
  const blobs = Array.from({ length: 2000 }, (_, i) => Buffer.from(`small blob ${i}`));
  const { id, bytes, ids } = await buildPack(blobs);
  assert.ok(2000 * HEADER_ENTRY_BYTES > 64 * 1024);
  await store.putObject(packKey('', id), bytes);
  const reads: Array<[number, number]> = [];
  const range = store.getObjectRange.bind(store);
  store.getObjectRange = (k, offset, length, o) => {
    reads.push([offset, length]);
    return range(k, offset, length, o);
  };
  const entries = await readPackHeader(store, key, '', id, bytes.length);
  assert.equal(reads.length, 2);
  assert.deepEqual(entries.map((e) => e.id), ids);
});

test('header entries must tile the blob area exactly', () => {
  const entries = [{ id: 'a'.repeat(64), type: 'data' as const, offset: 0, length: 100, rawLength: 50 }];
  assert.deepEqual(decodeHeader(encodeHeader(entries), 100, 'p'), entries);
  assert.throws(() => decodeHeader(encodeHeader(entries), 101, 'p'), (err: unknown) => err instanceof RepoIntegrityError && /cover 100 bytes/.test(err.message));
  const bad = encodeHeader(entries);
  bad[1] = 9;
  assert.throws(() => decodeHeader(bad, 100, 'p'), /unknown type 9/);
  assert.throws(() => decodeHeader(Buffer.from([2]), 0, 'p'), /unknown header version 2/);
  assert.throws(() => decodeHeader(encodeHeader(entries).subarray(0, 30), 100, 'p'), /not a whole number/);
});
