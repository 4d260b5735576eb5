/**
 * @module repo/walk: the archiver's view of the file system — an injectable seam over `node:fs` (tests spy on
 * it), directory listing in the canonical order, and turning an lstat result into a tree node.
 */
import { closeSync, constants, lstatSync, openSync, readSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { compareNames, formatTime } from './tree.ts';
import type { TreeNode } from './types.ts';

/**
 * The file system calls the archiver makes. Metadata calls and whole reads of small files are synchronous:
 * each takes microseconds on a local file system, and a promise round trip through libuv's thread pool costs
 * several times that (measured on 100k files of 100 bytes: 166k files/s synchronous, 22k files/s with 16
 * asynchronous calls in flight). The archiver yields to the event loop between short batches of them. Large
 * files are read asynchronously, so reading overlaps chunking and hashing.
 */
export interface ArchiverFs {
  /** Entry names of a directory (order does not matter). */
  readdir(path: string): string[];
  lstat(path: string): BigIntStats;
  readlink(path: string): string;
  /**
   * Reads a small regular file into `buf` from its start until end of file or `buf` is full; returns the bytes
   * read. Opens it like `openFile`.
   */
  readSmall(path: string, buf: Buffer): number;
  /** Opens a regular file for reading without following a symlink or blocking on a FIFO swapped in. */
  openFile(path: string): Promise<FileHandle>;
}

// O_NOFOLLOW: an entry replaced by a symlink after lstat is not followed; O_NONBLOCK: one replaced by a FIFO
// does not hang the backup (regular files ignore it); O_NOATIME (below): a backup does not touch access times.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** The real file system. */
export function nodeArchiverFs(): ArchiverFs {
  let noatime = constants.O_NOATIME ?? 0; // only the owner (or root) may ask for it: dropped after the first EPERM
  const withNoatime = <T>(openWith: (flags: number) => T): T => {
    if (noatime !== 0) {
      try {
        return openWith(OPEN_FLAGS | noatime);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
        noatime = 0;
      }
    }
    return openWith(OPEN_FLAGS);
  };
  return {
    readdir: (path) => readdirSync(path),
    lstat: (path) => lstatSync(path, { bigint: true }),
    readlink: (path) => readlinkSync(path),
    readSmall(path, buf) {
      const fd = withNoatime((flags) => openSync(path, flags));
      try {
        let got = 0;
        for (let n = -1; n !== 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, null);
        return got;
      } finally {
        closeSync(fd);
      }
    },
    async openFile(path) {
      if (noatime !== 0) {
        try {
          return await open(path, OPEN_FLAGS | noatime);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
          noatime = 0;
        }
      }
      return open(path, OPEN_FLAGS);
    },
  };
}

/**
 * A file system error about one entry (permission denied, vanished, I/O error): the archiver records it in the
 * snapshot and goes on. Errors of anything else (the repository, a bug) are not EntryErrors and stop the run.
 */
export class EntryError extends Error {
  readonly code: string | undefined;
  constructor(cause: unknown) {
    const e = cause as NodeJS.ErrnoException | null;
    super(e?.code === 'ENOENT' ? 'vanished during the backup (ENOENT)' : e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? cause), { cause });
    this.name = 'EntryError';
    this.code = e?.code;
  }
}

/** The same calls, with their failures as EntryErrors. */
export function entryErrors(fs: ArchiverFs): ArchiverFs {
  const sync =
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      try {
        return fn(...args);
      } catch (err) {
        throw new EntryError(err);
      }
    };
  return {
    readdir: sync(fs.readdir),
    lstat: sync(fs.lstat),
    readlink: sync(fs.readlink),
    readSmall: sync(fs.readSmall),
    openFile: (path) =>
      fs.openFile(path).catch((err: unknown) => {
        throw new EntryError(err);
      }),
  };
}

/** What the archiver reads of an entry's lstat: a BigIntStats has all of it, and so has a scanned entry (dir-scan.ts). */
export type EntryStat = Pick<
  BigIntStats,
  'mode' | 'uid' | 'gid' | 'size' | 'blocks' | 'ino' | 'dev' | 'nlink' | 'rdev' | 'mtimeNs' | 'ctimeNs' | 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'
>;

/** `path`/`name` for a path made by `resolve` (no trailing slash but at `/`) and a listed name: `join` without its normalizing. */
export function childPath(path: string, name: string): string {
  return path.endsWith('/') ? path + name : `${path}/${name}`;
}

/** A directory's entry names in the tree's order (UTF-8 bytes). */
export function listDir(fs: ArchiverFs, path: string): string[] {
  return fs.readdir(path).sort(compareNames);
}

/** The node type of an lstat result, or undefined for a kind of entry no tree can hold. */
export function nodeType(st: EntryStat): TreeNode['type'] | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  return undefined;
}

/**
 * The metadata part of a node. Files keep their inode and ctime (what an incremental backup compares to trust
 * an unchanged file), and, with several links, the device and link count that let a restore re-link them.
 */
export function nodeFromStat(name: string, type: TreeNode['type'], st: EntryStat): TreeNode {
  const node: TreeNode = { name, type, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), mtime: formatTime(st.mtimeNs) };
  if (type === 'file') {
    node.ctime = formatTime(st.ctimeNs);
    node.size = Number(st.size);
    node.inode = Number(st.ino);
    if (st.nlink > 1n) {
      node.device = Number(st.dev);
      node.links = Number(st.nlink);
    }
  }
  if (type === 'chardev' || type === 'blockdev') node.rdev = Number(st.rdev);
  return node;
}

/** `prev`'s permissions, owner and mtime are `st`'s (what nodeFromStat gives every type). */
export function sameMetadata(prev: TreeNode, st: EntryStat): boolean {
  return prev.mode === (Number(st.mode) & 0o7777) && prev.uid === Number(st.uid) && prev.gid === Number(st.gid) && prev.mtime === formatTime(st.mtimeNs);
}

/**
 * `prev`, a file node of the parent snapshot, is what nodeFromStat makes of the file `st` now, content aside:
 * the same size, inode, ctime and metadata (so its content is taken to be unchanged too, as any write changes
 * mtime and ctime).
 */
export function sameFileNode(prev: TreeNode, st: EntryStat): boolean {
  const linked = st.nlink > 1n;
  return (
    prev.type === 'file' &&
    prev.size === Number(st.size) &&
    prev.inode === Number(st.ino) &&
    prev.device === (linked ? Number(st.dev) : undefined) &&
    prev.links === (linked ? Number(st.nlink) : undefined) &&
    prev.ctime === formatTime(st.ctimeNs) &&
    sameMetadata(prev, st)
  );
}

/** A file the file system stores sparsely: fewer bytes allocated than its size. Only such files get holes. */
export function isSparse(st: EntryStat): boolean {
  return st.blocks * 512n < st.size;
}

/** Key of a file's inode within one backup run (hard links share it). */
export function inodeKey(st: EntryStat): string {
  return `${st.dev}:${st.ino}`;
}
