/** Tests for archive/reader on well-formed archives: round trips, summaries, other writers' archives, streaming. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { listTarGz } from '../../test/support/independent-tar.ts';
import { itemPaths } from './paths.ts';
import { readBackupArchive, validateBackupArchive, type ItemEntry } from './reader.ts';
import { GOLDEN_ITEMS, VERSION_ENTRY, configMapItem, itemEntry, rawTarGz, readAll, writeArchive } from './testing.ts';
import type { ArchiveItem } from './writer.ts';

const normalised = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('readBackupArchive', () => {
  it('gives back exactly what was written, at both paths of preferred items', async () => {
    const { gz } = await writeArchive(GOLDEN_ITEMS);
    const entries = await readAll(gz);
    assert.deepEqual(entries[0], { kind: 'version', path: 'metadata/version', version: '1.1.0' });
    const items = entries.filter((e): e is ItemEntry => e.kind === 'item');
    assert.equal(items.length, 11);
    for (const written of GOLDEN_ITEMS) {
      for (const path of itemPaths(written)) {
        const read = items.find((e) => e.path === path);
        assert.ok(read, path);
        assert.deepEqual(read.object, normalised(written.object));
        assert.equal(read.name, written.name);
        assert.equal(read.namespace, written.namespace);
        assert.equal(read.scope, written.namespace ? 'namespaced' : 'cluster');
        assert.equal(read.groupResource, written.groupResource);
        assert.equal(read.preferred, written.preferred);
      }
    }
    const nonPreferred = items.find((e) => e.versionDir === 'v1alpha1');
    assert.equal(nonPreferred?.preferred, false);
    assert.equal(nonPreferred?.version, 'v1alpha1');
    assert.equal(items.find((e) => e.versionDir === 'v1-preferredversion')?.version, 'v1');
    assert.ok(!('namespace' in items.find((e) => e.groupResource === 'persistentvolumes')!));
  });

  it('round-trips random names, namespaces and JSON values, and the independent reader agrees on the entries', async () => {
    const segment = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 70 })
      .filter((s) => !/[/\\\u0000]/.test(s) && s !== '.' && s !== '..');
    const item = fc.record({
      groupResource: fc.constantFrom('configmaps', 'widgets.example.com', 'persistentvolumes'),
      namespace: fc.option(segment, { nil: undefined }),
      name: segment,
      version: fc.constantFrom('v1', 'v2beta1'),
      preferred: fc.boolean(),
      data: fc.jsonValue(),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(item, { maxLength: 12, selector: (i) => `${i.groupResource}|${i.namespace}|${i.name}` }), async (specs) => {
        const items: ArchiveItem[] = specs.map(({ data, ...ref }) => ({
          ...ref,
          object: { apiVersion: 'v1', kind: 'Thing', metadata: ref.namespace === undefined ? { name: ref.name } : { name: ref.name, namespace: ref.namespace }, data },
        }));
        const { gz } = await writeArchive(items, { gzipLevel: 1 });
        const entries = await readAll(gz);
        assert.deepEqual(entries.map((e) => e.path), listTarGz(gz).map((e) => e.path));
        for (const written of items) {
          for (const path of itemPaths(written)) {
            const read = entries.find((e) => e.path === path);
            assert.ok(read?.kind === 'item', path);
            assert.deepEqual(read.object, normalised(written.object));
            assert.equal(read.name, written.name);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reads input delivered in tiny chunks', async () => {
    const { gz } = await writeArchive(GOLDEN_ITEMS);
    const chunks: Buffer[] = [];
    for (let i = 0; i < gz.length; i += 7) chunks.push(gz.subarray(i, i + 7));
    const entries: unknown[] = [];
    for await (const entry of readBackupArchive(Readable.from(chunks))) entries.push(entry);
    assert.deepEqual(entries, await readAll(gz));
  });

  it('accepts entries in any order, metadata/version last, and yields ignored entries with a reason', async () => {
    const gz = await rawTarGz([
      itemEntry('a', 'ns'),
      { name: 'resources/configmaps/namespaces/ns/notes.txt', body: 'hello' },
      { name: 'velero-extra/file', body: 'x' },
      { name: 'metadata/other', body: 'x' },
      VERSION_ENTRY,
    ]);
    const entries = await readAll(gz);
    assert.deepEqual(entries.map((e) => e.kind), ['item', 'ignored', 'ignored', 'ignored', 'version']);
    const ignored = entries[1];
    assert.ok(ignored?.kind === 'ignored');
    assert.equal(ignored.reason, 'not a .json item file');
  });

  it('reads an archive made by the tar command line: ./ prefixes, directory entries, GNU long names', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-archive-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const longName = 'l'.repeat(180);
    const files: Record<string, string> = {
      'metadata/version': '1.1.0\n',
      'resources/namespaces/cluster/ns.json': JSON.stringify({ metadata: { name: 'ns' } }),
      [`resources/configmaps/namespaces/ns/${longName}.json`]: JSON.stringify({ metadata: { name: longName, namespace: 'ns' } }),
    };
    for (const [path, body] of Object.entries(files)) {
      mkdirSync(join(dir, 'src', dirname(path)), { recursive: true });
      writeFileSync(join(dir, 'src', path), body);
    }
    execFileSync('tar', ['-czf', join(dir, 'b.tar.gz'), '-C', join(dir, 'src'), '.']);
    const entries = await readAll(readFileSync(join(dir, 'b.tar.gz')));
    assert.deepEqual(entries.map((e) => e.path).sort(), Object.keys(files).sort());
  });

  it('stops early without hanging, destroying the input', async () => {
    const { gz } = await writeArchive(Array.from({ length: 300 }, (_, i) => configMapItem(`cm-${i}`, 'ns', { i: String(i) })));
    const input = Readable.from([gz.subarray(0, 1000), gz.subarray(1000)]);
    let seen = 0;
    for await (const entry of readBackupArchive(input)) {
      if (entry.kind === 'item' && ++seen === 3) break;
    }
    assert.equal(seen, 3);
    assert.ok(input.destroyed);
  });
});

describe('validateBackupArchive', () => {
  it('summarises version, entries, group-resources, namespaces and sizes', async () => {
    const { gz, summary } = await writeArchive(GOLDEN_ITEMS);
    const result = await validateBackupArchive(Readable.from([gz]));
    assert.deepEqual(result, {
      version: '1.1.0',
      entries: 12,
      items: 11,
      ignored: 0,
      ignoredEntries: [],
      groupResources: {
        namespaces: { items: 1, versionDirs: { 'v1-preferredversion': 1 } },
        configmaps: { items: 1, versionDirs: { 'v1-preferredversion': 1 } },
        'deployments.apps': { items: 1, versionDirs: { 'v1-preferredversion': 1 } },
        persistentvolumes: { items: 1, versionDirs: { 'v1-preferredversion': 1 } },
        'widgets.example.com': { items: 1, versionDirs: { 'v1-preferredversion': 1, v1alpha1: 1 } },
      },
      namespaces: ['demo'],
      compressedBytes: summary.compressedBytes,
      uncompressedBytes: summary.uncompressedBytes,
    });
  });
});
