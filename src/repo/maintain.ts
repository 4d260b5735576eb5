/**
 * @module repo/maintain: maintenance (ADR 0015, "Concurrency and maintenance"): deletes packs no snapshot
 * needs and repacks sparse ones, with bounded memory, under an exclusive lock.
 *
 * Order, so that a crash at any point leaves a valid repository: mark what the snapshots reach → repack (new
 * packs and their index file) → one consolidated set of index files whose last one supersedes every index
 * file read → delete the old index files → delete the old packs. Until the last new index file lands the old
 * ones are in force and every pack still exists; after it, the old files and packs are garbage that the next
 * run deletes. Packs no index lists and younger than the grace period are never touched.
 */
import { mapLimit, throwIfAborted } from '../util/index.ts';
import { BlobProblem } from './blob.ts';
import { RepoError, RepoIntegrityError } from './errors.ts';
import { BlobIdSet } from './id-set.ts';
import { indexKey, type IndexedPackEntries } from './index-file.ts';
import { removeStaleLocks } from './lock.ts';
import { bytesToDelete, packsUnchanged, planPacks, youngUnindexed, type PackPlan, type PackUsage } from './maintain-plan.ts';
import { packKey, type PackEntry } from './pack.ts';
import { listPackObjects, streamPack } from './pack-stream.ts';
import { walkTrees } from './reachable.ts';
import type { Repository } from './repository.ts';
import type { Snapshot } from './types.ts';

export interface MaintainProgress {
  phase: 'mark' | 'repack' | 'index' | 'delete';
  done: number;
  total?: number | undefined;
}

export interface MaintainOptions {
  /** Plan and report only: nothing is written or deleted (a shared lock suffices). */
  dryRun?: boolean | undefined;
  /** Repack packs whose live bytes are below this fraction of their size (default 0.5; 0: never repack). */
  repackBelow?: number | undefined;
  /** Packs no index lists are deleted only once older than this (default 1 h): a backup may still be writing its index. */
  gracePeriodMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: MaintainProgress) => void) | undefined;
  now?: (() => Date) | undefined;
}

/** What maintenance found and did (flat, so a caller can print every number). */
export interface MaintainResult {
  dryRun: boolean;
  snapshots: number;
  /** Distinct trees walked. */
  trees: number;
  /** Packs in the store before; kept as they were; deleted (nothing live); repacked; written by repacking. */
  packsTotal: number;
  packsKept: number;
  packsRemoved: number;
  packsRepacked: number;
  packsWritten: number;
  /** Packs no index listed: deleted (older than the grace period), left alone (younger). */
  unindexedPacksRemoved: number;
  unindexedPacksProtected: number;
  /** Indexed packs missing from the store (dropped from the index; none of them held a live blob). */
  missingPacks: number;
  /** Blobs indexed before; live; deleted with their packs; copied by repacking. */
  blobsTotal: number;
  blobsLive: number;
  blobsRemoved: number;
  blobsRepacked: number;
  /** Bytes in `data/` before; of live blobs; deleted; written by repacking; freed (deleted − written; an estimate when dry). */
  bytesTotal: number;
  bytesLive: number;
  bytesDeleted: number;
  bytesWritten: number;
  bytesFreed: number;
  indexFilesBefore: number;
  indexFilesWritten: number;
  indexFilesRemoved: number;
  /** Lock files of crashed processes removed. */
  staleLocksRemoved: number;
  /** True when unindexed packs were indexed first because snapshots referenced blobs only they hold. */
  rebuiltIndex: boolean;
  durationMs: number;
}

const DEFAULT_GRACE_MS = 60 * 60_000;

/**
 * Maintenance: collect unreferenced blobs and repack sparse packs, under the session's lock or one taken here
 * (failing at once while a backup runs). Throws (having deleted nothing) when a snapshot cannot be walked.
 */
