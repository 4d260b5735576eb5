/**
 * @module repo/restorer: restores a snapshot, or chosen paths of it, into a target directory.
 *
 * Nothing is written outside the target: every tree is checked before any of its entries is created (names
 * are plain names, no `/`, `.` or `..`), files are created with O_EXCL|O_NOFOLLOW, and an existing entry that
 * is not a real directory is never walked into. Existing files are refused unless `overwrite` is set.
 */
import { closeSync, constants, linkSync, openSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { setImmediate } from 'node:timers/promises';
import { join, resolve, sep } from 'node:path';
import { mapLimit, throwIfAborted } from '../util/index.ts';
import { ByteBudget, SideSlots } from './budget.ts';
import { blobsInOrder, writeContent } from './restore-file.ts';
import { CREATE_FLAGS, RestoreError, creation, currentUmask, finishDirSync, ownerDiffers, makeDirSync, placeSync, symlinkSyncAt, times, writeSmallFileSync, type PlaceOptions } from './restore-fs.ts';
import { TreeGroups, findNode, findSnapshot, loadTrees, splitSnapshotPath, type LoadedTree } from './snapshot-ops.ts';
import { TreeFormatError } from './tree.ts';
import type { BlobId, RepositoryApi, Snapshot, Tree, TreeNode } from './types.ts';

export interface RestoreOptions {
  /** Paths inside the snapshot to restore (with everything below them); default: the whole snapshot. */
  paths?: string[];
  /** Replace existing files, symlinks and special files (directories are merged either way). */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RestoreProgress) => void;
  /** Restore owners (default: when running as root). */
  restoreOwners?: boolean;
}

export interface RestoreProgress {
  files: number;
  dirs: number;
  bytes: number;
  /** Content bytes of the whole snapshot, when the whole snapshot is restored (for an ETA). */
  totalBytes?: number;
  elapsedMs: number;
  done: boolean;
}

export interface RestoreResult {
  snapshot: string;
  files: number;
  /** Directories restored, the target itself included (as a backup counts its root). */
  dirs: number;
  symlinks: number;
  /** Files restored as a link to an earlier path of the same inode. */
  hardLinks: number;
  bytes: number;
  /** What could not be restored as it was (special files, owners), one entry per path or once per cause. */
  warnings: Array<{ path: string; message: string }>;
  durationMs: number;
}

export { RestoreError } from './restore-fs.ts';

/** Chosen paths as a trie: `all` restores a whole subtree, `children` narrows to some names. */
interface Selection {
  all: boolean;
  children: Map<string, Selection>;
}

const PARALLEL_DIRS = 2;
/** Large files (and links, special files) restored at once; small files are written in turn. */
const LARGE_FILES = 4;
/** Bytes of blobs loaded but not yet written. */
const IN_FLIGHT = 64 * 1024 * 1024;
/** Least time between two progress calls. */
const PROGRESS_MS = 250;
/** Files up to this size with one blob are written synchronously in one go (see restore-fs.ts). */
const SMALL_FILE = 1024 * 1024;
/** Longest stretch of synchronous file system calls before the event loop gets a turn. */
const YIELD_MS = 10;

/** Restores `snapshot` (an object, an id, a unique id prefix or `latest`) into `target` (created if missing). */
export async function restoreSnapshot(repo: RepositoryApi, snapshot: Snapshot | string, target: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const started = Date.now();
  const snap = typeof snapshot === 'string' ? await findSnapshot(repo, snapshot) : snapshot;
  const selection = await selectPaths(repo, snap.tree, opts.paths);
  const root = resolve(target);
  await mkdir(root, { recursive: true });
  const tree = checked((await loadTrees(repo, [snap.tree], (t) => t, opts.signal)).get(snap.tree)!, '');
  const run = new RestoreRun(repo, root, opts, started, selection.all ? snap.summary.totalBytes : undefined);
  await run.directory(tree, root, '', selection);
  run.progress(true);
  return { snapshot: snap.id ?? '', ...run.counts, warnings: run.warnings, durationMs: Date.now() - started };
}

/** Turns chosen paths into a selection, checking that each exists in the snapshot (else SnapshotLookupError). */
async function selectPaths(repo: RepositoryApi, tree: BlobId, paths: string[] | undefined): Promise<Selection> {
  const top: Selection = { all: !paths || paths.length === 0, children: new Map() };
  for (const path of paths ?? []) {
    const names = splitSnapshotPath(path);
    if (names.length === 0) {
      top.all = true;
      continue;
    }
    await findNode(repo, tree, names);
    let sel = top;
    for (const name of names) {
      let next = sel.children.get(name);
      if (!next) sel.children.set(name, (next = { all: false, children: new Map() }));
      sel = next;
    }
    sel.all = true;
  }
  return top;
}

