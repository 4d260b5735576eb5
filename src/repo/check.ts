/**
 * @module repo/check: verifies a repository (`repo check`). Structure: key files, every index file (read
 * again from the store, not from the cache), every indexed pack present with a plausible size (one listing of
 * `data/`), packs no index lists, blobs stored twice, every snapshot, every tree they reach, and every blob
 * those trees reference present in the index. With `readData`, every pack is also read once, whole, and its
 * name, header and every blob in it are verified (check-data.ts). Problems are collected, never thrown: each
 * names the pack, blob, snapshot and path it concerns.
 */
import { mapLimit, throwIfAborted } from '../util/index.ts';
import type { BlobIndex } from './blob-index.ts';
import { readPackData, parseSubset, type DataSubset } from './check-data.ts';
import { SEAL_OVERHEAD } from './crypto.ts';
import { RepoError } from './errors.ts';
import { BlobIdSet } from './id-set.ts';
import type { LoadedIndex } from './index-file.ts';
import { listKeyIds, readKeyFile } from './keys.ts';
import { listLocks } from './lock.ts';
import { listPackObjects, type PackObject } from './pack-stream.ts';
import { HEADER_ENTRY_BYTES } from './pack.ts';
import { walkTrees } from './reachable.ts';
import type { Repository } from './repository.ts';
import type { BlobLocation, Snapshot } from './types.ts';

export interface CheckProgress {
  phase: 'structure' | 'snapshots' | 'trees' | 'data';
  done: number;
  total?: number | undefined;
  bytes?: number | undefined;
}

export interface CheckOptions {
  /** Also read every pack and authenticate every blob. */
  readData?: boolean | undefined;
  /** Read only a subset of the packs: `n/m` (the n-th of m groups, by pack id) or `p%` (a random p percent). Implies readData. */
  readDataSubset?: DataSubset | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: CheckProgress) => void) | undefined;
}

export interface CheckResult {
  errors: string[];
  warnings: string[];
  snapshots: number;
  trees: number;
  /** Packs in the store. */
  packs: number;
  /** Distinct blobs in the index. */
  blobs: number;
  bytesRead: number;
}

/** Messages kept per list; the rest are counted in a last line. */
const MAX_MESSAGES = 1000;

/** Collects messages up to MAX_MESSAGES. */
export class Findings {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  #moreErrors = 0;
  #moreWarnings = 0;

  error(msg: string): void {
    if (this.errors.length < MAX_MESSAGES) this.errors.push(msg);
    else this.#moreErrors++;
  }

  warn(msg: string): void {
    if (this.warnings.length < MAX_MESSAGES) this.warnings.push(msg);
    else this.#moreWarnings++;
  }