export async function maintainRepository(repo: Repository, opts: MaintainOptions = {}): Promise<MaintainResult> {
  const started = Date.now();
  const repackBelow = opts.repackBelow ?? 0.5;
  const graceMs = opts.gracePeriodMs ?? DEFAULT_GRACE_MS;
  if (!(repackBelow >= 0 && repackBelow <= 1)) throw new RepoError('InvalidArgument', `maintenance: repackBelow must be a fraction from 0 to 1, got ${repackBelow}`);
  if (!(Number.isFinite(graceMs) && graceMs >= 0)) throw new RepoError('InvalidArgument', `maintenance: gracePeriodMs must be a non-negative number of milliseconds, got ${graceMs}`);
  const result = await repo.withLock(opts.dryRun ? 'shared' : 'exclusive', 'maintenance', (lock) => {
    const signal = AbortSignal.any([lock.signal, ...(opts.signal ? [opts.signal] : [])]);
    return maintain(repo, { ...opts, signal, repackBelow, gracePeriodMs: graceMs }, lock.taken);
  });
  return { ...result, durationMs: Date.now() - started };
}

/** The steps of maintenance, under the lock (`reload`: taken just now, so others may have written since the index was read). */
async function maintain(repo: Repository, opts: MaintainOptions & { signal: AbortSignal; repackBelow: number; gracePeriodMs: number }, reload: boolean): Promise<MaintainResult> {
  const { signal } = opts;
  const dryRun = opts.dryRun ?? false;
  let touchedIndex = false;
  try {
    if (reload) await repo.reloadIndex(); // what others wrote before we held the lock
    const damaged = repo.indexState.damaged;
    if (damaged.length) throw new RepoError('Integrity', `maintenance refused: ${damaged.length} index file(s) are damaged (${damaged[0]!.message}); which blobs they list is unknown. Run \`repo check\`, then rebuild the index`);
    const stored = await listPackObjects(repo.store, repo.prefix, signal);
    const protect = youngUnindexed(stored, repo.indexState.packs, (opts.now?.() ?? new Date()).getTime(), opts.gracePeriodMs);
    const snapshots = await repo.listSnapshots();
    let mark = await markLive(repo, snapshots, signal, opts.onProgress);
    let rebuiltIndex = false;
    if (mark.problems.length && !dryRun && stored.some((p) => !repo.indexState.packs.has(p.id))) {
      // Blobs a snapshot needs may sit in packs whose index file was lost: index those packs, then mark again.
      await repo.rebuildIndex();
      rebuiltIndex = true;
      mark = await markLive(repo, snapshots, signal, opts.onProgress);
    }
    if (mark.problems.length) {
      const unindexed = stored.filter((p) => !repo.indexState.packs.has(p.id)).length;
      const hint = dryRun && unindexed ? ` (a real run would first index the ${unindexed} pack(s) no index file lists, which may hold them)` : '';
      throw new RepoError('Integrity', `maintenance refused, nothing was deleted: ${mark.problemCount} problem(s) in the snapshots' trees, so what they reference is not known${hint}: ${mark.problems.join('; ')}. Run \`repo check\`; forget the damaged snapshots or restore the missing objects`);
    }
    const plan = planPacks({ locations: repo.index.entries(), isLive: (id) => mark.live.has(id), indexedPacks: repo.indexState.packs, stored, protect, repackBelow: opts.repackBelow });
    const lost = plan.missing.filter((p) => p.liveBlobs > 0);
    if (lost.length) throw new RepoError('Integrity', `maintenance refused, nothing was deleted: ${lost.length} indexed pack(s) holding live blobs are missing from the store (${lost.slice(0, 5).map((p) => `${p.id}: ${p.liveBlobs} live blobs`).join(', ')}). Run \`repo check\``);
    const result = report(plan, snapshots.length, mark.trees, dryRun, rebuiltIndex, repo.indexState.files.length + repo.indexState.superseded.length);
    if (!dryRun) result.staleLocksRemoved = await removeStaleLocks(repo.store, repo.prefix);
    const indexTidy = repo.indexState.files.length <= 1 && repo.indexState.superseded.length === 0;
    if (dryRun || (packsUnchanged(plan) && indexTidy)) return result;

    const dropped = new Set([...plan.remove, ...plan.repack, ...plan.missing].map((p) => p.id));
    const moving = new MovingBlobs(repo, plan.repack, mark.live); // while the index still places them
    touchedIndex = true;
    repo.index.removePacks(dropped); // so repacking stores the live blobs anew (and finds copies that stay)
    const before = { ...repo.stats };
    await repack(repo, plan.repack, moving, signal, opts.onProgress);
    await repo.flush();
    result.packsWritten = repo.stats.packs - before.packs;
    result.bytesWritten = repo.stats.packBytes - before.packBytes;

    await repo.reloadIndex(); // now with the index file of the new packs
    const old = [...repo.indexState.files, ...repo.indexState.superseded];
    opts.onProgress?.({ phase: 'index', done: 0, total: old.length });
    result.indexFilesWritten = (await repo.writeIndexFiles(packsListed(repo, repo.indexState.files, dropped, signal), old, signal)).length;
    opts.onProgress?.({ phase: 'index', done: old.length, total: old.length });

    throwIfAborted(signal); // the lock must still be ours before anything is deleted
    const packs = [...plan.remove, ...plan.repack, ...plan.unindexed].map((p) => p.id);
    let deleted = 0;
    const progress = (): void => opts.onProgress?.({ phase: 'delete', done: ++deleted, total: old.length + packs.length });
    await mapLimit(old, 8, async (id) => {
      await repo.store.deleteObject(indexKey(repo.prefix, id), { signal });
      progress();
    });
    await mapLimit(packs, 8, async (id) => {
      await repo.store.deleteObject(packKey(repo.prefix, id), { signal });
      progress();
    });
    result.indexFilesRemoved = old.length;
    result.bytesFreed = result.bytesDeleted - result.bytesWritten;
    return result;
  } finally {
    // The in-memory index was changed or is stale: read the store's again (best effort; the store is valid either way).
    if (touchedIndex) await repo.reloadIndex().catch(() => undefined);
  }
}

