/**
 * @module repo/archiver: backs up a directory tree into a snapshot.
 *
 * Depth first and bottom up: a directory's tree blob is saved as soon as its entries are done, so memory
 * holds the directories on the current paths, never the whole tree. With a parent snapshot of the same source,
 * the parent's trees are walked alongside and a file whose size, mtime, ctime and inode did not change keeps
 * the parent's content without being read (and the parent's very node when its metadata did not change
 * either); a directory of such entries keeps the parent's tree id. The parent's trees of a directory's
 * subdirectories are read in groups (snapshot-ops' TreeGroups), so each directory on the current paths also
 * holds up to three groups of them (32 trees each). With the repository's scanner, directories are listed and
 * lstat'ed on its worker, a few ahead of the walk (dir-scan.ts).
 */
import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { Semaphore, throwIfAborted } from '../util/index.ts';
import { ByteBudget, SideSlots, TaskSet } from './budget.ts';
import { READ_SIZE } from './chunker.ts';
import { storeFile, type FileContent, type StoreStats } from './file-content.ts';
import { TreeGroups, findParentSnapshot } from './snapshot-ops.ts';
import { compareNames, sameNode, serializeTree } from './tree.ts';
import { ScanAhead, ScannedStat, scannedEntries, type DirScanner, type ScanError, type ScannedDir } from './dir-scan.ts';
import { EntryError, childPath, entryErrors, inodeKey, isSparse, listDir, nodeArchiverFs, nodeFromStat, nodeType, sameFileNode, sameMetadata, type ArchiverFs, type EntryStat } from './walk.ts';
import type { BlobId, RepositoryApi, Snapshot, SnapshotSource, Tree, TreeNode } from './types.ts';

export interface BackupProgress {
  files: number;
  dirs: number;
  /** Content bytes of the files done so far, read or reused from the parent. */
  bytesDone: number;
  /** Bytes read from disk so far. */
  bytesRead: number;
  /** Bytes of new blobs (before compression). */
  newBytes: number;
  errors: number;
  elapsedMs: number;
  /** True on the last call, when the snapshot is saved. */
  done: boolean;
}

export interface BackupOptions {
  /** Identity of what is backed up; `path` defaults to the absolute directory, `host` to the host name. */
  source?: Partial<SnapshotSource>;
  tags?: string[];
  hostname?: string;
  /** The snapshot to compare with; undefined: the latest snapshot of the same source; null: none (full backup). */
  parent?: Snapshot | null;
  signal?: AbortSignal;
  onProgress?: (p: BackupProgress) => void;
  /** Least time between two progress calls (default 250 ms). */
  progressIntervalMs?: number;
  /**
   * Bytes of chunks of large files read but not yet stored (default 4 MiB: a few chunks per worker keep it
   * busy; measured on F1, 4 MiB gave the most MB/s per CPU second and 30-80 MB less peak RSS than 8-32 MiB).
   * Small files in flight have a budget of their own, not changed by this (1 MiB, each charged its size and
   * ~2 KiB of bookkeeping: ~500 files; on F2, 30 MB less peak RSS than 4 MiB at the same files/s).
   */
  maxInFlightBytes?: number;
  /** File system seam (tests). */
  fs?: ArchiverFs;
}

/** Subdirectories walked side by side at most (beyond that, depth first in the walking task). */
const PARALLEL_DIRS = 2;
/** Large files read at once; small files and metadata are read in turn, synchronously. */
const LARGE_FILES = 2;
/** Files below this size (and the chunker's minimum) are read whole, synchronously, and stored as one blob. */
const SMALL_FILE = 256 * 1024;
/** What one small file in flight is charged beyond its bytes (promises, closures, the node). */
const SMALL_FILE_OVERHEAD = 2 * 1024;
const IN_FLIGHT = 4 * 1024 * 1024;
const SMALL_IN_FLIGHT = 1024 * 1024;
/** Longest stretch of synchronous file system calls before the event loop gets a turn. */
const YIELD_MS = 10;

/**
 * Backs up `dir` into `repo` and saves the snapshot (after `repo.flush()`, so every blob it references is
 * indexed). Unreadable entries are listed in `snapshot.errors` and counted; they never fail the backup,
 * except the root directory itself.
 */
