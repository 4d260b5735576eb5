/** @module archive/tar-header: regular-file tar headers, byte for byte as Go's archive/tar writes Velero's entries. */
import { ArchiveError } from './errors.ts';

export const BLOCK = 512;
/** Go's tar.Writer.Close ends the archive with two zero blocks and no record padding. */
export const END_OF_ARCHIVE_BYTES = 2 * BLOCK;
/** Velero's tar.Header.Mode for every entry (pkg/backup/item_backupper.go, backup.go). */
export const VELERO_MODE = 0o755;

const NAME_SIZE = 100;
const PREFIX_SIZE = 155;
/** Octal size field: 11 digits and a NUL, so below 8 GiB, which an item (at most a few MiB) never nears. */
const MAX_OCTAL_SIZE = 8 ** 11;

/** A regular file's header fields; everything else (uid, gid, uname, devices) is zero as in Velero's headers. */
export interface FileHeader {
  /** Relative path with `/` separators. */
  name: string;
  size: number;
  /** Whole seconds since the epoch, ≥ 0. */
  mtime: number;
  mode?: number;
}

/** Padding after `size` bytes of data to reach the next block. */
export function padding(size: number): number {
  const rest = size % BLOCK;
  return rest === 0 ? 0 : BLOCK - rest;
}

/**
 * The bytes the header of `name` takes: one USTAR block when Go's writer can use USTAR (an ASCII name up to
 * 100 bytes, or one that splits into a 155-byte prefix and a 100-byte name at a `/`); otherwise a PAX
 * extended header carrying the path, its data, and the USTAR-shaped main block (Go's Writer.writePAXHeader).
 */
export function headerLength(name: string): number {
  if (ustarSplit(name) !== undefined) return BLOCK;
  const data = paxData(name);
  return BLOCK + data.length + padding(data.length) + BLOCK;
}

/**
 * Writes the header of a regular file into `target` at `offset` (which must have `headerLength(name)` bytes
 * free) and returns the offset after it. The region is zeroed first, so `target` may be uninitialised.
 *
 * @example const end = writeFileHeader(buf, 0, { name: 'metadata/version', size: 6, mtime: 1_700_000_000 });
 */
export function writeFileHeader(target: Buffer, offset: number, header: FileHeader): number {
  if (!(header.size >= 0 && header.size < MAX_OCTAL_SIZE)) {
    throw new ArchiveError('InvalidItem', `entry size ${header.size} does not fit a tar header`, { entry: header.name });
  }
  if (!(Number.isInteger(header.mtime) && header.mtime >= 0 && header.mtime < 8 ** 11)) {
    throw new ArchiveError('InvalidItem', `modification time ${header.mtime} does not fit a tar header`, { entry: header.name });
  }
  const split = ustarSplit(header.name);
  if (split !== undefined) {
    writeMainBlock(target, offset, header, split.name, split.prefix);
    return offset + BLOCK;
  }
  return writePaxHeader(target, offset, header);
}

interface UstarName {
  prefix: string;
  name: string;
}

/** Go's splitUSTARPath: the longest prefix up to 155 bytes ending at a `/`, leaving a name of 1–100 bytes. */
function ustarSplit(path: string): UstarName | undefined {
  if (!isAscii(path)) return undefined;
  if (path.length <= NAME_SIZE) return { prefix: '', name: path };
  let length = path.length;
  if (length > PREFIX_SIZE + 1) length = PREFIX_SIZE + 1;
  else if (path[length - 1] === '/') length--;
  const i = path.lastIndexOf('/', length - 1);
  const nameLength = path.length - i - 1;
  if (i <= 0 || nameLength > NAME_SIZE || nameLength === 0 || i > PREFIX_SIZE) return undefined;
  return { prefix: path.slice(0, i), name: path.slice(i + 1) };
}