interface Marked {
  live: BlobIdSet;
  trees: number;
  problems: string[];
  problemCount: number;
}

/** Marks every tree and data blob the snapshots reach; notes (up to 10) referenced blobs no index lists and unreadable trees. */
async function markLive(repo: Repository, snapshots: Snapshot[], signal: AbortSignal, onProgress: MaintainOptions['onProgress']): Promise<Marked> {
  const live = new BlobIdSet(repo.index.size);
  const problems: string[] = [];
  let problemCount = 0;
  const note = (msg: string): void => {
    if (problemCount++ < 10) problems.push(msg);
  };
  const trees = await walkTrees(repo, snapshots.map((s) => ({ snapshot: s.id!, tree: s.tree })), {
    signal,
    onTree: ({ id, tree, path, snapshot }) => {
      live.add(id);
      for (const n of tree.nodes) {
        for (const b of n.content ?? []) {
          if (live.add(b) && !repo.index.has(b)) note(`snapshot ${snapshot} ${path === '/' ? '' : path}/${n.name}: data blob ${b} is in no indexed pack`);
        }
      }
    },
    onTreeError: ({ id, path, snapshot, error }) => {
      live.add(id);
      note(`snapshot ${snapshot} directory ${path}: tree ${id}: ${(error as Error).message}`);
    },
    onProgress: (done) => onProgress?.({ phase: 'mark', done }),
  });
  return { live, trees, problems, problemCount };
}

function report(plan: PackPlan, snapshots: number, trees: number, dryRun: boolean, rebuiltIndex: boolean, indexFiles: number): MaintainResult {
  const sum = (list: PackUsage[], f: (p: PackUsage) => number): number => list.reduce((n, p) => n + f(p), 0);
  const deleted = bytesToDelete(plan);
  const repackedLive = sum(plan.repack, (p) => p.liveBytes);
  return {
    dryRun,
    snapshots,
    trees,
    packsTotal: plan.totals.packs,
    packsKept: plan.keep.length,
    packsRemoved: plan.remove.length,
    packsRepacked: plan.repack.length,
    packsWritten: 0,
    unindexedPacksRemoved: plan.unindexed.length,
    unindexedPacksProtected: plan.protected.length,
    missingPacks: plan.missing.length,
    blobsTotal: plan.totals.blobs,
    blobsLive: plan.totals.liveBlobs,
    blobsRemoved: sum([...plan.remove, ...plan.repack], (p) => p.blobs - p.liveBlobs),
    blobsRepacked: sum(plan.repack, (p) => p.liveBlobs),
    bytesTotal: plan.totals.bytes,
    bytesLive: plan.totals.liveBytes,
    bytesDeleted: deleted,
    bytesWritten: 0,
    bytesFreed: deleted - repackedLive,
    indexFilesBefore: indexFiles,
    indexFilesWritten: 0,
    indexFilesRemoved: 0,
    staleLocksRemoved: 0,
    rebuiltIndex,
    durationMs: 0,
  };
}

