/**
 * `skiff repo …` run in-process against a file:// repository in a temporary directory and against MinIO
 * through an s3:// URL, the same cycle on both: init, backup (then an incremental one), snapshots, ls,
 * restore (byte-identical, --include, --overwrite), passwords, check, forget --prune. On the directory also
 * a changed pack byte, which only check --read-data finds.
 */
import { after, before, test } from 'node:test';
import { EventEmitter } from 'node:events';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { openRepoLocation } from '../../src/repo/index.ts';
import { emptyPrefix } from '../../src/storage/testing/index.ts';
import { removeDir, run, tempDir, testContext, type RunResult } from '../../src/cli/testing.ts';
import { testCluster } from '../support/cluster.ts';

const work = tempDir('skiff-cli-repo-');
after(() => removeDir(work));

const PASSWORD = 'correct horse battery staple';

function skiff(argv: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return run(argv, testContext({ env: { SKIFF_REPO_PASSWORD: PASSWORD, SKIFF_CACHE_DIR: join(work, 'cache'), ...env }, cwd: work }));
}

function ok(r: RunResult, what: string): RunResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}): ${r.stderr}`);
  return r;
}

/** A small tree with what a volume holds: nested dirs, an empty file, a symlink, a 3 MB random file, unicode. */
function makeTree(root: string): void {
  mkdirSync(join(root, 'conf', 'deep'), { recursive: true });
  writeFileSync(join(root, 'conf', 'app.yaml'), 'replicas: 3\n');
  writeFileSync(join(root, 'conf', 'deep', 'empty'), '');
  writeFileSync(join(root, 'größe.txt'), 'unicode name\n');
  writeFileSync(join(root, 'big.bin'), randomBytes(3 * 1024 * 1024));
  for (let i = 0; i < 50; i++) writeFileSync(join(root, 'conf', `f${i}`), `file ${i}\n`.repeat(i + 1));
  symlinkSync('conf/app.yaml', join(root, 'link'));
  // Whole-second mtimes: a restore sets times through a double, exact only to about a microsecond.
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) if (e.isFile()) setTime(join(e.parentPath, e.name), '2024-01-02T03:04:05Z');
}

function setTime(path: string, when: string): void {
  utimesSync(path, new Date(when), new Date(when));
}

/** Every entry below `root`: type, mode, mtime (files), content hash or link target. */
function describeTree(root: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(root, rel)).sort()) {
    const path = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, path));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) {
      out[path] = `dir ${mode}`; // directory mtimes change as entries are added: not compared
      Object.assign(out, describeTree(root, path));
    } else if (st.isSymbolicLink()) out[path] = `symlink -> ${readlinkSync(join(root, path))}`;
    else out[path] = `file ${mode} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(join(root, path))).digest('hex')}`;
  }
  return out;
}

type Skiff = (argv: string[], env?: Record<string, string>) => Promise<RunResult>;

/** Init, two backups (the second incremental), listing and restores on one repository URL; returns the ids of the two snapshots. */
async function cycle(skiff: Skiff, url: string, tag: string): Promise<{ first: string; second: string }> {
  const init = ok(await skiff(['repo', 'init', '--repo', url]), 'init');
  assert.match(init.stdout, /^[0-9a-f]{32}\n$/);
  assert.match(init.stderr, /Created repository/);

  const data = join(work, `data-${tag}`);
  makeTree(data);
  const b1 = ok(await skiff(['repo', 'backup', '--repo', url, data, '--tag', 'nightly', '--source', 'ns1/web-0/data']), 'backup');
  assert.match(b1.stdout, /^[0-9a-f]{64}\n$/, 'only the id on stdout');
  assert.match(b1.stderr, /saved: 54 files/);
  const first = b1.stdout.trim();

  writeFileSync(join(data, 'conf', 'f1'), 'changed\n');
  setTime(join(data, 'conf', 'f1'), '2024-02-03T04:05:06Z');
  const b2 = ok(await skiff(['repo', 'backup', '--repo', url, data, '--source', 'ns1/web-0/data', '-o', 'json']), 'second backup');
  const snap = JSON.parse(b2.stdout) as { id: string; parent: string; summary: { files: number; bytesRead: number } };
  assert.equal(snap.parent, first, 'the latest snapshot of the same source is the parent');
  assert.ok(snap.summary.bytesRead < 100, `unchanged files are not read again (read ${snap.summary.bytesRead} bytes)`);
  const second = snap.id;

  const list = JSON.parse(ok(await skiff(['repo', 'snapshots', '--repo', url, '-o', 'json']), 'snapshots').stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(list.map((s) => s['id']), [first, second]);
  for (const s of list) for (const key of ['id', 'time', 'source', 'parent', 'tags', 'summary']) assert.ok(key in s, `snapshots -o json has ${key}`);
  assert.deepEqual(list[0]!['source'], { host: (list[0]!['source'] as { host: string }).host, path: data, namespace: 'ns1', pod: 'web-0', volume: 'data' });
  assert.equal(list[0]!['parent'], null);
  assert.deepEqual(list[0]!['tags'], ['nightly']);
  assert.equal((list[0]!['summary'] as { totalBytes: number }).totalBytes > 3 * 1024 * 1024, true);
  const tagged = JSON.parse(ok(await skiff(['repo', 'snapshots', '--repo', url, '--tag', 'nightly', '-o', 'json']), 'snapshots --tag').stdout) as unknown[];
  assert.equal(tagged.length, 1);
  const table = ok(await skiff(['repo', 'snapshots', '--repo', url]), 'snapshots table').stdout;
  assert.match(table, /^ID\s+TIME \(UTC\)\s+SOURCE\s+TAGS\s+FILES\s+SIZE\n/);
  assert.match(table, new RegExp(`${first.slice(0, 8)}.*ns1/web-0/data\\s+nightly\\s+54`));

  const ls = ok(await skiff(['repo', 'ls', '--repo', url, first.slice(0, 6)]), 'ls').stdout.split('\n');
  for (const p of ['/big.bin', '/conf', '/conf/deep/empty', '/größe.txt', '/link']) assert.ok(ls.includes(p), `ls shows ${p}`);
  const long = ok(await skiff(['repo', 'ls', '--repo', url, first, 'conf', '-l']), 'ls -l').stdout;
  assert.match(long, /^drwx.* \/conf\n/);
  assert.match(long, /-rw.*12 2024-01-02 03:04:05 {2}\/conf\/app.yaml\n/);
  const lsJson = JSON.parse(ok(await skiff(['repo', 'ls', '--repo', url, 'latest', '-o', 'json']), 'ls -o json').stdout) as Array<{ path: string; type: string; linkTarget?: string }>;
  assert.deepEqual(lsJson.find((e) => e.path === '/link'), { ...lsJson.find((e) => e.path === '/link'), type: 'symlink', linkTarget: 'conf/app.yaml' });

  const target = join(work, `restore-${tag}`);
  const restored = ok(await skiff(['repo', 'restore', '--repo', url, second, target]), 'restore');
  assert.match(restored.stdout, /restored snapshot .* 54 files/);
  assert.deepEqual(describeTree(target), describeTree(data), 'restored byte for byte, with modes and mtimes');
  const partial = join(work, `partial-${tag}`);
  ok(await skiff(['repo', 'restore', '--repo', url, first, partial, '--include', 'conf/deep', '--include', '/link']), 'restore --include');
  assert.deepEqual(Object.keys(describeTree(partial)), ['conf', 'conf/deep', 'conf/deep/empty', 'link']);
  assert.equal(readFileSync(join(target, 'conf', 'f1'), 'utf8'), 'changed\n');
  const again = await skiff(['repo', 'restore', '--repo', url, first, target]);
  assert.equal(again.code, 1, 'existing files are not replaced without --overwrite');
  assert.match(again.stderr, /already exists in the target.*overwrite/, again.stderr);
  assert.equal(readFileSync(join(target, 'conf', 'f1'), 'utf8'), 'changed\n', 'nothing was replaced');
  ok(await skiff(['repo', 'restore', '--repo', url, first, target, '--overwrite']), 'restore --overwrite');
  assert.equal(readFileSync(join(target, 'conf', 'f1'), 'utf8'), 'file 1\nfile 1\n');
  return { first, second };
}

/** A wrong password fails in one line naming the repository; a second password is added, listed and opens it. */
async function passwords(skiff: Skiff, url: string, tag: string): Promise<void> {
  const wrong = await skiff(['repo', 'snapshots', '--repo', url], { SKIFF_REPO_PASSWORD: 'not it' });
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stderr.trim().split('\n').length, 1, `one line: ${wrong.stderr}`);
  assert.match(wrong.stderr, /wrong password/);
  assert.ok(wrong.stderr.includes(url), `the error names the URL typed: ${wrong.stderr}`);

  const pwFile = join(work, `new-password-${tag}`);
  writeFileSync(pwFile, 'second password\n');
  const added = ok(await skiff(['repo', 'password', 'add', '--repo', url, '--new-password-file', pwFile]), 'password add');
  assert.match(added.stdout, /^[0-9a-f]{64}\n$/);
  const keys = JSON.parse(ok(await skiff(['repo', 'password', 'list', '--repo', url, '-o', 'json']), 'password list').stdout) as Array<{ current: boolean }>;
  assert.deepEqual(keys.map((k) => k.current).sort(), [false, true]);
  // Each password opens it; --password-file wins over the environment.
  ok(await skiff(['repo', 'snapshots', '--repo', url, '--password-file', pwFile], { SKIFF_REPO_PASSWORD: 'not it' }), 'second password');
}

/** forget --keep-last 1 --prune: the first snapshot goes, its own blobs are deleted, and what is left checks and restores. */
async function forgetAndPrune(skiff: Skiff, url: string, tag: string, first: string, second: string): Promise<void> {
  const forget = ok(await skiff(['repo', 'forget', '--repo', url, '--keep-last', '1', '--prune', '-o', 'json']), 'forget');
  const plan = JSON.parse(forget.stdout) as { keep: Array<{ id: string }>; remove: Array<{ id: string }>; prune: { blobsTotal: number; blobsLive: number; blobsRemoved: number } };
  assert.deepEqual(plan.keep.map((k) => k.id), [second]);
  assert.deepEqual(plan.remove.map((k) => k.id), [first]);
  // The first snapshot alone held the old conf/f1 and the trees above it.
  assert.ok(plan.prune.blobsLive < plan.prune.blobsTotal, `blobs no snapshot needs: ${JSON.stringify(plan.prune)}`);
  assert.ok(plan.prune.blobsRemoved > 0, `the prune deleted them: ${JSON.stringify(plan.prune)}`);
  const left = JSON.parse(ok(await skiff(['repo', 'snapshots', '--repo', url, '-o', 'json']), 'snapshots').stdout) as Array<{ id: string }>;
  assert.deepEqual(left.map((s) => s.id), [second]);
  const checked = ok(await skiff(['repo', 'check', '--repo', url, '--read-data']), 'check after prune');
  assert.match(checked.stdout, /no errors were found/);
  const target = join(work, `after-prune-${tag}`);
  ok(await skiff(['repo', 'restore', '--repo', url, 'latest', target]), 'restore after prune');
  assert.deepEqual(describeTree(target), describeTree(join(work, `data-${tag}`)));
}

test('file:// repository: init, backup, snapshots, ls, restore, passwords, check, tampering, forget --prune', async () => {
  const dir = join(work, 'repo');
  const url = pathToFileURL(dir).href;
  const { first, second } = await cycle(skiff, url, 'local');
  await passwords(skiff, url, 'local');

  const clean = ok(await skiff(['repo', 'check', '--repo', url, '--read-data']), 'check');
  assert.match(clean.stdout, /no errors/);

  // One changed byte in a data pack: check --read-data fails naming it; the structure check alone does not read data.
  const packs = readdirSync(join(dir, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  const victim = packs.map((e) => join(e.parentPath, e.name)).sort((a, b) => lstatSync(b).size - lstatSync(a).size)[0]!;
  const bytes = readFileSync(victim);
  bytes[100]! ^= 0x01;
  writeFileSync(victim, bytes);
  const structure = await skiff(['repo', 'check', '--repo', url]);
  assert.equal(structure.code, 0, `the structure check read no data: ${structure.stdout}${structure.stderr}`);
  assert.match(structure.stdout, /no errors were found/);
  const bad = await skiff(['repo', 'check', '--repo', url, '--read-data']);
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.ok(bad.stdout.includes(victim.split('/').pop()!), `check names the pack: ${bad.stdout}`);
  bytes[100]! ^= 0x01;
  writeFileSync(victim, bytes);

  await forgetAndPrune(skiff, url, 'local', first, second);
});

test('usage errors name the flag', async () => {
  const url = pathToFileURL(join(work, 'nowhere')).href;
  const cases: Array<[string[], RegExp]> = [
    [['repo', 'snapshots'], /required option '--repo <url>'/],
    [['repo', 'snapshots', '--repo', 's3://'], /--repo "s3:\/\/"/],
    [['repo', 'snapshots', '--repo', url, '-o', 'yaml'], /invalid argument "yaml" for "-o, --output" flag/],
    [['repo', 'backup', '--repo', url, work, '--parent', 'abcd', '--force'], /--parent and --force/],
    [['repo', 'backup', '--repo', url, work, '--source', 'a/b/c', '--host', 'h'], /--source and --host/],
    [['repo', 'backup', '--repo', url, work, '--source', 'a/b'], /invalid argument "a\/b" for "--source" flag/],
    [['repo', 'forget', '--repo', url], /nothing to forget/],
    [['repo', 'forget', '--repo', url, 'abcd', '--keep-last', '2'], /either snapshot ids or --keep-\* rules/],
    [['repo', 'forget', '--repo', url, '--keep-daily', '0'], /at least 1/],
    [['repo', 'check', '--repo', url, '--read-data', '--read-data-subset', '1/2'], /--read-data and --read-data-subset/],
  ];
  for (const [argv, re] of cases) {
    const r = await skiff(argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(r.stderr, re, argv.join(' '));
    assert.match(r.stderr, new RegExp(`Run 'skiff repo ${argv[1]} --help' for usage`), argv.join(' '));
  }
  const empty = await skiff(['repo', 'init', '--repo', url], { SKIFF_REPO_PASSWORD: '' });
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /SKIFF_REPO_PASSWORD is set but empty/);
  const none = await run(['repo', 'init', '--repo', url], testContext({ cwd: work }));
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no repository password/);
});

/** A terminal whose user types `lines` (echo off is not observable here; prompt.test.ts covers raw mode). */
function terminal(lines: string): EventEmitter & { isTTY: true } {
  const input = Object.assign(new EventEmitter(), { isTTY: true as const, resume: () => setImmediate(() => input.emit('data', lines)), pause: () => undefined });
  return input;
}

test('passwords typed at a terminal: init asks twice, other commands once', async () => {
  const url = pathToFileURL(join(work, 'prompted')).href;
  const at = (lines: string): ReturnType<typeof testContext> => Object.assign(testContext({ env: { SKIFF_CACHE_DIR: join(work, 'cache') }, cwd: work }), { stdin: terminal(lines) });
  const mismatch = await run(['repo', 'init', '--repo', url], at('one\ntwo\n'));
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /do not match/);
  const init = ok(await run(['repo', 'init', '--repo', url], at('typed secret\ntyped secret\n')), 'init at a terminal');
  assert.match(init.stdout, /^[0-9a-f]{32}\n$/, 'prompts go to stderr, only the id to stdout');
  assert.match(init.stderr, /Enter the new repository password: Enter the new repository password again: /);
  ok(await run(['repo', 'snapshots', '--repo', url], at('typed secret\n')), 'snapshots with a typed password');
  const wrong = await run(['repo', 'snapshots', '--repo', url], at('something else\n'));
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /wrong password/);
});

test('s3:// repository on MinIO: the same cycle, passwords, check and forget --prune', async (t) => {
  const cluster = await testCluster();
  const bucket = `cli-repo-${randomBytes(4).toString('hex')}`;
  await cluster.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const env = { AWS_SHARED_CREDENTIALS_FILE: cluster.state.s3.credentialsFile };
  const url = `s3://${bucket}/volumes/ns1?endpoint=${encodeURIComponent(cluster.state.s3.endpoint)}&region=${cluster.state.s3.region}&forcePathStyle=true`;
  t.after(async () => {
    const { store } = await openRepoLocation(url, { env });
    await emptyPrefix(store, '');
    await store.close();
    await cluster.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  });
  const skiffS3: Skiff = (argv, more = {}) => skiff(argv, { ...env, ...more });
  const { first, second } = await cycle(skiffS3, url, 's3');
  await passwords(skiffS3, url, 's3');
  const subset = ok(await skiffS3(['repo', 'check', '--repo', url, '--read-data-subset', '1/2']), 'check');
  assert.match(subset.stdout, /read and authenticated: no errors were found/);
  await forgetAndPrune(skiffS3, url, 's3', first, second);
});

before(() => mkdirSync(join(work, 'cache'), { recursive: true }));
