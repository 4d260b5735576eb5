/**
 * @module repo/snapshot-ops: finding snapshots — the parent of an incremental run, filters for listings, ids
 * by prefix — and walking a snapshot's trees by path.
 */
import { TreeFormatError } from './tree.ts';
import type { BlobId, RepositoryApi, Snapshot, SnapshotSource, TreeNode } from './types.ts';

/** A snapshot id or path that names nothing, or more than one thing. */
export class SnapshotLookupError extends Error {
  readonly reason: 'NotFound' | 'Ambiguous' | 'InvalidPath';
  constructor(reason: SnapshotLookupError['reason'], message: string) {
    super(message);
    this.name = 'SnapshotLookupError';
    this.reason = reason;
  }
}

/** True when two sources name the same thing (host, path, and the pod volume fields when set). */
export function sameSource(a: SnapshotSource, b: SnapshotSource): boolean {
  return a.path === b.path && (a.host ?? '') === (b.host ?? '') && (a.namespace ?? '') === (b.namespace ?? '') && (a.pod ?? '') === (b.pod ?? '') && (a.volume ?? '') === (b.volume ?? '');
}

export interface SnapshotFilter {
  /** Fields that must match exactly (unset fields match anything). */
  source?: Partial<SnapshotSource>;
  /** Every one of these tags must be present. */
  tags?: string[];
  hostname?: string;
}

/** The snapshots that pass `filter`, in their original order. */
export function filterSnapshots(list: readonly Snapshot[], filter: SnapshotFilter): Snapshot[] {
  return list.filter((s) => {
    for (const [k, v] of Object.entries(filter.source ?? {}) as Array<[keyof SnapshotSource, string | undefined]>) {
      if (v !== undefined && s.source[k] !== v) return false;
    }
    if (filter.hostname !== undefined && s.hostname !== filter.hostname) return false;
    return (filter.tags ?? []).every((t) => s.tags.includes(t));
  });
}

/** The most recent snapshot of `source` (the parent an incremental backup compares with), if any. */
export async function findParentSnapshot(repo: RepositoryApi, source: SnapshotSource): Promise<Snapshot | undefined> {
  const same = (await repo.listSnapshots()).filter((s) => sameSource(s.source, source));
  return same.reduce<Snapshot | undefined>((best, s) => (best === undefined || s.time >= best.time ? s : best), undefined);
}

/** Resolves a snapshot id, a unique prefix of one (at least 4 characters), or `latest`. */
export async function findSnapshot(repo: RepositoryApi, ref: string): Promise<Snapshot> {
  const list = await repo.listSnapshots();
  if (ref === 'latest') {
    const last = list.at(-1);
    if (!last) throw new SnapshotLookupError('NotFound', 'the repository has no snapshots');
    return last;
  }
  if (!/^[0-9a-f]{4,64}$/.test(ref)) throw new SnapshotLookupError('NotFound', `snapshot id ${JSON.stringify(ref)} is not a hex id or prefix (at least 4 characters) or "latest"`);
  const hits = list.filter((s) => s.id?.startsWith(ref));
  if (hits.length === 0) throw new SnapshotLookupError('NotFound', `no snapshot ${ref}`);
  if (hits.length > 1) throw new SnapshotLookupError('Ambiguous', `snapshot prefix ${ref} matches ${hits.length} snapshots; give more characters`);
  return hits[0]!;
}

/**
 * Splits a path inside a snapshot (`a/b`, `/a/b/`, `./a`) into names; `..` and empty paths are refused, as
 * they could only point outside the snapshot.
 */
export function splitSnapshotPath(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new SnapshotLookupError('InvalidPath', `path ${JSON.stringify(path)}: ".." is not allowed in a snapshot path`);
  return parts;
}

/** The node at `names` under the tree `root` (undefined for the root itself), or a NotFound error. */
export async function findNode(repo: RepositoryApi, root: BlobId, names: readonly string[]): Promise<TreeNode | undefined> {
  let tree = root;
  let node: TreeNode | undefined;
  for (const [i, name] of names.entries()) {
    node = (await repo.loadTree(tree)).nodes.find((n) => n.name === name);
    const where = names.slice(0, i + 1).join('/');
    if (!node) throw new SnapshotLookupError('NotFound', `${where}: no such file or directory in the snapshot`);
    if (i < names.length - 1) {
      if (node.type !== 'dir' || !node.subtree) throw new SnapshotLookupError('NotFound', `${where}: not a directory`);
      tree = node.subtree;
    }
  }
  return node;
}

/**
 * Every node under `root`, depth first in tree order, with its path relative to the root (for `repo ls`).
 * Holds one tree per level of the current path.
 */
export async function* walkSnapshot(repo: RepositoryApi, root: BlobId, prefix = ''): AsyncGenerator<{ path: string; node: TreeNode }> {
  const tree = await repo.loadTree(root);
  for (const node of tree.nodes) {
    const path = prefix === '' ? node.name : `${prefix}/${node.name}`;
    yield { path, node };
    if (node.type === 'dir') {
      if (!node.subtree) throw new TreeFormatError(`${path}: directory has no subtree`);
      yield* walkSnapshot(repo, node.subtree, path);
    }
  }
}