function writePaxHeader(target: Buffer, offset: number, header: FileHeader): number {
  const data = paxData(header.name);
  // Go names the extended header `<dir>/PaxHeaders.0/<file>`, made ASCII and cut to 100 bytes.
  const slash = header.name.lastIndexOf('/');
  const paxName = `${header.name.slice(0, slash + 1)}PaxHeaders.0/${header.name.slice(slash + 1)}`;
  const block = target.subarray(offset, offset + BLOCK).fill(0);
  writeString(block, 0, NAME_SIZE, trimTrailingSlashes(toAscii(paxName).slice(0, NAME_SIZE)));
  writeOctal(block, 100, 8, 0);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, data.length);
  writeOctal(block, 136, 12, 0);
  block[156] = 0x78; // 'x': PAX extended header for the next entry
  finishBlock(block);
  let at = offset + BLOCK;
  at += data.copy(target, at);
  const pad = padding(data.length);
  target.fill(0, at, at + pad);
  at += pad;
  // The main header keeps as much of the name as fits; readers take the real path from the PAX record.
  writeMainBlock(target, at, header, toAscii(header.name), '');
  return at + BLOCK;
}

/** The V7 + USTAR fields Go's templateV7Plus fills for a regular file, then magic and checksum. */
function writeMainBlock(target: Buffer, offset: number, header: FileHeader, name: string, prefix: string): void {
  const block = target.subarray(offset, offset + BLOCK).fill(0);
  writeString(block, 0, NAME_SIZE, name);
  writeOctal(block, 100, 8, header.mode ?? VELERO_MODE);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, header.size);
  writeOctal(block, 136, 12, header.mtime);
  block[156] = 0x30; // '0': regular file
  writeOctal(block, 329, 8, 0);
  writeOctal(block, 337, 8, 0);
  writeString(block, 345, PREFIX_SIZE, prefix);
  finishBlock(block);
}

/** USTAR magic and version, then the checksum: 6 octal digits, NUL, space (Go's block.setFormat). */
function finishBlock(block: Buffer): void {
  block.write('ustar\u000000', 257, 'latin1');
  let sum = 8 * 0x20; // the checksum field itself counts as eight spaces
  for (let i = 0; i < 148; i++) sum += block[i]!;
  for (let i = 156; i < BLOCK; i++) sum += block[i]!;
  writeOctal(block, 148, 7, sum);
  block[155] = 0x20;
}

/** Go's formatOctal: zero-padded digits leaving room for a NUL terminator. */
function writeOctal(block: Buffer, at: number, width: number, value: number): void {
  block.write(value.toString(8).padStart(width - 1, '0'), at, 'latin1');
}

/**
 * Go's formatString: copy what fits (a NUL follows only when there is room); when a cut name ends in `/`,
 * a NUL replaces the first of its trailing slashes so that buggy readers do not see a directory.
 */
function writeString(block: Buffer, at: number, width: number, s: string): void {
  block.write(s, at, Math.min(s.length, width), 'latin1');
  if (s.length > width && s[width - 1] === '/') {
    block[at + trimTrailingSlashes(s.slice(0, width - 1)).length] = 0;
  }
}

/** `<len> path=<name>\n`, where len counts the whole record including its own digits (formatPAXRecord). */
function paxData(name: string): Buffer {
  const body = ` path=${name}\n`;
  const bodyBytes = Buffer.byteLength(body);
  let size = bodyBytes + String(bodyBytes).length;
  if (String(size).length + bodyBytes !== size) size = String(size).length + bodyBytes;
  return Buffer.from(`${size}${body}`);
}

function trimTrailingSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s[end - 1] === '/') end--;
  return s.slice(0, end);
}

/** Go's toASCII: drops every non-ASCII character and NUL. */
function toAscii(s: string): string {
  return isAscii(s) ? s : s.replace(/[^\u0001-\u007f]/gu, '');
}

function isAscii(s: string): boolean {
  return /^[\u0000-\u007f]*$/.test(s);
}