export async function backupDirectory(repo: RepositoryApi, dir: string, opts: BackupOptions = {}): Promise<Snapshot> {
  const started = new Date();
  const root = resolve(dir);
  const host = opts.hostname ?? osHostname();
  const source: SnapshotSource = { host, ...opts.source, path: opts.source?.path ?? root };
  const parent = opts.parent === undefined ? await findParentSnapshot(repo, source) : (opts.parent ?? undefined);
  const run = new BackupRun(repo, opts, started.getTime());
  if (!run.fs.lstat(root).isDirectory()) throw new Error(`backup: ${root} is not a directory (a symlink is not followed)`);
  let tree: BlobId;
  try {
    tree = await run.root(root, parent?.tree);
  } finally {
    await run.stored().catch(() => undefined); // nothing left running; a failure is rethrown below or above
  }
  await run.stored();
  await repo.flush();
  const s = run.stats;
  const snapshot: Snapshot = {
    time: started.toISOString(),
    source,
    tags: [...(opts.tags ?? [])],
    tree,
    ...(parent?.id ? { parent: parent.id } : {}),
    hostname: host,
    summary: {
      files: run.files,
      dirs: run.dirs,
      totalBytes: run.bytesDone,
      bytesRead: s.bytesRead,
      newBlobs: s.newBlobs,
      newBytesRaw: s.newBytesRaw,
      newBytesStored: s.newBytesStored,
      errorCount: run.errors.length,
      durationMs: Date.now() - started.getTime(),
    },
    ...(run.errors.length > 0 ? { errors: run.errors.sort((a, b) => compareNames(a.path, b.path)) } : {}),
  };
  snapshot.id = await repo.saveSnapshot(snapshot);
  run.progress(true);
  return snapshot;
}

/** The state of one backup run. */
class BackupRun {
  readonly fs: ArchiverFs;
  readonly stats: StoreStats = { bytesRead: 0, newBlobs: 0, newBytesRaw: 0, newBytesStored: 0 };
  readonly errors: Array<{ path: string; error: string }> = [];
  files = 0;
  dirs = 0;
  bytesDone = 0;
  readonly #repo: RepositoryApi;
  readonly #opts: BackupOptions;
  /** Chunks of large files read and not yet stored; small files read and not yet stored. */
  readonly #budget: ByteBudget;
  readonly #smallBudget: ByteBudget;
  #smallRead = Buffer.alloc(0);
  /** Small files and trees being stored in the background. */
  readonly #stores = new TaskSet();
  readonly #largeFiles: Semaphore;
  readonly #readBuffers: Buffer[] = [];
  readonly #dirSlots = new SideSlots(PARALLEL_DIRS);
  readonly #smallFile: number;
  /** Lists and lstats directories on the repository's worker (none with a custom `fs`: tests watch its calls). */
  readonly #scanner: DirScanner | undefined;
  /** Content of multiply-linked files by device:inode, so each is read once. */
  readonly #linked = new Map<string, Promise<FileContent>>();
  readonly #started: number;
  #lastProgress = 0;
  #yieldedAt = performance.now();

  constructor(repo: RepositoryApi, opts: BackupOptions, started: number) {
    this.#repo = repo;
    this.#opts = opts;
    this.fs = entryErrors(opts.fs ?? nodeArchiverFs());
    this.#scanner = opts.fs ? undefined : repo.scanner;
    this.#budget = new ByteBudget(opts.maxInFlightBytes ?? IN_FLIGHT);
    this.#smallBudget = new ByteBudget(SMALL_IN_FLIGHT);
    this.#largeFiles = new Semaphore(LARGE_FILES);
    this.#smallFile = Math.min(repo.config.chunker.minSize, SMALL_FILE);
    this.#started = started;
  }

  /** Backs up the root directory `path`; `parentTree` is the parent snapshot's root tree, if any. */
  root(path: string, parentTree: BlobId | undefined): Promise<BlobId> {
    return this.#directory(path, '', this.#previousNodes(new TreeGroups(this.#repo, [parentTree], nodesOf, this.#opts.signal), 0), this.#scanner?.scanDir(path), parentTree);
  }

