/** Tests for archive/tar-header: headers must equal, byte for byte, what Go's archive/tar wrote (Velero and testdata). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { listTarGz, type TarEntry } from '../../test/support/independent-tar.ts';
import { ArchiveError } from './errors.ts';
import { VELERO_BACKUPS, VELERO_FIXTURES } from './testing.ts';
import { BLOCK, END_OF_ARCHIVE_BYTES, headerLength, padding, writeFileHeader } from './tar-header.ts';


/** Rebuilds a tar from listed entries with our header writer. */
function rebuild(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const header = Buffer.alloc(headerLength(entry.path));
    assert.equal(writeFileHeader(header, 0, { name: entry.path, size: entry.size, mtime: entry.mtime, mode: entry.mode }), header.length);
    parts.push(header, entry.body, Buffer.alloc(padding(entry.size)));
  }
  parts.push(Buffer.alloc(END_OF_ARCHIVE_BYTES));
  return Buffer.concat(parts);
}

describe('writeFileHeader', () => {
  it('reproduces Go archive/tar for long, split, non-ASCII and boundary names (USTAR and PAX)', () => {
    const gz = readFileSync(new URL('./testdata/go-headers.tar.gz', import.meta.url));
    const entries = listTarGz(gz);
    assert.equal(entries.length, 14);
    assert.ok(entries.some((e) => e.path.includes('😀')) && entries.some((e) => e.path.length > 255));
    // Go rounded 20:20:32.6 up to :33, as the writer does with its mtime option.
    assert.equal(entries[0]!.mtime, Date.UTC(2026, 10, 21, 20, 20, 33) / 1000);
    assert.ok(rebuild(entries).equals(gunzipSync(gz)));
  });

  for (const name of VELERO_BACKUPS) {
    it(`reproduces the tar stream of Velero 1.18.3's ${name} exactly`, () => {
      const gz = readFileSync(new URL(`backups/${name}/${name}.tar.gz`, VELERO_FIXTURES));
      assert.ok(rebuild(listTarGz(gz)).equals(gunzipSync(gz)));
    });
  }

  it('zeroes the region it writes and returns the offset after the header', () => {
    const target = Buffer.alloc(4 * BLOCK, 0xff);
    const end = writeFileHeader(target, BLOCK, { name: 'metadata/version', size: 6, mtime: 0 });
    assert.equal(end, 2 * BLOCK);
    assert.equal(target.subarray(BLOCK + 16, BLOCK + 100).every((b) => b === 0), true);
    assert.equal(target[0], 0xff);
    assert.equal(target[2 * BLOCK], 0xff);
  });

  it('refuses sizes and times a USTAR header cannot hold', () => {
    const target = Buffer.alloc(BLOCK);
    for (const header of [{ size: 8 ** 11 }, { size: -1 }, { mtime: -1 }, { mtime: 1.5 }]) {
      assert.throws(() => writeFileHeader(target, 0, { name: 'x', size: 1, mtime: 0, ...header }), (err: unknown) => err instanceof ArchiveError && err.reason === 'InvalidItem');
    }
  });
});
