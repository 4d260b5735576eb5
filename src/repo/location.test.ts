/** @module repo/location.test: --repo URLs parsed into providers, buckets, prefixes and config; bad parts named. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openRepoLocation, parseRepoLocation } from './location.ts';
import { Repository } from './repository.ts';

const root = await mkdtemp(join(tmpdir(), 'skiff-loc-'));
after(() => rm(root, { recursive: true, force: true }));

test('file:// and s3:// URLs', () => {
  assert.deepEqual(parseRepoLocation('file:///var/backups/repo1/'), { provider: 'local', root: '/var/backups', bucket: 'repo1', prefix: '', url: 'file:///var/backups/repo1/' });
  assert.deepEqual(parseRepoLocation('file:///srv/my%20repo').bucket, 'my repo');
  const s3 = parseRepoLocation('s3://velero/kopia/ns1?endpoint=http://127.0.0.1:9000&region=minio&forcePathStyle=true');
  assert.deepEqual(s3, { provider: 'aws', bucket: 'velero', prefix: 'kopia/ns1/', config: { s3Url: 'http://127.0.0.1:9000', region: 'minio', s3ForcePathStyle: 'true' }, url: s3.url });
  assert.equal(parseRepoLocation('s3://bucket').prefix, '');
  assert.equal(parseRepoLocation('s3://bucket/').prefix, '');
  assert.equal(parseRepoLocation('s3://My.Bucket/p/').bucket, 'My.Bucket');
});

test('bad URLs name the bad part', () => {
  const cases: Array<[string, RegExp]> = [
    ['not a url', /not a URL/],
    ['http://host/x', /unknown scheme "http"/],
    ['file://host/dir', /names no host/],
    ['file:///', /absolute path other than \//],
    ['s3:///prefix', /bucket is missing/],
    ['s3://b/p?endpoint=ftp://x', /endpoint "ftp:\/\/x" must be an http/],
    ['s3://b/p?bogus=1', /unknown parameter "bogus" \(known: endpoint, region/],
    ['s3://b/a//c', /empty, "." or ".." segment/],
    ['s3://key:secret@b/p', /credentials do not belong/],
  ];
  for (const [url, re] of cases) {
    assert.throws(() => parseRepoLocation(url), (err: Error) => re.test(err.message) && err.message.includes('--repo'), url);
  }
  assert.throws(() => parseRepoLocation('s3://key:secret@b/p'), (err: Error) => !err.message.includes('secret'));
});

test('openRepoLocation: a local directory is created for init only', async () => {
  const url = pathToFileURL(join(root, 'nested', 'repo')).href;
  const opened = await openRepoLocation(url, { env: {} });
  await assert.rejects(Repository.open(opened.store, opened.prefix, 'pw'), /not a repository/);
  const created = await openRepoLocation(url, { env: {}, create: true });
  assert.ok((await stat(join(root, 'nested', 'repo'))).isDirectory());
  const repo = await Repository.init(created.store, created.prefix, 'pw', { kdf: { N: 1024, r: 8, p: 1 } });
  await repo.close();
  assert.equal((await Repository.open(opened.store, opened.prefix, 'pw')).config.id, repo.config.id);
  const s3 = await openRepoLocation('s3://bkt/pre?endpoint=http://127.0.0.1:1&region=r&forcePathStyle=true', { env: { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret' } });
  assert.equal(s3.store.provider, 'aws');
  assert.equal(s3.prefix, 'pre/');
  await s3.store.close();
});