  /**
   * Backs up one directory's entries and saves its tree; `rel` is its path in the snapshot ('' for the root),
   * `previousNodes` the parent snapshot's entries of it (being loaded) and `previousTree` their tree's id, `scan`
   * its listing from the scanner.
   */
  async #directory(path: string, rel: string, previousNodes: Promise<readonly TreeNode[] | undefined>, scan: Promise<ScannedDir> | undefined, previousTree: BlobId | undefined): Promise<BlobId> {
    throwIfAborted(this.#opts.signal);
    const { names, stats } = scan ? await this.#scanned(scan) : { names: listDir(this.fs, path), stats: undefined };
    // The subdirectories' listings are asked for now, to be ready when the walk gets to them.
    const ahead = stats && this.#scanner ? new ScanAhead(this.#scanner, names.filter((_, i) => stats[i] instanceof ScannedStat && stats[i].isDirectory()).map((n) => childPath(path, n))) : undefined;
    const previous = await previousNodes;
    const prevOf = previous && matchByName(names, previous);
    const nodes: Array<TreeNode | undefined> = new Array(names.length);
    const subdirs: Array<{ index: number; stat: EntryStat }> = [];
    const tasks = new TaskSet();
    try {
      for (const [i, name] of names.entries()) {
        throwIfAborted(this.#opts.signal);
        if (performance.now() - this.#yieldedAt > YIELD_MS) await this.#yield(tasks);
        const full = childPath(path, name);
        const st = stats ? this.#statOf(relPath(rel, name), stats[i]!) : this.#trySync(relPath(rel, name), () => this.fs.lstat(full));
        if (!st) continue;
        if (st.isDirectory()) {
          subdirs.push({ index: i, stat: st });
          continue;
        }
        const node = this.#leaf(full, relPath(rel, name), name, st, prevOf?.[i]);
        if (node instanceof Promise) tasks.add(node.then((n) => void (nodes[i] = n)));
        else nodes[i] = node;
      }
      // Subdirectories after the files, so few listings are open at once.
      await this.#subdirectories(path, rel, names, subdirs, prevOf, nodes, ahead);
    } finally {
      await tasks.drain().catch(() => undefined); // nothing left running; the first failure is rethrown below
    }
    await tasks.drain();
    this.dirs++;
    this.progress(false);
    const kept = nodes.filter((n): n is TreeNode => n !== undefined);
    // Every entry is the parent snapshot's own node (unchanged, see #leaf): the tree is the parent's, stored already.
    if (previous && previousTree && kept.length === previous.length && nodes.every((n, i) => n === undefined || n === prevOf![i]) && this.#repo.hasBlob(previousTree)) return previousTree;
    const bytes = serializeTree({ nodes: kept });
    const cost = bytes.length + SMALL_FILE_OVERHEAD;
    await this.#smallBudget.acquire(cost, this.#opts.signal);
    return this.#store('tree', bytes, cost);
  }

  /**
   * Stores a blob in the background and returns its id at once (computed here: the directory's tree needs only
   * the id, and waiting for each store — a round trip to a worker — would leave this thread idle). The budget
   * charge `cost` is returned when the store is done; a failure stops the run (see `stored`).
   */
  #store(type: 'data' | 'tree', bytes: Uint8Array, cost: number): BlobId {
    const id = this.#repo.blobId(bytes);
    const length = bytes.length;
    const release = (): void => this.#smallBudget.release(cost);
    this.#stores.add(
      // Not passed as known: the repository then hashes and seals small blobs in batches on its workers.
      this.#repo.saveBlob(type, bytes).then((r) => {
        if (r.isNew && type === 'data') {
          this.stats.newBlobs++;
          this.stats.newBytesRaw += length;
          this.stats.newBytesStored += r.storedLength;
        }
      }).finally(release),
    );
    return id;
  }

  /** Waits for every background store; throws the first failure. */
  stored(): Promise<void> {
    return this.#stores.drain();
  }

  /** Lets timers and I/O callbacks run between synchronous file system calls; stops on abort or failure. */
  async #yield(tasks: TaskSet): Promise<void> {
    await setImmediate();
    this.#yieldedAt = performance.now();
    throwIfAborted(this.#opts.signal);
    tasks.check();
    this.#stores.check();
    this.progress(false);
  }

  async #subdirectories(path: string, rel: string, names: string[], subdirs: Array<{ index: number; stat: EntryStat }>, prevOf: ReadonlyArray<TreeNode | undefined> | undefined, nodes: Array<TreeNode | undefined>, ahead: ScanAhead | undefined): Promise<void> {
    const trees = subdirs.map(({ index }) => {
      const prev = prevOf?.[index];
      return prev?.type === 'dir' ? prev.subtree : undefined;
    });
    // The parent's trees of the subdirectories, read in groups ahead of the walk (see TreeGroups).
    const groups = new TreeGroups(this.#repo, trees, nodesOf, this.#opts.signal);
    await this.#dirSlots.each(subdirs.map((s, k) => ({ ...s, k })), async ({ index, stat, k }) => {
      const name = names[index]!;
      const previousNodes = this.#previousNodes(groups, k); // asked for as each starts, in order
      const scan = ahead?.get(k);
      const subtree = await this.#try(relPath(rel, name), () => this.#directory(childPath(path, name), relPath(rel, name), previousNodes, scan, trees[k]));
      if (subtree === undefined) return;
      const prev = prevOf?.[index];
      nodes[index] = prev?.type === 'dir' && prev.subtree === subtree && sameMetadata(prev, stat) ? prev : { ...nodeFromStat(name, 'dir', stat), subtree };
    });
  }

  /** A non-directory entry as a node (undefined when it could not be read; the error is recorded). */
  #leaf(full: string, rel: string, name: string, st: EntryStat, prev: TreeNode | undefined): TreeNode | undefined | Promise<TreeNode | undefined> {
    // Unchanged since the parent snapshot, down to its metadata: its node is reused as it is (no new node, and
    // a directory of such entries keeps its tree without serializing it again).
    if (prev && st.isFile() && sameFileNode(prev, st) && this.#present(prev)) return this.#reused(prev);
    const type = nodeType(st);
    if (!type) return this.#fail(rel, 'unsupported file type');
    const node = nodeFromStat(name, type, st);
    if (type === 'symlink') {
      const target = this.#trySync(rel, () => this.fs.readlink(full));
      if (target === undefined) return undefined;
      node.linkTarget = target;
    }
    if (type !== 'file') return prev && sameNode(prev, node) ? prev : node; // reused as files are, for their tree's sake
    if (prev && this.#unchanged(prev, node)) return this.#fileDone(node, { size: prev.size!, content: prev.content!, ...(prev.holes ? { holes: prev.holes } : {}) });
    // A small file is done right here when the budget has room: no promise chain per file (most files are small).
    if (st.nlink <= 1n && node.size! < this.#smallFile && !isSparse(st)) {
      const cost = node.size! + SMALL_FILE_OVERHEAD;
      if (this.#smallBudget.tryAcquire(cost)) {
        let content: FileContent | undefined;
        try {
          content = this.#readSmallWith(full, node.size!, cost);
        } catch (err) {
          if (!(err instanceof EntryError)) throw err;
          return this.#fail(rel, err.message);
        }
        if (content) return this.#fileDone(node, content);
      }
    }
    return this.#try(rel, () => this.#fileContent(full, st)).then((content) => (content ? this.#fileDone(node, content) : undefined));
  }

  /** The parent snapshot's node of an unchanged file, counted as done. */
  #reused(prev: TreeNode): TreeNode {
    this.#fileCounted(prev.size!);
    return prev;
  }

  /** `node` (made for this file by `#leaf`) completed with its content. */
  #fileDone(node: TreeNode, content: FileContent): TreeNode {
    this.#fileCounted(content.size);
    node.size = content.size;
    node.content = content.content;
    if (content.holes) node.holes = content.holes;
    return node;
  }

  #fileCounted(size: number): void {
    this.files++;
    this.bytesDone += size;
    this.progress(false);
  }

  /** The file read and stored, once per inode for multiply-linked files. */
  #fileContent(full: string, st: EntryStat): Promise<FileContent> {
    if (st.nlink <= 1n) return this.#read(full, st);
    const key = inodeKey(st);
    let pending = this.#linked.get(key);
    if (!pending) {
      pending = this.#read(full, st);
      this.#linked.set(key, pending);
    }
    return pending;
  }

  #unchanged(prev: TreeNode, node: TreeNode): boolean {
    return prev.type === 'file' && prev.size === node.size && prev.mtime === node.mtime && prev.ctime === node.ctime && prev.inode === node.inode && this.#present(prev);
  }

  /** The content a parent snapshot's file node lists is all stored (not pruned since). */
  #present(prev: TreeNode): boolean {
    return Array.isArray(prev.content) && prev.content.every((id) => this.#repo.hasBlob(id));
  }

  async #read(full: string, st: EntryStat): Promise<FileContent> {
    const size = Number(st.size);
    if (size < this.#smallFile && !isSparse(st)) {
      const small = await this.#readSmall(full, size);
      if (small) return small;
    }
    return this.#largeFiles.run(async () => {
      const fh = await this.fs.openFile(full);
      // One read buffer per large-file slot, reused: a fresh 4 MiB buffer per file costs page faults.
      const buffer = this.#readBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_SIZE);
      try {
        return await storeFile(fh, { repo: this.#repo, budget: this.#budget, sparse: isSparse(st), expectedSize: size, stats: this.stats, buffer, onRead: () => this.progress(false), signal: this.#opts.signal });
      } finally {
        this.#readBuffers.push(buffer);
        await fh.close();
      }
    }, this.#opts.signal);
  }

  /** A small file read whole at once and stored as one blob; undefined when it grew past the small size. */
  async #readSmall(full: string, size: number): Promise<FileContent | undefined> {
    // Charged with an overhead, so that many tiny files in flight are bounded too (each holds a promise chain).
    const cost = size + SMALL_FILE_OVERHEAD;
    if (!this.#smallBudget.tryAcquire(cost)) await this.#smallBudget.acquire(cost, this.#opts.signal);
    return this.#readSmallWith(full, size, cost);
  }

  /** `#readSmall` once its budget charge `cost` is taken (returned when the blob is stored, or at once when not stored). */
  #readSmallWith(full: string, size: number, cost: number): FileContent | undefined {
    let n: number;
    // One byte more than expected: growth shows as a full buffer. One buffer for every small file: saveBlob
    // copies before it returns.
    if (this.#smallRead.length < size + 1) this.#smallRead = Buffer.allocUnsafeSlow(Math.max(size + 1, this.#smallFile + 1));
    const buf = this.#smallRead.subarray(0, size + 1);
    try {
      n = this.fs.readSmall(full, buf);
    } catch (err) {
      this.#smallBudget.release(cost);
      throw err;
    }
    this.stats.bytesRead += n;
    if (n === buf.length || n === 0) {
      this.#smallBudget.release(cost);
      return n === 0 ? { size: 0, content: [] } : undefined;
    }
    return { size: n, content: [this.#store('data', buf.subarray(0, n), cost)] };
  }

  /**
   * The parent snapshot's nodes by name of subdirectory `k` of `groups`; a parent tree that cannot be read is
   * ignored (its directory is then read whole). Never rejects.
   */
  async #previousNodes(groups: TreeGroups<readonly TreeNode[]>, k: number): Promise<readonly TreeNode[] | undefined> {
    const loaded = await groups.get(k);
    return loaded?.ok ? loaded.value : undefined;
  }

  /** Runs an I/O step of one entry; a file system failure is recorded against the entry, anything else thrown. */
  async #try<T>(rel: string, step: () => Promise<T>): Promise<T | undefined> {
    try {
      return await step();
    } catch (err) {
      if (this.#opts.signal?.aborted || !(err instanceof EntryError)) throw err;
      return this.#fail(rel, err.message);
    }
  }

  /** A scanned listing, or its failure as an EntryError (recorded for the directory by the caller). */
  async #scanned(scan: Promise<ScannedDir>): Promise<{ names: string[]; stats: Array<EntryStat | ScanError> }> {
    const dir = await scan;
    if (dir.error) throw new EntryError(dir.error);
    return { names: dir.names, stats: scannedEntries(dir) };
  }

  /** A scanned entry's stat, or undefined with its lstat's failure recorded. */
  #statOf(rel: string, entry: EntryStat | ScanError): EntryStat | undefined {
    return entry instanceof ScannedStat ? entry : this.#fail(rel, new EntryError(entry).message);
  }

  #trySync<T>(rel: string, step: () => T): T | undefined {
    try {
      return step();
    } catch (err) {
      if (!(err instanceof EntryError)) throw err;
      return this.#fail(rel, err.message);
    }
  }

  #fail(rel: string, error: string): undefined {
    this.errors.push({ path: rel, error });
    return undefined;
  }

  progress(done: boolean): void {
    const cb = this.#opts.onProgress;
    if (!cb) return;
    const t = Date.now();
    if (!done && t - this.#lastProgress < (this.#opts.progressIntervalMs ?? 250)) return;
    this.#lastProgress = t;
    cb({ files: this.files, dirs: this.dirs, bytesDone: this.bytesDone, bytesRead: this.stats.bytesRead, newBytes: this.stats.newBytesRaw, errors: this.errors.length, elapsedMs: t - this.#started, done });
  }
}

function nodesOf(tree: Tree): readonly TreeNode[] {
  return tree.nodes;
}

/**
 * The parent snapshot's node of each name (or undefined), matched in one pass: a listing and a tree are both in
 * name order (`compareNames`), so no map per directory is built. A tree out of that order (not written by
 * Skiff) is matched through a map.
 */
export function matchByName(names: readonly string[], previous: readonly TreeNode[]): Array<TreeNode | undefined> {
  for (let j = 1; j < previous.length; j++) if (compareNames(previous[j - 1]!.name, previous[j]!.name) >= 0) return matchByMap(names, previous);
  const out = new Array<TreeNode | undefined>(names.length).fill(undefined);
  let j = 0;
  for (let i = 0; i < names.length; i++) {
    while (j < previous.length && compareNames(previous[j]!.name, names[i]!) < 0) j++;
    if (j < previous.length && previous[j]!.name === names[i]) out[i] = previous[j++];
  }
  return out;
}

function matchByMap(names: readonly string[], previous: readonly TreeNode[]): Array<TreeNode | undefined> {
  const byName = new Map(previous.map((n) => [n.name, n]));
  return names.map((n) => byName.get(n));
}

function relPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}
