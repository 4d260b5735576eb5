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
import { CREATE_FLAGS, RestoreError, finishDirSync, makeDirSync, placeSync, symlinkSyncAt, times, writeSmallFileSync } from './restore-fs.ts';
import { findNode, findSnapshot, splitSnapshotPath } from './snapshot-ops.ts';
import { TreeFormatError, checkTree } from './tree.ts';
import type { BlobId, RepositoryApi, Snapshot, Tree, TreeNode } from './types.ts';

export interface RestoreOptions {
  /** Paths inside the snapshot to restore (with everything below them); default: the whole snapshot. */
  paths?: string[];
  /** Replace existing files, symlinks and special files (directories are merged either way). */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: RestoreProgress) => void;
  progressIntervalMs?: number;
  /** Large files (and links, special files) restored at once (default 4); small files are written in turn. */
  concurrency?: number;
  /** Bytes of blobs loaded but not yet written (default 64 MiB). */
  maxInFlightBytes?: number;
  /** Restore owners (default: when running as root). */
  restoreOwners?: boolean;
  now?: () => Date;
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
/** Files up to this size with one blob are written synchronously in one go (see restore-fs.ts). */
const SMALL_FILE = 1024 * 1024;
/** Longest stretch of synchronous file system calls before the event loop gets a turn. */
const YIELD_MS = 10;

/** Restores `snapshot` (an object, an id, a unique id prefix or `latest`) into `target` (created if missing). */
export async function restoreSnapshot(repo: RepositoryApi, snapshot: Snapshot | string, target: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const now = opts.now ?? (() => new Date());
  const started = now().getTime();
  const snap = typeof snapshot === 'string' ? await findSnapshot(repo, snapshot) : snapshot;
  const selection = await selectPaths(repo, snap.tree, opts.paths);
  const root = resolve(target);
  await mkdir(root, { recursive: true });
  const run = new RestoreRun(repo, root, opts, started, now, selection.all ? snap.summary.totalBytes : undefined);
  await run.directory(snap.tree, root, '', selection);
  run.progress(true);
  return { snapshot: snap.id ?? '', ...run.counts, warnings: run.warnings, durationMs: now().getTime() - started };
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
  readonly #place: { overwrite: boolean; owners: boolean };
  readonly #budget: ByteBudget;
  readonly #dirSlots = new SideSlots(PARALLEL_DIRS);
  /** The first restored path of each multiply-linked inode (device:inode), resolved once it is written. */
  readonly #linked = new Map<string, Promise<string>>();
  readonly #started: number;
  readonly #now: () => Date;
  readonly #totalBytes: number | undefined;
  #lastProgress = 0;
  #yieldedAt = performance.now();

  constructor(repo: RepositoryApi, root: string, opts: RestoreOptions, started: number, now: () => Date, totalBytes: number | undefined) {
    this.#repo = repo;
    this.#root = root;
    this.#opts = opts;
    this.#place = { overwrite: opts.overwrite ?? false, owners: opts.restoreOwners ?? process.getuid?.() === 0 };
    if (!this.#place.owners) this.warnings.push({ path: '', message: 'owners (uid/gid) not restored: not running as root' });
    this.#budget = new ByteBudget(opts.maxInFlightBytes ?? 64 * 1024 * 1024);
    this.#started = started;
    this.#now = now;
    this.#totalBytes = totalBytes;
  }

  /** Restores the entries of the tree `id` into the existing directory `dest` (`rel` in the snapshot). */
  async directory(id: BlobId, dest: string, rel: string, sel: Selection): Promise<void> {
    throwIfAborted(this.#opts.signal);
    const chosen = (await this.#tree(id, rel)).nodes.flatMap((node) => {
      const sub = sel.all ? sel : sel.children.get(node.name);
      return sub ? [{ node, sub, dest: this.#inside(dest, node.name), rel: rel === '' ? node.name : `${rel}/${node.name}` }] : [];
    });
    await Promise.all([
      this.#smallFiles(chosen.filter((e) => isSmallFile(e.node))),
      mapLimit(
        chosen.filter((e) => e.node.type !== 'dir' && !isSmallFile(e.node)),
        this.#opts.concurrency ?? 4,
        (e) => this.#leaf(e.node, e.dest, e.rel),
      ),
    ]);
    await this.#dirSlots.each(
      chosen.filter((e) => e.node.type === 'dir'),
      async (e) => {
        makeDirSync(e.dest, e.rel, this.#place.overwrite);
        await this.directory(e.node.subtree!, e.dest, e.rel, e.sub);
        finishDirSync(e.node, e.dest, e.rel, this.#place.owners);
        this.counts.dirs++;
        this.progress(false);
      },
    );
  }

  /** A tree, checked whether or not the repository checked it: this is what keeps the restore inside the target. */
  async #tree(id: BlobId, rel: string): Promise<Tree> {
    try {
      const tree = await this.#repo.loadTree(id);
      checkTree(tree);
      return tree;
    } catch (err) {
      if (!(err instanceof TreeFormatError)) throw err;
      throw new RestoreError('Unsafe', rel || '/', `refusing a malformed tree: ${err.message}`);
    }
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
    for await (const data of blobsInOrder(this.#repo, withData.map((e) => e.node.content![0]!), { signal: this.#opts.signal, reuse: true })) {
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
    placeSync(dest, rel, this.#place.overwrite, () => closeSync(openSync(dest, CREATE_FLAGS, 0o600)));
    const fh = await open(dest, constants.O_WRONLY | constants.O_NOFOLLOW);
    try {
      await writeContent(fh, node, rel, { repo: this.#repo, budget: this.#budget, signal: this.#opts.signal, onWrite: (n) => ((this.counts.bytes += n), this.progress(false)) });
      if (this.#place.owners) await fh.chown(node.uid, node.gid);
      await fh.chmod(node.mode); // after chown, which clears setuid/setgid
      await fh.utimes(...times(node));
    } finally {
      await fh.close();
    }
  }

  progress(done: boolean): void {
    const cb = this.#opts.onProgress;
    if (!cb) return;
    const t = this.#now().getTime();
    if (!done && t - this.#lastProgress < (this.#opts.progressIntervalMs ?? 250)) return;
    this.#lastProgress = t;
    cb({ files: this.counts.files, dirs: this.counts.dirs, bytes: this.counts.bytes, ...(this.#totalBytes !== undefined ? { totalBytes: this.#totalBytes } : {}), elapsedMs: t - this.#started, done });
  }
}

/** A file written whole in one go: one blob at most, no holes, not a hard link, not large. */
function isSmallFile(node: TreeNode): boolean {
  return node.type === 'file' && (node.content?.length ?? 0) <= 1 && node.holes === undefined && (node.links ?? 1) <= 1 && (node.size ?? 0) <= SMALL_FILE;
}
