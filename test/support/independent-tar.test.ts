/** Tests for test/support/independent-tar against Velero's tarballs and archives made by the tar command line. */
import { VELERO_BUCKET_URL } from '../fixtures/velero-bucket.ts';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listTarGz } from './independent-tar.ts';

const FIXTURES = VELERO_BUCKET_URL;

/** `tar -tvzf` lines as [mode string, size, path]. */
function cliListing(file: string): Array<[string, number, string]> {
  return execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [mode, , size, , , ...path] = line.split(/\s+/);
      return [mode!, Number(size), path.join(' ')];
    });
}

describe('listTarGz', () => {
  for (const name of ['nginx-backup', 'mixed-backup']) {
    it(`lists Velero's ${name}.tar.gz as GNU tar does`, () => {
      const file = new URL(`backups/${name}/${name}.tar.gz`, FIXTURES).pathname;
      const entries = listTarGz(readFileSync(file));
      assert.deepEqual(entries.map((e) => [e.type === 'file' ? '-rwxr-xr-x' : e.type, e.size, e.path]), cliListing(file));
      assert.equal(entries[0]!.body.toString(), '1.1.0\n');
      for (const entry of entries.slice(1)) assert.equal(JSON.parse(entry.body.toString()).metadata.name + '.json', entry.path.split('/').pop());
    });
  }

  for (const format of ['gnu', 'pax', 'ustar']) {
    it(`reads a ${format} archive made by tar -czf: directories, a symlink, long and Unicode names`, (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'skiff-independent-tar-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const src = join(dir, 'src');
      const deep = join(src, 'resources', 'd'.repeat(60), 'e'.repeat(60));
      mkdirSync(deep, { recursive: true });
      const longFile = format === 'ustar' ? 'short.json' : `${'f'.repeat(120)}-é.json`;
      writeFileSync(join(deep, longFile), '{"x":1}');
      writeFileSync(join(src, 'version'), '1.1.0\n');
      symlinkSync('version', join(src, 'link'));
      execFileSync('tar', [`--format=${format}`, '-czf', join(dir, 'a.tar.gz'), '-C', src, '--sort=name', '.']);
      const entries = listTarGz(readFileSync(join(dir, 'a.tar.gz')));
      const byPath = new Map(entries.map((e) => [e.path.replace(/^\.\//, '').replace(/\/$/, ''), e]));
      assert.equal(byPath.get('version')?.body.toString(), '1.1.0\n');
      assert.equal(byPath.get('version')?.type, 'file');
      assert.equal(byPath.get('link')?.type, 'symlink');
      assert.equal(byPath.get('link')?.linkname, 'version');
      assert.equal(byPath.get('resources')?.type, 'directory');
      const long = byPath.get(`resources/${'d'.repeat(60)}/${'e'.repeat(60)}/${longFile}`);
      assert.equal(long?.body.toString(), '{"x":1}');
      assert.equal(long?.size, 7);
    });
  }

  it('refuses a corrupt header and a truncated entry', () => {
    const tar = execFileSync('tar', ['-cf', '-', '-C', new URL('.', import.meta.url).pathname, 'independent-tar.ts']);
    const corrupt = Buffer.from(tar);
    corrupt[0] = 0x21;
    assert.throws(() => listTarGz(corrupt, false), /checksum/);
    assert.throws(() => listTarGz(tar.subarray(0, 700), false), /truncated/);
  });
});
