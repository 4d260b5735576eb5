/**
 * @module repo/restore-file: writes one file's content from its blobs — in order, read ahead within a byte
 * budget, holes left as holes (positioned writes around them, then the final size by ftruncate).
 */
import type { FileHandle } from 'node:fs/promises';
import type { ByteBudget } from './budget.ts';
import type { BlobId, RepositoryApi, TreeNode } from './types.ts';

/** A tree whose content does not fit its declared size and holes (corrupt or hostile). */
export class ContentMismatchError extends Error {
  readonly reason = 'ContentMismatch';
  constructor(message: string) {
    super(message);
    this.name = 'ContentMismatchError';
  }
}

export interface WriteContentOptions {
  repo: RepositoryApi;
  budget: ByteBudget;
  onWrite?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** The byte ranges of a file that hold data: the complement of its holes in [0, size). */
export function dataSegments(size: number, holes: ReadonlyArray<readonly [number, number]> = []): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = 0;
  for (const [offset, length] of holes) {
    if (offset > at) out.push([at, offset]);
    at = offset + length;
  }
  if (size > at) out.push([at, size]);
  return out;
}

/**
 * Writes the content of `node` into `file` (opened for writing, empty) and sets its size. Every blob comes
 * from the repository, which authenticates it (runs of neighbouring blobs read at once, read ahead within the
 * budget); the total must match the node's size minus its holes.
 */
export async function writeContent(file: FileHandle, node: TreeNode, path: string, opts: WriteContentOptions): Promise<void> {
  const size = node.size ?? 0;
  const segments = dataSegments(size, node.holes);
  const dataBytes = segments.reduce((sum, [a, b]) => sum + b - a, 0);
  let seg = 0;
  let pos = segments[0]?.[0] ?? 0;
  for await (const data of blobsInOrder(opts.repo, node.content ?? [], { signal: opts.signal, budget: opts.budget, reuse: true })) {
    ({ seg, pos } = await writeAt(file, data, segments, seg, pos, path));
    opts.onWrite?.(data.length);
  }
  if (seg < segments.length) throw new ContentMismatchError(`${path}: the content is ${dataBytes - remaining(segments, seg, pos)} bytes, the tree says ${dataBytes}`);
  await file.truncate(size);
}

/** Writes `data` across the data segments from (seg, pos); returns where the next blob continues. */
async function writeAt(file: FileHandle, data: Uint8Array, segments: Array<[number, number]>, seg: number, pos: number, path: string): Promise<{ seg: number; pos: number }> {
  let off = 0;
  while (off < data.length) {
    const s = segments[seg];
    if (!s) throw new ContentMismatchError(`${path}: the content is longer than the size the tree gives`);
    const n = Math.min(data.length - off, s[1] - pos);
    const { bytesWritten } = await file.write(data, off, n, pos);
    off += bytesWritten;
    pos += bytesWritten;
    if (pos === s[1]) {
      seg++;
      pos = segments[seg]?.[0] ?? pos;
    }
  }
  return { seg, pos };
}

function remaining(segments: Array<[number, number]>, seg: number, pos: number): number {
  let left = 0;
  for (let i = seg; i < segments.length; i++) left += segments[i]![1] - (i === seg ? pos : segments[i]![0]);
  return left;
}

/**
 * The data blobs of `ids` in order, neighbouring blobs in a pack read at once (`repo.loadBlobs`, with `reuse`
 * and `budget` passed on). With `reuse`, each blob is valid until the next is asked for.
 */
export async function* blobsInOrder(repo: RepositoryApi, ids: readonly BlobId[], opts: { signal?: AbortSignal | undefined; budget?: ByteBudget | undefined; reuse?: boolean } = {}): AsyncGenerator<Uint8Array> {
  for await (const { data } of repo.loadBlobs(ids, { type: 'data', signal: opts.signal, budget: opts.budget, reuse: opts.reuse })) yield data;
}
