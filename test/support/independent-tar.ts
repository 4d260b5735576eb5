/** @module test/support/independent-tar: a deliberately separate, minimal tar.gz lister to check what the production writer emits. */
import { gunzipSync } from 'node:zlib';

/** One archive member. Extended headers (PAX `x`/`g`, GNU `L`/`K`) are applied, never listed. */
export interface TarEntry {
  path: string;
  type: 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo' | `other:${string}`;
  mode: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string;
  body: Buffer;
  /** Byte offset of the entry's own header block in the uncompressed tar (after any extended headers). */
  offset: number;
}

const TYPES: Record<string, TarEntry['type']> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'directory', '6': 'fifo',
};

/** Lists a gzip-compressed tar (or a plain one when `gzipped` is false). Throws on anything malformed. */
export function listTarGz(archive: Uint8Array, gzipped = true): TarEntry[] {
  const tar = gzipped ? gunzipSync(archive) : Buffer.from(archive);
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  let global: Record<string, string> = {};
  let at = 0;
  while (at + 512 <= tar.length) {
    const block = tar.subarray(at, at + 512);
    if (block.every((b) => b === 0)) return entries; // end of archive (a second zero block may follow)
    verifyChecksum(block, at);
    const flag = String.fromCharCode(block[156]!);
    const size = octal(block.subarray(124, 136));
    const body = tar.subarray(at + 512, at + 512 + size);
    if (body.length !== size) throw new Error(`entry at ${at} is truncated`);
    const next = at + 512 + Math.ceil(size / 512) * 512;
    if (flag === 'x' || flag === 'g') {
      const records = parsePax(body);
      if (flag === 'x') pax = records;
      else global = { ...global, ...records };
    } else if (flag === 'L') {
      longName = cString(body);
    } else if (flag !== 'K') {
      const ustar = block.subarray(257, 262).toString('latin1') === 'ustar';
      const prefix = ustar ? cString(block.subarray(345, 500)) : '';
      const name = cString(block.subarray(0, 100));
      const merged = { ...global, ...pax };
      const realSize = merged['size'] === undefined ? size : Number(merged['size']);
      entries.push({
        path: merged['path'] ?? longName ?? (prefix ? `${prefix}/${name}` : name),
        type: TYPES[flag] ?? `other:${flag}`,
        mode: octal(block.subarray(100, 108)),
        size: realSize,
        mtime: octal(block.subarray(136, 148)),
        linkname: merged['linkpath'] ?? cString(block.subarray(157, 257)),
        body: Buffer.from(tar.subarray(at + 512, at + 512 + realSize)),
        offset: at,
      });
      pax = {};
      longName = undefined;
      at = at + 512 + Math.ceil(realSize / 512) * 512;
      continue;
    }
    at = next;
  }
  if (at !== tar.length) throw new Error(`the archive ends inside a block at ${at}`);
  return entries;
}

function verifyChecksum(block: Buffer, at: number): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  if (sum !== octal(block.subarray(148, 156))) throw new Error(`bad header checksum at ${at}`);
}

function octal(field: Buffer): number {
  const text = cString(field).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

/** `<len> <key>=<value>\n` records; len counts the whole record. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (!(space > at && length > 0)) throw new Error('malformed PAX record');
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}
