/**
 * @module repo/restore-fs: the file system side of a restore — creating entries without following anything
 * already in the target, and setting their metadata. Synchronous on purpose: each call takes microseconds on
 * a local disk, a thread-pool round trip several times that (see walk.ts); the restorer yields between batches.
 */
import { chmodSync, closeSync, constants, fchmodSync, fchownSync, fstatSync, futimesSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, readFileSync, symlinkSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { ContentMismatchError } from './restore-file.ts';
import { parseTime } from './tree.ts';
import type { TreeNode } from './types.ts';

/** A restore that would write outside the target (`Unsafe`) or over something existing without leave (`Exists`). */
export class RestoreError extends Error {
  readonly reason: 'Exists' | 'Unsafe';
  readonly path: string;
  constructor(reason: RestoreError['reason'], path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'RestoreError';
    this.reason = reason;
    this.path = path;
  }
}

/** O_EXCL: never write into something that exists; O_NOFOLLOW: never through a symlink. */
export const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Runs `make`, which fails with EEXIST when something is in the way. With `overwrite`, a non-directory in
 * the way is removed (the entry itself, never what a symlink points to) and `make` runs again.
 */
export function placeSync<T>(dest: string, rel: string, overwrite: boolean, make: () => T): T {
  try {
    return make();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (!overwrite) throw new RestoreError('Exists', rel, 'already exists in the target (set overwrite to replace it)');
    if (lstatSync(dest).isDirectory()) throw new RestoreError('Exists', rel, 'is a directory in the target; not replaced by a non-directory');
    unlinkSync(dest);
    return make();
  }
}

/** How restored entries are placed: replacing what is in the way, with owners, and the process's umask (when known). */
export interface PlaceOptions {
  overwrite: boolean;
  owners: boolean;
  umask?: number | undefined;
}

/** The process's umask, read without changing it (`process.umask()` sets it twice to read it), or undefined. */
export function currentUmask(): number | undefined {
  try {
    const m = /^Umask:\s*([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? parseInt(m[1]!, 8) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How a restored file is created: with its own mode when the umask leaves it whole (no special bits), as `cp`
 * does, so no chmod follows; else private until its chmod. Restoring many files is mostly metadata calls, each
 * of which changes the inode (a journal update on most file systems); for the same reason the owner is set only
 * when the created file's (an fstat, which changes nothing) is not already the node's (`ownerDiffers`).
 */
export function creation(node: TreeNode, opts: PlaceOptions): { mode: number; chmod: boolean } {
  const whole = opts.umask !== undefined && node.mode <= 0o777 && (node.mode & opts.umask) === 0;
  return whole ? { mode: node.mode, chmod: false } : { mode: 0o600, chmod: true };
}

export function ownerDiffers(node: TreeNode, st: { uid: number; gid: number }): boolean {
  return st.uid !== node.uid || st.gid !== node.gid;
}

/** A file whose whole content is `data` (or empty), written and closed with its metadata (see `creation`). */
export function writeSmallFileSync(node: TreeNode, data: Uint8Array | undefined, dest: string, rel: string, opts: PlaceOptions): void {
  const length = data?.length ?? 0;
  if (length !== (node.size ?? 0)) throw new ContentMismatchError(`${rel}: the content is ${length} bytes, the tree says ${node.size ?? 0}`);
  const create = creation(node, opts);
  const fd = placeSync(dest, rel, opts.overwrite, () => openSync(dest, CREATE_FLAGS, create.mode));
  try {
    for (let off = 0; off < length; ) off += writeSync(fd, data!, off, length - off, off);
    if (opts.owners && ownerDiffers(node, fstatSync(fd))) fchownSync(fd, node.uid, node.gid);
    if (create.chmod) fchmodSync(fd, node.mode); // after chown, which clears setuid/setgid
    futimesSync(fd, ...times(node));
  } finally {
    closeSync(fd);
  }
}

export function symlinkSyncAt(node: TreeNode, dest: string, rel: string, opts: { overwrite: boolean; owners: boolean }): void {
  placeSync(dest, rel, opts.overwrite, () => symlinkSync(node.linkTarget!, dest));
  if (opts.owners) lchownSync(dest, node.uid, node.gid);
  lutimesSync(dest, ...times(node));
}

/** Creates a directory (private until its metadata is set), or accepts an existing real one, never a symlink. */
export function makeDirSync(dest: string, rel: string, overwrite: boolean): void {
  try {
    mkdirSync(dest, 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (lstatSync(dest).isDirectory()) return;
    if (!overwrite) throw new RestoreError('Exists', rel, 'exists in the target and is not a directory');
    unlinkSync(dest);
    mkdirSync(dest, 0o700);
  }
}

/** Owner, mode and times of a directory, once its entries are in (they change its mtime; a read-only mode would stop them). */
export function finishDirSync(node: TreeNode, dest: string, rel: string, owners: boolean): void {
  if (lstatSync(dest).isSymbolicLink()) throw new RestoreError('Unsafe', rel, 'was replaced by a symlink during the restore');
  if (owners) lchownSync(dest, node.uid, node.gid);
  chmodSync(dest, node.mode);
  utimesSync(dest, ...times(node));
}

/**
 * [atime, mtime] as seconds for utimes (atime is not recorded: it gets the mtime). Node passes times to the
 * kernel as a double of seconds, so what is set is the recorded time to about a quarter of a microsecond.
 */
export function times(node: TreeNode): [number, number] {
  const ns = parseTime(node.mtime) ?? 0n;
  const s = Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
  return [s, s];
}
