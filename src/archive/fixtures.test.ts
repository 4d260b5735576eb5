/** Real Velero 1.18.3 tarballs: Skiff reads them, they agree with their resource lists, and Skiff re-encodes every byte. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { listTarGz } from '../../test/support/independent-tar.ts';
import { encodeGoJson } from '../util/go-json.ts';
import { validateBackupArchive, type ItemEntry } from './reader.ts';
import { VELERO_BACKUPS, VELERO_FIXTURES, readAll } from './testing.ts';

for (const name of VELERO_BACKUPS) {
  describe(`Velero 1.18.3 backup ${name}`, () => {
    const gz = readFileSync(new URL(`backups/${name}/${name}.tar.gz`, VELERO_FIXTURES));

    it('reads without error, metadata/version first and every item at both paths', async () => {
      const entries = await readAll(gz);
      assert.deepEqual(entries[0], { kind: 'version', path: 'metadata/version', version: '1.1.0' });
      const items = entries.filter((e): e is ItemEntry => e.kind === 'item');
      assert.equal(items.length, entries.length - 1);
      const legacy = items.filter((e) => e.versionDir === undefined);
      assert.equal(legacy.length * 2, items.length);
      for (const item of legacy) {
        const copy = items.find((e) => e.versionDir === 'v1-preferredversion' && e.groupResource === item.groupResource && e.namespace === item.namespace && e.name === item.name);
        assert.deepEqual(copy?.object, item.object, item.path);
      }
    });

    it('holds exactly the objects its resource list names', async () => {
      const expected = JSON.parse(gunzipSync(readFileSync(new URL(`backups/${name}/${name}-resource-list.json.gz`, VELERO_FIXTURES))).toString()) as Record<string, string[]>;
      const actual: Record<string, string[]> = {};
      for (const entry of await readAll(gz)) {
        if (entry.kind !== 'item' || entry.versionDir !== undefined) continue;
        const key = `${String(entry.object['apiVersion'])}/${String(entry.object['kind'])}`;
        (actual[key] ??= []).push(entry.namespace === undefined ? entry.name : `${entry.namespace}/${entry.name}`);
      }
      for (const list of Object.values(actual)) list.sort();
      assert.deepEqual(actual, expected);
    });

    it('re-encodes every entry to the exact bytes Velero wrote (Go json.Marshal compatibility)', async () => {
      const entries = listTarGz(gz).filter((e) => e.path.endsWith('.json'));
      assert.ok(entries.length > 10);
      for (const entry of entries) {
        assert.equal(encodeGoJson(JSON.parse(entry.body.toString('utf8'))), entry.body.toString('utf8'), entry.path);
      }
      const byPath = new Map((await readAll(gz)).map((e) => [e.path, e]));
      for (const entry of entries) {
        const read = byPath.get(entry.path);
        assert.ok(read?.kind === 'item');
        assert.equal(read.bytes, entry.size);
        assert.deepEqual(read.object, JSON.parse(entry.body.toString('utf8')));
      }
    });

    it('validates, with a summary matching the archive', async () => {
      const result = await validateBackupArchive(Readable.from([gz]));
      assert.equal(result.version, '1.1.0');
      assert.equal(result.entries, listTarGz(gz).length);
      assert.equal(result.compressedBytes, gz.length);
      assert.equal(result.uncompressedBytes, gunzipSync(gz).length);
      assert.ok(result.namespaces.includes('nginx-example'));
      assert.equal(result.groupResources['deployments.apps']?.versionDirs['v1-preferredversion'], result.groupResources['deployments.apps']?.items);
    });
  });
}
