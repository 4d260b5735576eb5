/** Tests for archive/writer: golden bytes, Velero's layout, backpressure and failure handling. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { listTarGz } from '../../test/support/independent-tar.ts';
import { ArchiveError } from './errors.ts';
import { encodeGoJson } from '../util/go-json.ts';
import { FIXED_MTIME, GOLDEN_ITEMS, LONG_NAME, configMapItem, readAll, rejectsWith, writeArchive } from './testing.ts';
import { createBackupArchive } from './writer.ts';

const GOLDEN = new URL('./testdata/golden.tar.gz', import.meta.url);
describe('createBackupArchive', () => {
  it('writes byte-stable output: the committed golden archive (SKIFF_UPDATE_GOLDEN=1 rewrites it)', async () => {
    const { gz } = await writeArchive(GOLDEN_ITEMS);
    if (process.env['SKIFF_UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, gz);
    const golden = readFileSync(GOLDEN);
    // The tar stream first: it depends only on our code, so a difference here is a real format change.
    assert.ok(gunzipSync(gz).equals(gunzipSync(golden)), 'the tar stream differs from testdata/golden.tar.gz');
    assert.ok(gz.equals(golden), 'same tar, different gzip bytes: has the bundled zlib changed?');
  });

  it("lays entries out as Velero does: version first, preferred items twice with identical bytes, mode 0755, fixed mtime", async () => {
    const { gz } = await writeArchive(GOLDEN_ITEMS);
    const entries = listTarGz(gz);
    assert.deepEqual(entries.map((e) => e.path), [
      'metadata/version',
      'resources/namespaces/cluster/demo.json',
      'resources/namespaces/v1-preferredversion/cluster/demo.json',
      'resources/configmaps/namespaces/demo/settings.json',
      'resources/configmaps/v1-preferredversion/namespaces/demo/settings.json',
      'resources/deployments.apps/namespaces/demo/web.json',
      'resources/deployments.apps/v1-preferredversion/namespaces/demo/web.json',
      'resources/persistentvolumes/cluster/pv-data.json',
      'resources/persistentvolumes/v1-preferredversion/cluster/pv-data.json',
      `resources/widgets.example.com/namespaces/demo/${LONG_NAME}.json`,
      `resources/widgets.example.com/v1-preferredversion/namespaces/demo/${LONG_NAME}.json`,
      `resources/widgets.example.com/v1alpha1/namespaces/demo/${LONG_NAME}.json`,
    ]);
    assert.equal(entries[0]!.body.toString(), '1.1.0\n');
    for (const entry of entries) {
      assert.equal(entry.type, 'file');
      assert.equal(entry.mode, 0o755);
      assert.equal(entry.mtime, FIXED_MTIME.getTime() / 1000);
    }
    for (let i = 1; i < 11; i += 2) assert.ok(entries[i]!.body.equals(entries[i + 1]!.body));
    assert.equal(entries[3]!.body.toString(), encodeGoJson(GOLDEN_ITEMS[1]!.object));
    assert.match(entries[3]!.body.toString(), /\\u003cp class=\\"x\\"\\u003eTom \\u0026 Jerry/);
  });

  it('reports entries, items and both byte counts', async () => {
    const { gz, summary } = await writeArchive(GOLDEN_ITEMS);
    assert.deepEqual(summary, { entries: 12, items: 6, uncompressedBytes: gunzipSync(gz).length, compressedBytes: gz.length });
  });

  it('produces an archive that GNU tar lists and extracts', async (t) => {
    const { gz } = await writeArchive(GOLDEN_ITEMS);
    const dir = mkdtempSync(join(tmpdir(), 'skiff-archive-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'b.tar.gz'), gz);
    const listing = execFileSync('tar', ['-tzf', join(dir, 'b.tar.gz')], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(listing, listTarGz(gz).map((e) => e.path));
    execFileSync('tar', ['-xzf', join(dir, 'b.tar.gz'), '-C', dir]);
    const extracted = readFileSync(join(dir, `resources/widgets.example.com/v1alpha1/namespaces/demo/${LONG_NAME}.json`), 'utf8');
    assert.equal(extracted, encodeGoJson(GOLDEN_ITEMS[5]!.object));
  });

  it('passes bodies larger than a chunk through intact', async () => {
    const big = randomBytes(300_000).toString('base64');
    const items = [configMapItem('a', 'ns'), configMapItem('big', 'ns', { big }), configMapItem('z', 'ns')];
    const { gz } = await writeArchive(items, { chunkBytes: 64 * 1024, gzipLevel: 1 });
    const entries = await readAll(gz);
    const bigEntry = entries.find((e) => e.kind === 'item' && e.name === 'big');
    assert.ok(bigEntry?.kind === 'item');
    assert.equal((bigEntry.object['data'] as Record<string, string>)['big'], big);
    assert.equal(entries.length, 7);
  });

  it('rejects an invalid item or value without harming the archive', async () => {
    const archive = createBackupArchive({ mtime: FIXED_MTIME });
    const bytes = buffer(archive.output);
    await rejectsWith(archive.addItem({ ...configMapItem('ok', 'ns'), name: 'a/b' }), 'InvalidItem');
    await rejectsWith(archive.addItem({ ...configMapItem('ok', 'ns'), name: '' }), 'InvalidItem');
    await rejectsWith(archive.addItem({ ...configMapItem('ok', 'ns'), namespace: '..' }), 'InvalidItem');
    await rejectsWith(archive.addItem({ ...configMapItem('ok', 'ns'), name: 'n'.repeat(5000) }), 'InvalidItem');
    await rejectsWith(archive.addItem({ ...configMapItem('ok', 'ns'), name: 'renamed' }), 'InvalidItem');
    await rejectsWith(archive.addItem({ ...configMapItem('ok', 'ns'), namespace: 'elsewhere' }), 'InvalidItem');
    await rejectsWith(archive.addItem({ ...configMapItem('ok', 'ns'), object: ['not', 'an', 'object'] }), 'InvalidItem');
    await rejectsWith(archive.addItem({ ...configMapItem('ok', 'ns'), object: { metadata: { name: 'ok', namespace: 'ns' }, x: Number.NaN } }), 'UnsupportedValue');
    await archive.addItem(configMapItem('ok', 'ns'));
    const summary = await archive.finish();
    assert.equal(summary.items, 1);
    assert.deepEqual(listTarGz(await bytes).map((e) => e.path), ['metadata/version', 'resources/configmaps/namespaces/ns/ok.json', 'resources/configmaps/v1-preferredversion/namespaces/ns/ok.json']);
  });

  it('refuses use after finish', async () => {
    const archive = createBackupArchive();
    const bytes = buffer(archive.output);
    await archive.finish();
    await rejectsWith(archive.addItem(configMapItem('late', 'ns')), 'WriterClosed');
    await rejectsWith(archive.finish(), 'WriterClosed');
    assert.equal(listTarGz(await bytes).length, 1);
  });

  it('waits while the consumer of output is slow, holding a bounded amount of data', async () => {
    const archive = createBackupArchive({ gzipLevel: 1 });
    const payload = randomBytes(48 * 1024).toString('base64'); // ~64 KiB that gzip cannot shrink much
    let accepted = 0;
    let blocked: Promise<void> | undefined;
    for (let i = 0; i < 200 && !blocked; i++) {
      const pending = archive.addItem(configMapItem(`cm-${i}`, 'ns', { payload }));
      if (await settlesWithin(pending, 500)) accepted++;
      else blocked = pending;
    }
    assert.ok(blocked, 'addItem never waited for the consumer');
    assert.ok(accepted * 2 * payload.length < 4 * 1024 * 1024, `accepted ${accepted} items before waiting`);
    const bytes = buffer(archive.output); // the consumer catches up
    await blocked;
    const summary = await archive.finish();
    assert.equal(summary.items, accepted + 1);
    assert.equal((await bytes).length, summary.compressedBytes);
  });

  it('fails pending and later calls when the output is destroyed (a failed upload)', async () => {
    const archive = createBackupArchive({ gzipLevel: 1 });
    const payload = randomBytes(48 * 1024).toString('base64');
    let blocked: Promise<void> | undefined;
    for (let i = 0; i < 200 && !blocked; i++) {
      const pending = archive.addItem(configMapItem(`cm-${i}`, 'ns', { payload }));
      if (!(await settlesWithin(pending, 500))) blocked = pending;
    }
    assert.ok(blocked);
    archive.output.destroy(new Error('upload failed'));
    // On a starved machine the "blocked" call may merely have been slow; then only later calls can fail.
    const outcome = await blocked.then(() => undefined, (err: unknown) => err);
    if (outcome !== undefined) {
      assert.ok(outcome instanceof ArchiveError && outcome.reason === 'WriterClosed');
      assert.match(outcome.message, /upload failed/);
    }
    const err = await rejectsWith(archive.addItem(configMapItem('after', 'ns')), 'WriterClosed');
    assert.match(err.message, /upload failed/);
    await rejectsWith(archive.finish(), 'WriterClosed');
  });
});

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('backpressure', () => {
  it('never waits for a drain that already happened while the caller paused between items', async () => {
    // Incompressible bodies fill gzip's buffer at once; the pause between items lets 'drain' fire
    // with nobody listening, which once left addItem waiting forever.
    const archive = createBackupArchive();
    const consumed = (async () => {
      let bytes = 0;
      for await (const chunk of archive.output) bytes += (chunk as Buffer).length;
      return bytes;
    })();
    const done = (async () => {
      for (let i = 0; i < 40; i++) {
        await archive.addItem({ groupResource: 'configmaps', namespace: 'ns', name: `cm-${i}`, version: 'v1', preferred: true, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'ns' }, data: { blob: randomBytes(24 * 1024).toString('base64') } } });
        await new Promise((r) => setTimeout(r, 20)); // long enough for zlib to drain a 256 KiB chunk
      }
      await archive.finish();
    })();
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('the writer stalled')), 10_000).unref());
    await Promise.race([done, timeout]);
    assert.ok((await consumed) > 40 * 24 * 1024);
  });
});