  close(): { errors: string[]; warnings: string[] } {
    if (this.#moreErrors) this.errors.push(`… and ${this.#moreErrors} more errors`);
    if (this.#moreWarnings) this.warnings.push(`… and ${this.#moreWarnings} more warnings`);
    return { errors: this.errors, warnings: this.warnings };
  }
}

/** Per indexed pack: blobs listed, their bytes, and where the last one ends. */
export interface IndexedPack {
  count: number;
  bytes: number;
  end: number;
}

/**
 * Checks under a shared lock (the session's, or one taken here), so a maintenance run cannot delete objects
 * under the check. The index is read again once the lock is held, from the store (not the cache), damaged
 * files skipped and reported: the stored bytes are what is checked.
 */
export async function checkRepository(repo: Repository, opts: CheckOptions = {}): Promise<CheckResult> {
  const subset = opts.readDataSubset === undefined ? undefined : parseSubset(opts.readDataSubset);
  return repo.withLock('shared', 'check', async () => {
    await repo.reloadIndex({ fromStore: true, skipDamaged: true });
    return check(repo, subset, opts);
  });
}

async function check(repo: Repository, subset: ((p: PackObject) => boolean) | undefined, opts: CheckOptions): Promise<CheckResult> {
  const { signal } = opts;
  const f = new Findings();
  await checkKeys(repo, f);
  await checkLocks(repo, f);
  opts.onProgress?.({ phase: 'structure', done: 0 });
  const { index, indexState: state } = repo;
  for (const d of state.damaged) f.error(d.message);
  if (state.superseded.length) f.warn(`${state.superseded.length} superseded index file(s) are still stored (${state.superseded.slice(0, 3).join(', ')}${state.superseded.length > 3 ? ', …' : ''}): left by an interrupted maintenance, which deletes them next time`);
  const stored = await listPackObjects(repo.store, repo.prefix, signal);
  const perPack = indexedPacks(index, state);
  checkPacks(stored, perPack, f);
  checkDuplicates(index, f);
  opts.onProgress?.({ phase: 'structure', done: 1, total: 1 });

  const snapshots = await loadSnapshots(repo, f, opts);
  const trees = await checkTrees(repo, snapshots, f, opts);

  let bytesRead = 0;
  if (opts.readData || subset) {
    const chosen = subset ? stored.filter(subset) : stored;
    bytesRead = await readPackData(repo, chosen, perPack, f, opts);
  }
  throwIfAborted(signal);
  return { ...f.close(), snapshots: snapshots.length, trees, packs: stored.length, blobs: index.size, bytesRead };
}

/** Locks of crashed processes are harmless (ignored by lockers) but worth a word; maintenance removes them. */
async function checkLocks(repo: Repository, f: Findings): Promise<void> {
  for (const l of await listLocks(repo.store, repo.prefix)) {
    if (!l.stale) continue;
    const who = l.info ? `${l.info.exclusive ? 'exclusive' : 'shared'} lock of pid ${l.info.pid} on ${l.info.hostname} since ${l.info.time}` : `unreadable lock file ${l.id}`;
    f.warn(`${who} is stale (its process is gone or stopped refreshing it); it is ignored, and maintenance removes it`);
  }
}

async function checkKeys(repo: Repository, f: Findings): Promise<void> {
  const ids = await listKeyIds(repo.store, repo.prefix);
  for (const id of ids) {
    try {
      await readKeyFile(repo.store, repo.prefix, id);
    } catch (err) {
      f.error(err instanceof RepoError && err.message.startsWith('key file') ? err.message : `key file ${id}: ${(err as Error).message}`);
    }
  }
}

function indexedPacks(index: BlobIndex, state: LoadedIndex): Map<string, IndexedPack> {
  const out = new Map<string, IndexedPack>([...state.packs].map((p) => [p, { count: 0, bytes: 0, end: 0 }]));
  const count = (l: BlobLocation): void => {
    const p = out.get(l.pack);
    if (!p) return;
    p.count++;
    p.bytes += l.length;
    p.end = Math.max(p.end, l.offset + l.length);
  };
  for (const l of index.entries()) count(l);
  for (const id of index.duplicateIds()) for (const l of index.copiesOf(id)) count(l);
  return out;
}

/** Sealed header (flag + version + 41 bytes an entry) and its 4-byte length behind the blobs. */
const headerBytes = (blobs: number): number => SEAL_OVERHEAD + 1 + 1 + HEADER_ENTRY_BYTES * blobs + 4;

function checkPacks(stored: PackObject[], perPack: Map<string, IndexedPack>, f: Findings): void {
  const sizes = new Map(stored.map((p) => [p.id, p.size]));
  for (const [id, p] of perPack) {
    const size = sizes.get(id);
    const need = p.end + headerBytes(p.count);
    if (size === undefined) f.error(`pack ${id} is listed by the index (${p.count} blobs) but missing from the store`);
    else if (p.bytes === p.end && size !== need) f.error(`pack ${id} is ${size} bytes in the store; its ${p.count} indexed blobs make it exactly ${need} bytes (truncated or changed)`);
    else if (size < need) f.error(`pack ${id} is ${size} bytes in the store; its indexed blobs need at least ${need} bytes (truncated)`);
  }
  for (const p of stored) {
    if (perPack.has(p.id)) continue;
    const when = p.lastModified ? `, written ${p.lastModified.toISOString()}` : '';
    f.warn(`pack ${p.id} (${p.size} bytes${when}) is in no index file: left by an interrupted backup (maintenance deletes it once older than its grace period) or its index file was lost`);
  }
}

function checkDuplicates(index: BlobIndex, f: Findings): void {
  let dups = 0;
  for (const id of index.duplicateIds()) {
    const others = index.copiesOf(id);
    dups++;
    if (dups <= 20) f.warn(`blob ${id} is stored ${others.length + 1} times (packs ${[index.get(id)!.pack, ...others.map((o) => o.pack)].join(', ')}); maintenance removes the extra copies when it repacks`);
  }
  if (dups > 20) f.warn(`… ${dups} blobs in all are stored more than once`);
}

async function loadSnapshots(repo: Repository, f: Findings, opts: CheckOptions): Promise<Snapshot[]> {
  const ids = await repo.listSnapshotIds();
  let done = 0;
  const loaded = await mapLimit(ids, 8, async (id) => {
    try {
      return await repo.loadSnapshot(id);
    } catch (err) {
      f.error(`snapshot ${id}: ${(err as Error).message}`);
      return undefined;
    } finally {
      opts.onProgress?.({ phase: 'snapshots', done: ++done, total: ids.length });
    }
  });
  return loaded.filter((s): s is Snapshot => s !== undefined);
}

/** Walks every tree once; every blob a file references must be an indexed data blob. */
async function checkTrees(repo: Repository, snapshots: Snapshot[], f: Findings, opts: CheckOptions): Promise<number> {
  const checked = new BlobIdSet();
  return walkTrees(repo, snapshots.map((s) => ({ snapshot: s.id!, tree: s.tree })), {
    signal: opts.signal,
    onTree: ({ tree, path, snapshot }) => {
      for (const n of tree.nodes) {
        for (const b of n.content ?? []) {
          if (!checked.add(b)) continue;
          const loc = repo.index.get(b);
          const where = `snapshot ${snapshot}: ${path === '/' ? '' : path}/${n.name}`;
          if (!loc) f.error(`${where}: data blob ${b} is not in the index`);
          else if (loc.type !== 'data') f.error(`${where}: blob ${b} is indexed as a ${loc.type} blob, not data`);
        }
      }
    },
    onTreeError: ({ id, path, snapshot, error }) => f.error(`snapshot ${snapshot}: directory ${path}: tree ${id}: ${(error as Error).message}`),
    onProgress: (done) => opts.onProgress?.({ phase: 'trees', done }),
  });
}
