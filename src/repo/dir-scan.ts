/**
 * @module repo/dir-scan: a directory listed and every entry lstat'ed in one go, on a worker thread, so that a
 * backup's main thread does not spend a third of an incremental run in `lstat` (100k small files: 0.33 s of
 * 1.3 s, plus the garbage of a BigIntStats per entry). The worker side (`scanDirectory`) sends the names and
 * the stat fields in one typed array; the main side reads them through `ScannedStat`, which has the fields and
 * type tests the archiver uses of a BigIntStats (`EntryStat`).
 */
import { constants } from 'node:fs';
import { childPath, listDir, nodeArchiverFs, type EntryStat } from './walk.ts';

/** The file system calls a backup makes on its own thread, made here instead. */
const fs = nodeArchiverFs();

/** A file system error's code and message (workers cannot send Error objects with their fields). */
export interface ScanError {
  code?: string | undefined;
  message: string;
}

/** A directory as the worker sends it: names in tree order, FIELDS stat values per name, and errors by index. */
export interface ScannedDir {
  names: string[];
  /** FIELDS values per entry (as signed 64-bit; `ScannedStat` reads the unsigned ones as such). */
  stats: BigInt64Array;
  /** Entries whose lstat failed (their stats are zero). */
  failed: Array<[number, ScanError]>;
  /** The listing itself failed (names is empty). */
  error?: ScanError;
}

const MODE = 0;
const UID = 1;
const GID = 2;
const SIZE = 3;
const BLOCKS = 4;
const INO = 5;
const DEV = 6;
const NLINK = 7;
const RDEV = 8;
const MTIME = 9;
const CTIME = 10;
const FIELDS = 11;

function scanError(err: unknown): ScanError {
  const e = err as NodeJS.ErrnoException | null;
  return { code: typeof e?.code === 'string' ? e.code : undefined, message: String(e?.message ?? err) };
}

/** Worker side: lists `path` and lstats each entry (no symlink followed). */
export function scanDirectory(path: string): ScannedDir {
  let names: string[];
  try {
    names = listDir(fs, path);
  } catch (err) {
    return { names: [], stats: new BigInt64Array(0), failed: [], error: scanError(err) };
  }
  const stats = new BigInt64Array(names.length * FIELDS);
  const unsigned = new BigUint64Array(stats.buffer);
  const failed: Array<[number, ScanError]> = [];
  for (let i = 0; i < names.length; i++) {
    let st: EntryStat;
    try {
      st = fs.lstat(childPath(path, names[i]!));
    } catch (err) {
      failed.push([i, scanError(err)]);
      continue;
    }
    const at = i * FIELDS;
    unsigned[at + MODE] = st.mode;
    unsigned[at + UID] = st.uid;
    unsigned[at + GID] = st.gid;
    unsigned[at + SIZE] = st.size;
    unsigned[at + BLOCKS] = st.blocks;
    unsigned[at + INO] = st.ino;
    unsigned[at + DEV] = st.dev;
    unsigned[at + NLINK] = st.nlink;
    unsigned[at + RDEV] = st.rdev;
    stats[at + MTIME] = st.mtimeNs;
    stats[at + CTIME] = st.ctimeNs;
  }
  return { names, stats, failed };
}

/** Main side: entry `index` of a scanned directory, read like a BigIntStats. */
export class ScannedStat implements EntryStat {
  readonly #s: BigInt64Array;
  readonly #u: BigUint64Array;
  readonly #at: number;
  readonly #type: number;

  constructor(stats: BigInt64Array, unsigned: BigUint64Array, index: number) {
    this.#s = stats;
    this.#u = unsigned;
    this.#at = index * FIELDS;
    this.#type = Number(unsigned[this.#at + MODE]! & BigInt(constants.S_IFMT));
  }

  get mode(): bigint {
    return this.#u[this.#at + MODE]!;
  }
  get uid(): bigint {
    return this.#u[this.#at + UID]!;
  }
  get gid(): bigint {
    return this.#u[this.#at + GID]!;
  }
  get size(): bigint {
    return this.#u[this.#at + SIZE]!;
  }
  get blocks(): bigint {
    return this.#u[this.#at + BLOCKS]!;
  }
  get ino(): bigint {
    return this.#u[this.#at + INO]!;
  }
  get dev(): bigint {
    return this.#u[this.#at + DEV]!;
  }
  get nlink(): bigint {
    return this.#u[this.#at + NLINK]!;
  }
  get rdev(): bigint {
    return this.#u[this.#at + RDEV]!;
  }
  get mtimeNs(): bigint {
    return this.#s[this.#at + MTIME]!;
  }
  get ctimeNs(): bigint {
    return this.#s[this.#at + CTIME]!;
  }
  isFile(): boolean {
    return this.#type === constants.S_IFREG;
  }
  isDirectory(): boolean {
    return this.#type === constants.S_IFDIR;
  }
  isSymbolicLink(): boolean {
    return this.#type === constants.S_IFLNK;
  }
  isFIFO(): boolean {
    return this.#type === constants.S_IFIFO;
  }
  isSocket(): boolean {
    return this.#type === constants.S_IFSOCK;
  }
  isCharacterDevice(): boolean {
    return this.#type === constants.S_IFCHR;
  }
  isBlockDevice(): boolean {
    return this.#type === constants.S_IFBLK;
  }
}

/** Main side: a scanned directory's entries, each a stat or the error of its lstat. */
export function scannedEntries(dir: ScannedDir): Array<EntryStat | ScanError> {
  const out: Array<EntryStat | ScanError> = [];
  const unsigned = new BigUint64Array(dir.stats.buffer, dir.stats.byteOffset, dir.stats.length);
  for (let i = 0; i < dir.names.length; i++) out.push(new ScannedStat(dir.stats, unsigned, i));
  for (const [i, err] of dir.failed) out[i] = err;
  return out;
}

/** Something that scans directories off the main thread (the repository's worker pool). */
export interface DirScanner {
  scanDir(path: string): Promise<ScannedDir>;
}

/** Listings asked for at most this many directories ahead of the walk (each holds a directory's names and stats). */
const SCANS_AHEAD = 8;

/** The scans of a directory's subdirectories, asked for ahead of the walk, which takes them in order. */
export class ScanAhead {
  readonly #scanner: DirScanner;
  readonly #paths: readonly string[];
  readonly #scans = new Map<number, Promise<ScannedDir>>();
  #next = 0;

  constructor(scanner: DirScanner, paths: readonly string[]) {
    this.#scanner = scanner;
    this.#paths = paths;
    this.#askUpTo(SCANS_AHEAD - 1);
  }

  /** The scan of subdirectory `k` (call in increasing `k`). */
  get(k: number): Promise<ScannedDir> {
    this.#askUpTo(k + SCANS_AHEAD);
    const scan = this.#scans.get(k)!;
    this.#scans.delete(k);
    return scan;
  }

  #askUpTo(last: number): void {
    for (; this.#next <= last && this.#next < this.#paths.length; this.#next++) {
      const scan = this.#scanner.scanDir(this.#paths[this.#next]!);
      scan.catch(() => undefined); // one asked for ahead of a walk that stops is never awaited
      this.#scans.set(this.#next, scan);
    }
  }
}
