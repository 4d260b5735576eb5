/** Hostile and corrupt archives: each must end in an ArchiveError with the expected reason, and nothing else. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { ArchiveError } from './errors.ts';
import { readBackupArchive, validateBackupArchive } from './reader.ts';
import { BLOCK, writeFileHeader } from './tar-header.ts';
import {
  GOLDEN_ITEMS, VERSION_ENTRY, configMapItem, itemEntry, rawTar, rawTarGz, readAll, rejectsWith, writeArchive, type RawEntry,
} from './testing.ts';
import type { ArchiveLimits } from './tar-source.ts';

const MiB = 1024 * 1024;

async function refused(entries: readonly RawEntry[], reason: ArchiveError['reason'], limits?: Partial<ArchiveLimits>): Promise<ArchiveError> {
  const gz = await rawTarGz(entries);
  const err = await rejectsWith(readAll(gz, { limits }), reason);
  // The first pass of a restore must refuse it the same way.
  await rejectsWith(validateBackupArchive(Readable.from([gz]), { limits }), reason);
  return err;
}

/** Yields `total` zero bytes lazily, counting what was actually pulled. */
function lazyZeros(total: number, counter: { pulled: number }, prefix?: Buffer): Readable {
  const chunk = Buffer.alloc(MiB);
  return Readable.from(
    (function* () {
      if (prefix) yield prefix;
      for (let sent = 0; sent < total; sent += chunk.length) {
        counter.pulled += chunk.length;
        yield chunk;
      }
    })(),
  );
}