/**
 * Where the index places the live blobs of the packs to repack, noted before those packs leave the index (no
 * pack header is read again): 48 bytes a blob in typed arrays (the plan counted each pack's live blobs over the
 * same index), made into entries one pack at a time.
 */
class MovingBlobs {
  readonly #packs = new Map<string, { ids: Buffer; fields: Uint32Array; count: number }>();

  constructor(repo: Repository, packs: PackUsage[], live: BlobIdSet) {
    for (const p of packs) this.#packs.set(p.id, { ids: Buffer.alloc(p.liveBlobs * 32), fields: new Uint32Array(p.liveBlobs * 4), count: 0 });
    if (this.#packs.size === 0) return;
    for (const loc of repo.index.entries()) {
      const p = this.#packs.get(loc.pack);
      if (!p || !live.has(loc.id)) continue;
      const i = p.count++;
      p.ids.write(loc.id, i * 32, 'hex');
      p.fields.set([loc.offset, loc.length, loc.rawLength, loc.type === 'tree' ? 1 : 0], i * 4);
    }
  }

  /** The live blobs of `pack`, by offset (then forgotten). */
  take(pack: string): PackEntry[] {
    const p = this.#packs.get(pack)!;
    this.#packs.delete(pack);
    const at = (i: number, field: number): number => p.fields[i * 4 + field]!;
    const entries = Array.from({ length: p.count }, (_, i): PackEntry => ({ id: p.ids.toString('hex', i * 32, i * 32 + 32), type: at(i, 3) ? 'tree' : 'data', offset: at(i, 0), length: at(i, 1), rawLength: at(i, 2) }));
    return entries.sort((a, b) => a.offset - b.offset);
  }
}

/** Copies the live blobs of `packs` into new packs (the saver seals them anew and dedupes against what stays). */
async function repack(repo: Repository, packs: PackUsage[], moving: MovingBlobs, signal: AbortSignal, onProgress: MaintainOptions['onProgress']): Promise<void> {
  let done = 0;
  await mapLimit(packs, 2, async (p) => {
    const key = packKey(repo.prefix, p.id);
    const { missing } = await streamPack(repo.store, key, moving.take(p.id), async (e, sealed) => {
      let plain: Buffer;
      try {
        plain = await repo.crypto.open(sealed, { id: e.id, rawLength: e.rawLength });
      } catch (err) {
        if (err instanceof BlobProblem) throw new RepoIntegrityError({ kind: 'blob', blobId: e.id, pack: p.id }, `${err.message} (while repacking; nothing was deleted)`);
        throw err;
      }
      await repo.saveBlob(e.type, plain, e.id);
    }, { signal });
    if (missing.length) throw new RepoIntegrityError({ kind: 'pack', pack: p.id, key }, `the pack ends before its blob ${missing[0]!.id} (truncated; nothing was deleted)`);
    onProgress?.({ phase: 'repack', done: ++done, total: packs.length });
  });
}

/**
 * The packs the index files `sources` list, minus `dropped` ones, each once, for the consolidated index files.
 * One source is read at a time (through the cache that loading filled), so memory holds one source and one
 * output file, never the whole index as objects.
 */
async function* packsListed(repo: Repository, sources: string[], dropped: ReadonlySet<string>, signal: AbortSignal): AsyncGenerator<IndexedPackEntries> {
  const seen = new Set<string>();
  for (const id of sources) {
    const content = await repo.readIndexFile(id, signal);
    if (!content) throw new RepoError('Integrity', `index file ${id} disappeared during maintenance (is another maintenance running without a lock?); nothing was deleted`);
    for (const pack of content.packs) {
      if (dropped.has(pack.id) || seen.has(pack.id)) continue;
      seen.add(pack.id);
      yield pack;
    }
  }
}
