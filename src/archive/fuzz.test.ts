/** Fuzzing the reader: mutated archives must read, or fail with an ArchiveError — never crash, hang or throw anything else. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ArchiveError } from './errors.ts';
import { GOLDEN_ITEMS, readAll, writeArchive } from './testing.ts';

const { gz: VALID } = await writeArchive(GOLDEN_ITEMS);
const TAR = gunzipSync(VALID);

/** A byte-level edit: overwrite, insert or delete at a position given as a fraction of the length. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 600 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ maxLength: 0 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(data: Buffer, edits: readonly Mutation[]): Buffer {
  let out = Buffer.from(data);
  for (const edit of edits) {
    const at = Math.min(out.length, Math.floor(edit.at * out.length));
    if (edit.kind === 'set') {
      const copy = Buffer.from(out);
      Buffer.from(edit.bytes).copy(copy, Math.max(0, Math.min(at, copy.length - edit.bytes.length)));
      out = copy;
    } else if (edit.kind === 'insert') {
      out = Buffer.concat([out.subarray(0, at), Buffer.from(edit.bytes), out.subarray(at)]);
    } else {
      out = out.subarray(0, at);
    }
  }
  return out;
}

/** Reads with a deadline: a hang is a failure, and so is any error that is not an ArchiveError. */
async function readsOrRefuses(archive: Buffer): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the reader hung')), 10_000)));
  try {
    await Promise.race([readAll(archive, { limits: { maxEntryBytes: 1024 * 1024 } }), deadline]);
  } catch (err) {
    assert.ok(err instanceof ArchiveError, `expected an ArchiveError, got ${(err as Error)?.stack ?? String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

describe('reader fuzzing', () => {
  it('survives mutations of the compressed bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), (edits) => readsOrRefuses(mutate(VALID, edits))),
      { numRuns: 300 },
    );
  });

  it('survives mutations of the tar stream inside valid gzip (headers, sizes, paths, JSON)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), (edits) => readsOrRefuses(gzipSync(mutate(TAR, edits), { level: 1 }))),
      { numRuns: 300 },
    );
  });

  it('survives arbitrary bytes, gzipped or not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), async (bytes, gzipped) => {
        const data = Buffer.from(bytes);
        await readsOrRefuses(gzipped ? gzipSync(data) : data);
      }),
      { numRuns: 200 },
    );
  });
});
