/**
 * @module repo/check-data: `check --read-data`: every chosen pack read once, whole and streamed, after its
 * header (one ranged read of the tail, checked against the pack's name: SHA-256 of the sealed header): every
 * blob in it authenticated (AES-GCM) and checked against its id (HMAC) on the worker threads, the header
 * compared with the index. Blobs tile the pack up to the header, so every byte of the pack is verified.
 */
import { randomInt } from 'node:crypto';
import { mapLimit } from '../util/index.ts';
import { BlobProblem } from './blob.ts';
import type { CheckOptions, Findings, IndexedPack } from './check.ts';
import { RepoError } from './errors.ts';
import { packKey, type PackEntry } from './pack.ts';
import { streamPack, type PackObject } from './pack-stream.ts';
import type { Repository } from './repository.ts';

/** A subset of the packs: `n/m` or `{ part: n, of: m }` (group n of m, by the pack id's first 32 bits), `p%` or `{ percent: p }` (a random share). */
export type DataSubset = string | { part: number; of: number } | { percent: number };

/** The subset as a filter over packs; a malformed one is an InvalidArgument error naming the option. */
export function parseSubset(subset: DataSubset): (p: PackObject) => boolean {
  const text = JSON.stringify(subset);
  const group = typeof subset === 'string' ? /^(\d+)\/(\d+)$/.exec(subset) : undefined;
  const [n, m] = group ? [Number(group[1]), Number(group[2])] : typeof subset === 'object' && 'part' in subset ? [subset.part, subset.of] : [NaN, NaN];
  if (Number.isSafeInteger(n) && Number.isSafeInteger(m) && n >= 1 && n <= m) return (p) => Number.parseInt(p.id.slice(0, 8), 16) % m === n - 1;
  const share = typeof subset === 'string' ? /^(\d+(?:\.\d+)?)%$/.exec(subset) : undefined;
  const pct = share ? Number(share[1]) : typeof subset === 'object' && 'percent' in subset ? subset.percent : NaN;
  if (pct > 0 && pct <= 100) return () => randomInt(1_000_000) < pct * 10_000;
  throw new RepoError('InvalidArgument', `readDataSubset ${text} must be "n/m" (1 ≤ n ≤ m, e.g. "1/10") or a percentage like "5%"`);
}

/** Reads `packs` (two at a time) and compares each with `repo.index` (`perPack`: what it lists per pack); returns the bytes read. */
export async function readPackData(repo: Repository, packs: PackObject[], perPack: ReadonlyMap<string, IndexedPack>, f: Findings, opts: CheckOptions): Promise<number> {
  const total = packs.reduce((n, p) => n + p.size, 0);
  let bytes = 0;
  let done = 0;
  await mapLimit(packs, 2, async (p) => {
    const read = await checkPack(repo, p, perPack, f, opts.signal); // not `bytes += await …`: that reads `bytes` before the wait
    bytes += read;
    opts.onProgress?.({ phase: 'data', done: ++done, total: packs.length, bytes });
  });
  opts.onProgress?.({ phase: 'data', done, total: packs.length, bytes: total });
  return bytes;
}

async function checkPack(repo: Repository, p: PackObject, perPack: ReadonlyMap<string, IndexedPack>, f: Findings, signal: AbortSignal | undefined): Promise<number> {
  let entries: PackEntry[];
  try {
    entries = await repo.readPackHeader(p.id, p.size);
  } catch (err) {
    if (!(err instanceof RepoError)) throw err;
    f.error(err.message); // names the pack; without a header its blobs cannot be found
    return 0;
  }
  const key = packKey(repo.prefix, p.id);
  const { size, missing } = await streamPack(repo.store, key, entries, async (e, sealed) => {
    try {
      await repo.crypto.open(sealed, { id: e.id, rawLength: e.rawLength });
    } catch (err) {
      if (!(err instanceof BlobProblem)) throw err;
      f.error(`pack ${p.id}: ${e.type} blob ${e.id} at offset ${e.offset}: ${err.message}`);
    }
  }, { signal });
  if (size !== p.size) f.error(`pack ${p.id}: read ${size} bytes, the listing says ${p.size}`);
  for (const e of missing) f.error(`pack ${p.id}: blob ${e.id} at offset ${e.offset} lies past the end of the pack`);
  compareWithIndex(repo, p.id, entries, perPack, f);
  return size;
}

/** Every blob the index places in this pack must be in its header, at the same place with the same lengths. */
function compareWithIndex(repo: Repository, pack: string, entries: PackEntry[], perPack: ReadonlyMap<string, IndexedPack>, f: Findings): void {
  const listed = perPack.get(pack);
  if (!listed || entries.length === 0) return; // unindexed (warned about), or the header failed (reported)
  let matched = 0;
  for (const e of entries) {
    const first = repo.index.get(e.id);
    const loc = first?.pack === pack ? first : repo.index.copiesOf(e.id).find((l) => l.pack === pack);
    if (!loc) continue; // not indexed here: a second copy the index no longer lists
    matched++;
    if (loc.offset !== e.offset || loc.length !== e.length || loc.rawLength !== e.rawLength || loc.type !== e.type) {
      f.error(`pack ${pack}: the index places ${loc.type} blob ${e.id} at offset ${loc.offset} (${loc.length} bytes, ${loc.rawLength} raw), the pack header at offset ${e.offset} (${e.type}, ${e.length} bytes, ${e.rawLength} raw)`);
    }
  }
  if (matched < listed.count) f.error(`pack ${pack}: the index lists ${listed.count - matched} blob(s) in it that its header does not hold`);
}