describe('hostile archives', () => {
  it('refuses path traversal, absolute paths and backslashes, naming the entry', async () => {
    for (const name of ['../x', 'resources/../../etc/passwd', '/abs/resources/pods/cluster/p.json', 'resources\\pods\\cluster\\p.json']) {
      const err = await refused([VERSION_ENTRY, { name, body: '{}' }], 'UnsafePath');
      assert.equal(err.entry, name);
      assert.ok(err.message.includes(name));
    }
    await refused([VERSION_ENTRY, { name: '../evil/', type: 'directory' }], 'UnsafePath');
    // A long name travels in a PAX record: that is the path checked.
    await refused([VERSION_ENTRY, { name: `resources/${'a'.repeat(150)}/../../../../etc/passwd`, body: '{}' }], 'UnsafePath');
  });

  it('refuses links, devices and fifos', async () => {
    const special: RawEntry[] = [
      { name: 'resources/pods/cluster/p.json', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'resources/pods/cluster/p.json', type: 'link', linkname: 'metadata/version' },
      { name: 'resources/pods/cluster/p.json', type: 'character-device', devmajor: 1, devminor: 3 },
      { name: 'resources/pods/cluster/p.json', type: 'block-device', devmajor: 8, devminor: 0 },
      { name: 'resources/pods/cluster/p.json', type: 'fifo' },
    ];
    for (const entry of special) {
      const err = await refused([VERSION_ENTRY, entry], 'UnsupportedEntryType');
      assert.ok(err.message.includes(entry.type!), err.message);
    }
  });

  it('refuses an entry type it does not know (a GNU sparse file)', async () => {
    const tar = await rawTar([VERSION_ENTRY, itemEntry()]);
    const at = BLOCK * 2; // the item's header follows the version's header and its one data block
    tar[at + 156] = 'S'.charCodeAt(0);
    fixChecksum(tar, at);
    await rejectsWith(readAll(gzipSync(tar)), 'UnsupportedEntryType');
  });

  it('accepts directory entries and ignores them', async () => {
    const entries = await readAll(await rawTarGz([{ name: 'resources/', type: 'directory' }, VERSION_ENTRY, itemEntry()]));
    assert.deepEqual(entries.map((e) => e.kind), ['version', 'item']);
  });

  it('refuses a 100 MiB entry from its header, without reading its body', async () => {
    const header = Buffer.alloc(BLOCK);
    writeFileHeader(header, 0, { name: 'resources/configmaps/namespaces/ns/huge.json', size: 100 * MiB, mtime: 0 });
    const version = await rawTar([VERSION_ENTRY]);
    const counter = { pulled: 0 };
    const lazy = lazyZeros(100 * MiB, counter, Buffer.concat([version.subarray(0, 2 * BLOCK), header])).pipe(createGzip({ level: 1 }));
    const err = await rejectsWith(drain(readBackupArchive(lazy)), 'EntryTooLarge');
    assert.match(err.message, /104857600 bytes exceeds 67108864 \(limit maxEntryBytes\) \(entry "resources\/configmaps\/namespaces\/ns\/huge.json"\)/);
    assert.ok(counter.pulled < 40 * MiB, `pulled ${counter.pulled} bytes`);
    await refused([VERSION_ENTRY, itemEntry('big', 'ns', { data: { x: 'y'.repeat(2000) } })], 'EntryTooLarge', { maxEntryBytes: 1000 });
  });

  it('stops a 2 GiB gzip bomb early, streaming it lazily', async () => {
    const counter = { pulled: 0 };
    const bomb = lazyZeros(2048 * MiB, counter).pipe(createGzip({ level: 9 }));
    const err = await rejectsWith(drain(readBackupArchive(bomb, { limits: { ratioGraceBytes: 4 * MiB } })), 'CompressionRatio');
    assert.match(err.message, /more than 500:1/);
    assert.ok(counter.pulled < 256 * MiB, `pulled ${counter.pulled} bytes`);
    // A bomb compressed at level 1 (229:1) passes the ratio guard, so the size limit ends it.
    const weak = lazyZeros(2048 * MiB, counter).pipe(createGzip({ level: 1 }));
    await rejectsWith(drain(readBackupArchive(weak, { limits: { maxTotalBytes: 16 * MiB } })), 'ArchiveTooLarge');
  });

  it('refuses more entries than maxEntries', async () => {
    await refused([VERSION_ENTRY, itemEntry('a'), itemEntry('b'), itemEntry('c')], 'TooManyEntries', { maxEntries: 3 });
  });

  it('refuses malformed JSON without quoting the content', async () => {
    const err = await refused([VERSION_ENTRY, { name: 'resources/secrets/namespaces/ns/s.json', body: '{"data":{"password":"hunter2"' }], 'MalformedJson');
    assert.ok(!err.message.includes('hunter2'));
    assert.equal(err.cause, undefined);
  });

  it('refuses JSON values that are not objects', async () => {
    for (const body of ['[1]', '"x"', 'null', '42']) {
      await refused([VERSION_ENTRY, { name: 'resources/configmaps/namespaces/ns/cm.json', body }], 'NotAnObject');
    }
  });

  it('refuses objects whose name or namespace disagrees with their path', async () => {
    const at = (path: string, metadata: unknown): RawEntry => ({ name: path, body: JSON.stringify({ metadata }) });
    await refused([VERSION_ENTRY, at('resources/configmaps/namespaces/ns/a.json', { name: 'b', namespace: 'ns' })], 'NameMismatch');
    await refused([VERSION_ENTRY, at('resources/configmaps/namespaces/ns/a.json', undefined)], 'NameMismatch');
    await refused([VERSION_ENTRY, at('resources/configmaps/namespaces/ns/a.json', { name: 'a', namespace: 'other' })], 'NamespaceMismatch');
    await refused([VERSION_ENTRY, at('resources/configmaps/namespaces/ns/a.json', { name: 'a' })], 'NamespaceMismatch');
    await refused([VERSION_ENTRY, at('resources/persistentvolumes/cluster/pv.json', { name: 'pv', namespace: 'ns' })], 'NamespaceMismatch');
    await refused([VERSION_ENTRY, at('resources/persistentvolumes/v1/cluster/pv.json', { name: 'pv', namespace: 'ns' })], 'NamespaceMismatch');
  });

  it('requires one readable metadata/version of major version 1', async () => {
    await refused([itemEntry()], 'MissingVersion');
    await refused([{ name: 'metadata/version', body: '2.0.0\n' }, itemEntry()], 'UnsupportedVersion');
    await refused([{ name: 'metadata/version', body: 'banana' }], 'UnsupportedVersion');
    await refused([{ name: 'metadata/version', body: '1'.repeat(100) }], 'UnsupportedVersion');
    await refused([VERSION_ENTRY, VERSION_ENTRY], 'DuplicateEntry');
    assert.deepEqual((await readAll(await rawTarGz([{ name: 'metadata/version', body: '1\n' }])))[0], { kind: 'version', path: 'metadata/version', version: '1' });
  });

  it('refuses truncated gzip and truncated tar', async () => {
    const { gz } = await writeArchive(GOLDEN_ITEMS);
    for (const cut of [5, 20, gz.length >> 1, gz.length - 4, gz.length - 1]) {
      await rejectsWith(readAll(gz.subarray(0, cut)), 'Truncated');
    }
    await rejectsWith(readAll(Buffer.alloc(0)), 'Truncated');
    const tar = await rawTar([VERSION_ENTRY, itemEntry()]);
    await rejectsWith(readAll(gzipSync(tar.subarray(0, BLOCK * 3 + 100))), 'Truncated');
  });

  it('refuses bytes that are not gzip, a corrupt tar header, and bytes after the gzip data', async () => {
    await rejectsWith(readAll(randomBytes(4096)), 'CorruptGzip');
    await rejectsWith(readAll(Buffer.from('PK\u0003\u0004 a zip file')), 'CorruptGzip');
    const tar = await rawTar([VERSION_ENTRY, itemEntry()]);
    tar[BLOCK * 2 + 3] = 0x7e; // a name byte changed, the checksum not
    await rejectsWith(readAll(gzipSync(tar)), 'CorruptTar');
    const many = await writeArchive(Array.from({ length: 200 }, (_, i) => configMapItem(`cm-${i}`, 'ns', { i: randomBytes(64).toString('hex') })));
    await rejectsWith(readAll(Buffer.concat([many.gz, Buffer.alloc(100)])), 'TrailingGarbage');
    await rejectsWith(readAll(Buffer.concat([many.gz, Buffer.from('garbage after the archive')])), 'TrailingGarbage');
    // A second gzip member is legitimate (Go reads concatenated members too).
    const version = gzipSync(await rawTar([VERSION_ENTRY]));
    assert.equal((await readAll(Buffer.concat([version, gzipSync(Buffer.alloc(0))]))).length, 1);
  });

  it('reports a failing input stream as ReadFailed', async () => {
    const { gz } = await writeArchive(GOLDEN_ITEMS);
    const input = Readable.from(
      (async function* () {
        yield gz.subarray(0, 100);
        throw new Error('connection reset');
      })(),
    );
    const err = await rejectsWith(drain(readBackupArchive(input)), 'ReadFailed');
    assert.match(err.message, /connection reset/);
  });
});

/** Recomputes a header block's checksum after a deliberate edit. */
function fixChecksum(tar: Buffer, at: number): void {
  tar.fill(0x20, at + 148, at + 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += tar[at + i]!;
  tar.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, at + 148, 'latin1');
}

async function drain(entries: AsyncIterable<unknown>): Promise<void> {
  for await (const entry of entries) void entry;
}
