/**
 * @module repo/reachable: walks every tree reachable from a set of snapshots, each distinct tree once
 * (maintenance marks what they reference; check verifies them). Memory: a BlobIdSet of the trees seen and a
 * stack of tree ids still to load, never the trees themselves beyond the batch being read. Trees are read in
 * batches sorted by pack location, so trees stored side by side come in one ranged request.
 */
import { throwIfAborted } from '../util/index.ts';
import { BlobIdSet } from './id-set.ts';
import type { Repository } from './repository.ts';
import { parseTree } from './tree.ts';
import type { BlobId, Tree } from './types.ts';

export interface TreeVisit {
  id: BlobId;
  tree: Tree;
  /** Path of the directory inside the snapshot it was first reached from (`/` for the root). */
  path: string;
  /** The snapshot it was first reached from. */
  snapshot: string;
}

export interface TreeFailure {
  id: BlobId;
  path: string;
  snapshot: string;
  error: unknown;
}

export interface WalkOptions {
  /** Called once per distinct tree. */
  onTree: (v: TreeVisit) => void;
  /** A tree that cannot be read or parsed. Without it the walk throws the first such error. */
  onTreeError?: ((f: TreeFailure) => void) | undefined;
  /** Called after every batch with the number of trees visited so far. */
  onProgress?: ((trees: number) => void) | undefined;
  signal?: AbortSignal | undefined;
}

interface Pending {
  id: BlobId;
  path: string;
  snapshot: string;
}

/** Trees per batch: enough that neighbours in a pack share a request, few enough to keep little in memory. */
const BATCH = 512;

const childPath = (dir: string, name: string): string => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** Visits every tree under `roots`; returns how many distinct trees there were. */
export async function walkTrees(repo: Repository, roots: Array<{ snapshot: string; tree: BlobId }>, opts: WalkOptions): Promise<number> {
  const seen = new BlobIdSet();
  const stack: Pending[] = [];
  const push = (p: Pending): void => {
    if (seen.add(p.id)) stack.push(p);
  };
  for (const r of roots) push({ id: r.tree, path: '/', snapshot: r.snapshot });
  let visited = 0;
  const visit = (p: Pending, tree: Tree): void => {
    visited++;
    opts.onTree({ ...p, tree });
    for (const n of tree.nodes) if (n.type === 'dir' && n.subtree) push({ id: n.subtree, path: childPath(p.path, n.name), snapshot: p.snapshot });
  };
  const fail = (p: Pending, error: unknown): void => {
    if (!opts.onTreeError) throw error;
    opts.onTreeError({ ...p, error });
  };
  // Depth first (a stack): the pending list stays near depth × width instead of a whole level of the tree.
  // One batch at a time: loadBlobs already reads ahead within a batch.
  while (stack.length > 0) {
    throwIfAborted(opts.signal);
    const batch = stack.splice(Math.max(0, stack.length - BATCH));
    await readBatch(repo, batch, visit, fail, opts.onTreeError !== undefined, opts.signal);
    opts.onProgress?.(visited);
  }
  return visited;
}

/** Reads one batch of trees; on a failure inside a batched read, the rest are read one by one to name the culprit. */
async function readBatch(repo: Repository, batch: Pending[], visit: (p: Pending, t: Tree) => void, fail: (p: Pending, e: unknown) => void, soft: boolean, signal: AbortSignal | undefined): Promise<void> {
  const readable: Array<{ p: Pending; pack: string; offset: number }> = [];
  for (const p of batch) {
    const loc = repo.index.get(p.id);
    if (!loc) fail(p, new Error(`tree ${p.id} is not in the index`));
    else if (loc.type !== 'tree') fail(p, new Error(`blob ${p.id} is indexed as a ${loc.type} blob, not a tree`));
    else readable.push({ p, pack: loc.pack, offset: loc.offset });
  }
  readable.sort((a, b) => (a.pack < b.pack ? -1 : a.pack > b.pack ? 1 : a.offset - b.offset));
  let done = 0;
  try {
    for await (const { data } of repo.loadBlobs(readable.map((r) => r.p.id), { type: 'tree', prefetch: 8, signal })) {
      const { p } = readable[done++]!;
      let tree: Tree;
      try {
        tree = parseTree(data);
      } catch (err) {
        fail(p, err);
        continue;
      }
      visit(p, tree);
    }
  } catch (err) {
    throwIfAborted(signal);
    if (!soft) throw err;
    if (readable.length - done <= 1) {
      if (done < readable.length) fail(readable[done]!.p, err);
      return;
    }
    for (const { p } of readable.slice(done)) {
      let tree: Tree;
      try {
        tree = await repo.loadTree(p.id);
      } catch (e) {
        fail(p, e);
        continue;
      }
      visit(p, tree);
    }
  }
}
