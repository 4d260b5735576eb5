/** @module repo/blob.test: sealing, content ids, the compression decision, the crypto pool and the scrypt KDF. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BlobProblem, FLAG_RAW, FLAG_ZSTD, frame, lowEntropy, openBlobInto, openBlobRaw, openObject, sealObject, unframe } from './blob.ts';
import { CryptoPool } from './crypto-pool.ts';
import { MasterKey, SEAL_OVERHEAD, deriveKey, kdfProblem, openWith, sealWith } from './crypto.ts';
import { RepoIntegrityError } from './errors.ts';

const key = new MasterKey();
const framed = (plain: Uint8Array, c: 'zstd' | 'none'): Buffer => Buffer.concat(frame(plain, c));

test('seal/open round-trip; a flipped byte or another key fails authentication; ids are keyed', () => {
  for (const size of [0, 1, 1000, 3 * 1024 * 1024 + 5]) {
    const plain = randomBytes(size);
    const sealed = key.seal(plain);
    assert.equal(sealed.length, size + SEAL_OVERHEAD);
    assert.deepEqual(key.open(sealed), plain);
    assert.deepEqual(key.open(key.seal(plain.subarray(0, 3), plain.subarray(3))), plain, 'parts seal as one plaintext');
    const flipped = Buffer.from(sealed);
    flipped[Math.floor(flipped.length / 2)]! ^= 1;
    assert.equal(key.open(flipped), undefined, `a flipped byte fails authentication (${size} bytes)`);
  }
  const other = new MasterKey();
  assert.equal(other.open(key.seal(Buffer.from('secret'))), undefined, 'another key cannot open it');
  assert.notEqual(other.idOf(Buffer.from('x')), key.idOf(Buffer.from('x')), 'ids are keyed');
  assert.equal(key.open(Buffer.alloc(10)), undefined, 'too short');
  assert.equal(new MasterKey(key.exportBytes()).idOf(Buffer.from('x')), key.idOf(Buffer.from('x')));
});

test('zstd only when it saves at least 1/16; incompressible data is stored raw', () => {
  const text = Buffer.from('the same words again and again; '.repeat(10_000));
  const f = framed(text, 'zstd');
  assert.equal(f[0], FLAG_ZSTD);
  assert.ok(f.length < text.length / 10);
  assert.deepEqual(unframe(f, text.length), text);
  assert.equal(framed(randomBytes(300 * 1024), 'zstd')[0], FLAG_RAW, 'random data skips compression');
  assert.equal(framed(text, 'none')[0], FLAG_RAW);
  assert.equal(framed(Buffer.from('short'), 'zstd')[0], FLAG_RAW);
  // Mostly random with a compressible middle large enough to matter: the samples must not rule it out.
  const mixed = Buffer.concat([randomBytes(16 * 1024), Buffer.alloc(512 * 1024, 'abc'), randomBytes(16 * 1024)]);
  assert.equal(framed(mixed, 'zstd')[0], FLAG_ZSTD);
  assert.throws(() => unframe(f, text.length - 1), BlobProblem);
  assert.throws(() => unframe(Buffer.from([7, 1, 2])), /unknown compression flag 7/);
  const doc = sealObject(key, Buffer.from('{"a":1}'), 'zstd');
  assert.equal(openObject(key, doc, { kind: 'snapshot' }).toString(), '{"a":1}');
  doc[doc.length - 1]! ^= 1;
  assert.throws(() => openObject(key, doc, { kind: 'snapshot', key: 'snapshots/x' }), (err: unknown) => err instanceof RepoIntegrityError && /snapshots\/x/.test(err.message));
});

test('the crypto pool: worker lanes hold sealed blobs until a pack asks for them; inline below 64 KiB', async () => {
  const pool = new CryptoPool(key, { threads: 2 });
  try {
    const small = Buffer.from('small blob');
    const hs = await pool.hash(small);
    const inline = await hs.seal('zstd');
    assert.equal(inline.lane, pool.inlineLane);
    assert.deepEqual(openBlobRaw(key, inline.bytes!, hs.id, small.length), small);

    const big = [Buffer.alloc(100 * 1024, 'first '), randomBytes(2 * 1024 * 1024), Buffer.alloc(70 * 1024, 'third ')];
    const refs = [];
    for (const b of big) {
      const h = await pool.hash(b);
      assert.equal(h.id, key.idOf(b));
      refs.push({ id: h.id, ref: await h.seal('zstd'), raw: b.length });
      assert.ok(b.length > 0, 'the caller keeps its buffer');
    }
    (await pool.hash(big[0]!)).drop();
    // Blobs of one lane are numbered in order; a pack of them is their bytes back to back, then the tail.
    const lane = refs[0]!.ref.lane;
    const ofLane = refs.filter((r) => r.ref.lane === lane);
    assert.deepEqual(ofLane.map((r) => r.ref.position), ofLane.map((_, i) => i));
    const bytes = await pool.packOf(lane, 0, ofLane.length, Buffer.from('TAIL'));
    let at = 0;
    for (const r of ofLane) {
      const sealed = bytes.subarray(at, at + r.ref.length);
      assert.deepEqual(openBlobRaw(key, sealed, r.id, r.raw), big[refs.indexOf(r)]);
      assert.deepEqual(await pool.open(sealed, { id: r.id, rawLength: r.raw }), big[refs.indexOf(r)]);
      await assert.rejects(pool.open(sealed, { id: 'ab'.repeat(32), rawLength: r.raw }), (err: unknown) => err instanceof BlobProblem && /its content has id/.test(err.message));
      const broken = Buffer.from(sealed);
      broken[SEAL_OVERHEAD]! ^= 0x80;
      await assert.rejects(pool.open(broken, { id: r.id, transfer: true }), (err: unknown) => err instanceof BlobProblem && /authentication failed/.test(err.message));
      at += r.ref.length;
    }
    assert.equal(bytes.subarray(at).toString(), 'TAIL');
    await assert.rejects(pool.packOf(lane, 0, 1, Buffer.alloc(0)), /was asked for/, 'a lane position is packed once');
    const doc = await pool.seal(Buffer.alloc(200 * 1024, 'doc '), 'zstd');
    assert.equal(openObject(key, doc, { kind: 'index' }).length, 200 * 1024);
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.seal(randomBytes(100_000), 'zstd'), /closed/);
});

test('small blobs: zstd is tried only when their byte entropy is low (random small files skip it)', () => {
  let tried = 0;
  for (let i = 0; i < 2000; i++) if (lowEntropy(randomBytes(128 + (i % 4000)))) tried++;
  assert.equal(tried, 0, 'random bytes of 128 B to 4 KiB never pass');
  const yaml = Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  level: info\n  port: "8080"\n  hosts: "a.example.com,b.example.com,c.example.com"\n  mode: replicated\n  timeout: 30s\n');
  assert.ok(lowEntropy(yaml));
  assert.equal(framed(yaml, 'zstd')[0], FLAG_ZSTD, 'small text is still compressed');
  assert.equal(framed(randomBytes(2000), 'zstd')[0], FLAG_RAW);
});

test('nonces never repeat, across seals drawn from several pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) seen.add(key.seal(Buffer.from('x')).toString('hex', 0, 12));
  assert.equal(seen.size, 5000);
});

test('sealing into and opening into a caller buffer give the same bytes as the allocating forms', () => {
  const scratch = Buffer.alloc(0);
  for (const plain of [Buffer.alloc(0), randomBytes(70_000), Buffer.alloc(300 * 1024, 'compressible ')]) {
    const out = Buffer.alloc(plain.length + SEAL_OVERHEAD + 1 + 7);
    const end = key.sealInto(out, 7, ...frame(plain, 'zstd'));
    const sealed = out.subarray(7, end);
    assert.deepEqual(openBlobRaw(key, sealed, key.idOf(plain), plain.length), plain);
    const into = Buffer.alloc(plain.length + 3);
    const r = openBlobInto(key, sealed, key.idOf(plain), plain.length, into, 3, scratch);
    assert.equal(r.end, plain.length + 3);
    assert.deepEqual(into.subarray(3), plain);
    assert.throws(() => openBlobInto(key, sealed, key.idOf(plain), plain.length + 1, Buffer.alloc(plain.length + 1), 0, scratch), BlobProblem, 'a length the index does not agree with');
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1]! ^= 1;
    assert.throws(() => openBlobInto(key, flipped, key.idOf(plain), plain.length, Buffer.alloc(plain.length), 0, scratch), /authentication failed/);
  }
});

test('the crypto pool: small blobs in batches (ids and sealed bytes), runs of blobs opened at once', async () => {
  const pool = new CryptoPool(key, { threads: 1 });
  try {
    const smalls = Array.from({ length: 3000 }, (_, i) => (i % 3 ? randomBytes(50 + (i % 200)) : Buffer.from(`text ${i} `.repeat(40))));
    const done = await Promise.all(smalls.map((b) => pool.hashAndSeal(b, 'zstd')));
    for (const [i, r] of done.entries()) {
      assert.equal(r.id, key.idOf(smalls[i]!));
      assert.deepEqual(openBlobRaw(key, r.bytes, r.id, smalls[i]!.length), smalls[i]);
    }
    // A run: blobs back to back as in a pack (a raw one, a compressed one, a small one).
    const plains = [randomBytes(200 * 1024), Buffer.alloc(150 * 1024, 'abc'), Buffer.from('tiny')];
    const sealed = plains.map((p) => sealObject(key, p, 'zstd'));
    let offset = 0;
    const blobs = plains.map((p, i) => {
      const b = { offset, length: sealed[i]!.length, id: key.idOf(p), rawLength: p.length };
      offset += sealed[i]!.length;
      return b;
    });
    // The plaintexts are views of one worker buffer, larger than they need: a mark in its tail shows whether
    // the next round got the same memory back.
    let mark: Buffer | undefined;
    for (let round = 0; round < 3; round++) {
      const run = await pool.openRun(Buffer.concat(sealed), blobs);
      assert.deepEqual(run.plains, plains);
      const buffer = run.plains[0]!.buffer;
      const tail = Buffer.from(buffer, buffer.byteLength - 32);
      if (mark) assert.deepEqual(tail, mark, `round ${round} reused the buffer the round before released`);
      mark = randomBytes(32);
      mark.copy(tail);
      run.release();
      assert.equal(buffer.detached, true, 'released: handed back to the worker');
    }
    const broken = Buffer.concat(sealed);
    broken[blobs[1]!.offset + 20]! ^= 1;
    await assert.rejects(pool.openRun(broken, blobs), (err: unknown) => err instanceof BlobProblem && err.blob === 1 && /authentication failed/.test(err.message));
    const swapped = blobs.map((b, i) => (i === 2 ? { ...b, id: blobs[0]!.id } : b));
    await assert.rejects(pool.openRun(Buffer.concat(sealed), swapped), (err: unknown) => err instanceof BlobProblem && err.blob === 2 && /its content has id/.test(err.message));
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.hashAndSeal(Buffer.from('late'), 'zstd'), /closed/);
});

test('scrypt: parameters are bounded; the same password and salt give the same key', async () => {
  const k = { N: 1024, r: 8, p: 1 };
  const salt = randomBytes(32);
  const a = await deriveKey('pässword', salt, k);
  assert.deepEqual(await deriveKey('pa\u0308ssword', salt, k), a, 'NFC-normalized');
  assert.notDeepEqual(await deriveKey('password', salt, k), a);
  assert.equal(openWith(a, sealWith(a, Buffer.from('m')))!.toString(), 'm');
  assert.match(kdfProblem({ N: 2 ** 30, r: 8, p: 1 }) ?? '', /MiB/);
  assert.match(kdfProblem({ N: 1000, r: 8, p: 1 }) ?? '', /power of two/);
  assert.equal(kdfProblem({ N: 2 ** 17, r: 8, p: 1 }), undefined);
  await assert.rejects(deriveKey('x', salt, { N: 2, r: 1, p: 1 }), /scrypt parameters/);
});