class RestoreRun {
  readonly counts = { files: 0, dirs: 0, symlinks: 0, hardLinks: 0, bytes: 0 };
  readonly warnings: Array<{ path: string; message: string }> = [];
  readonly #repo: RepositoryApi;
  readonly #root: string;
  readonly #opts: RestoreOptions;
  readonly #place: PlaceOptions;
  readonly #budget: ByteBudget;
  readonly #dirSlots = new SideSlots(PARALLEL_DIRS);
  /** The first restored path of each multiply-linked inode (device:inode), resolved once it is written. */
  readonly #linked = new Map<string, Promise<string>>();
  readonly #started: number;
  readonly #totalBytes: number | undefined;
  #lastProgress = 0;
  #yieldedAt = performance.now();

  constructor(repo: RepositoryApi, root: string, opts: RestoreOptions, started: number, totalBytes: number | undefined) {
    this.#repo = repo;
    this.#root = root;
    this.#opts = opts;
    this.#place = { overwrite: opts.overwrite ?? false, owners: opts.restoreOwners ?? process.getuid?.() === 0, umask: currentUmask() };
    if (!this.#place.owners) this.warnings.push({ path: '', message: 'owners (uid/gid) not restored: not running as root' });
    this.#budget = new ByteBudget(IN_FLIGHT);
    this.#started = started;
    this.#totalBytes = totalBytes;
  }

  /** Restores the entries of `tree` into the existing directory `dest` (`rel` in the snapshot), and counts it. */
  async directory(tree: Tree, dest: string, rel: string, sel: Selection): Promise<void> {
    throwIfAborted(this.#opts.signal);
    const chosen = tree.nodes.flatMap((node) => {
      const sub = sel.all ? sel : sel.children.get(node.name);
      return sub ? [{ node, sub, dest: this.#inside(dest, node.name), rel: rel === '' ? node.name : `${rel}/${node.name}` }] : [];
    });
    const dirs = chosen.filter((e) => e.node.type === 'dir');
    // The subdirectories' trees are read (in groups) while the files are written.
    const trees = new TreeGroups(this.#repo, dirs.map((e) => e.node.subtree!), (t) => t, this.#opts.signal);
    await Promise.all([
      this.#smallFiles(chosen.filter((e) => isSmallFile(e.node))),
      mapLimit(
        chosen.filter((e) => e.node.type !== 'dir' && !isSmallFile(e.node)),
        LARGE_FILES,
        (e) => this.#leaf(e.node, e.dest, e.rel),
      ),
    ]);
    await this.#dirSlots.each(
      dirs.map((e, k) => ({ ...e, k })),
      async (e) => {
        const subtree = trees.get(e.k); // asked for as each starts, in order
        makeDirSync(e.dest, e.rel, this.#place.overwrite);
        await this.directory(checked((await subtree)!, e.rel), e.dest, e.rel, e.sub);
        finishDirSync(e.node, e.dest, e.rel, this.#place.owners);
      },
    );
    this.counts.dirs++;
    this.progress(false);
  }

  /** `dir/name`, checked once more to be inside the target (names are already validated by checkTree). */
  #inside(dir: string, name: string): string {
    const path = join(dir, name);
    if (!path.startsWith(this.#root.endsWith(sep) ? this.#root : this.#root + sep)) throw new RestoreError('Unsafe', name, 'would be written outside the target directory');
    return path;
  }

  /** Small files in tree order: their blobs streamed in that order (neighbours in a pack read at once), each written whole. */
  async #smallFiles(entries: Array<{ node: TreeNode; dest: string; rel: string }>): Promise<void> {
    const withData = entries.filter((e) => e.node.content!.length > 0);
    for (const e of entries) if (e.node.content!.length === 0) this.#smallFile(e, undefined);
    let i = 0;
    // Each file is written (synchronously) before the next blob is asked for: its buffer may be reused.
    for await (const data of blobsInOrder(this.#repo, withData.map((e) => e.node.content![0]!), { signal: this.#opts.signal, budget: this.#budget, reuse: true })) {
      this.#smallFile(withData[i++]!, data);
      if (performance.now() - this.#yieldedAt > YIELD_MS) await this.#yield();
    }
  }

  #smallFile(e: { node: TreeNode; dest: string; rel: string }, data: Uint8Array | undefined): void {
    writeSmallFileSync(e.node, data, e.dest, e.rel, this.#place);
    this.counts.files++;
    this.counts.bytes += data?.length ?? 0;
    this.progress(false);
  }

  async #yield(): Promise<void> {
    await setImmediate();
    this.#yieldedAt = performance.now();
    throwIfAborted(this.#opts.signal);
  }

  async #leaf(node: TreeNode, dest: string, rel: string): Promise<void> {
    throwIfAborted(this.#opts.signal);
    switch (node.type) {
      case 'file':
        await this.#file(node, dest, rel);
        this.counts.files++;
        break;
      case 'symlink':
        symlinkSyncAt(node, dest, rel, this.#place);
        this.counts.symlinks++;
        break;
      case 'fifo':
        this.warnings.push({ path: rel, message: 'FIFO not restored: Node.js cannot create FIFOs (no mkfifo/mknod)' });
        break;
      case 'socket':
        this.warnings.push({ path: rel, message: 'socket not restored: a socket belongs to the process that listened on it' });
        break;
      default:
        this.warnings.push({ path: rel, message: `${node.type === 'chardev' ? 'character' : 'block'} device ${node.rdev ?? '?'} not restored: Node.js cannot create device nodes (no mknod)` });
    }
    this.progress(false);
  }

  async #file(node: TreeNode, dest: string, rel: string): Promise<void> {
    const key = node.links !== undefined && node.links > 1 && node.device !== undefined && node.inode !== undefined ? `${node.device}:${node.inode}` : undefined;
    const first = key === undefined ? undefined : this.#linked.get(key);
    if (first) {
      const target = await first.catch(() => undefined);
      if (target !== undefined && this.#link(target, dest, rel)) return;
    }
    const written = this.#writeFile(node, dest, rel);
    if (key !== undefined && !first) {
      const path = written.then(() => dest);
      path.catch(() => undefined); // a later link awaits it; its failure is this file's, thrown below
      this.#linked.set(key, path);
    }
    await written;
  }

  /** A hard link to an earlier restored path; false when the file system refuses (the content is then written). */
  #link(target: string, dest: string, rel: string): boolean {
    try {
      placeSync(dest, rel, this.#place.overwrite, () => linkSync(target, dest));
    } catch (err) {
      if (err instanceof RestoreError) throw err;
      return false;
    }
    this.counts.hardLinks++;
    return true;
  }

  async #writeFile(node: TreeNode, dest: string, rel: string): Promise<void> {
    const create = creation(node, this.#place);
    placeSync(dest, rel, this.#place.overwrite, () => closeSync(openSync(dest, CREATE_FLAGS, create.mode)));
    const fh = await open(dest, constants.O_WRONLY | constants.O_NOFOLLOW);
    try {
      await writeContent(fh, node, rel, { repo: this.#repo, budget: this.#budget, signal: this.#opts.signal, onWrite: (n) => ((this.counts.bytes += n), this.progress(false)) });
      if (this.#place.owners && ownerDiffers(node, await fh.stat())) await fh.chown(node.uid, node.gid);
      if (create.chmod) await fh.chmod(node.mode); // after chown, which clears setuid/setgid
      await fh.utimes(...times(node));
    } finally {
      await fh.close();
    }
  }

  progress(done: boolean): void {
    const cb = this.#opts.onProgress;
    if (!cb) return;
    const t = Date.now();
    if (!done && t - this.#lastProgress < PROGRESS_MS) return;
    this.#lastProgress = t;
    cb({ files: this.counts.files, dirs: this.counts.dirs, bytes: this.counts.bytes, ...(this.#totalBytes !== undefined ? { totalBytes: this.#totalBytes } : {}), elapsedMs: t - this.#started, done });
  }
}

/**
 * A tree read by loadTrees (parsed and checked there, whatever the repository does: this is what keeps the
 * restore inside the target), or its error; a malformed tree is refused as unsafe.
 */
function checked(loaded: LoadedTree<Tree>, rel: string): Tree {
  if (loaded.ok) return loaded.value;
  if (loaded.error instanceof TreeFormatError) throw new RestoreError('Unsafe', rel || '/', `refusing a malformed tree: ${loaded.error.message}`);
  throw loaded.error;
}

/** A file written whole in one go: one blob at most, no holes, not a hard link, not large. */
function isSmallFile(node: TreeNode): boolean {
  return node.type === 'file' && (node.content?.length ?? 0) <= 1 && node.holes === undefined && (node.links ?? 1) <= 1 && (node.size ?? 0) <= SMALL_FILE;
}
