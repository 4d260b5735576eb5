/** @module cli/build-info.test — git commit lookup from loose refs, packed refs, detached HEADs and worktrees. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { clientVersion, DEFAULT_REPO_DIR, gitCommit } from './build-info.ts';
import { removeDir, tempDir } from './testing.ts';

const SHA_A = 'a'.repeat(40);
const SHA_B = '0123456789abcdef0123456789abcdef01234567';
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

/** A fake checkout: files relative to the repo root. */
function fakeRepo(files: Record<string, string>): string {
  const dir = tempDir('skiff-repo-');
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

test('HEAD → loose ref', () => {
  const repo = fakeRepo({ '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': `${SHA_A}\n` });
  assert.equal(gitCommit(repo), SHA_A);
});

test('HEAD → packed ref (peeled lines and comments skipped)', () => {
  const repo = fakeRepo({
    '.git/HEAD': 'ref: refs/heads/release\n',
    '.git/packed-refs': `# pack-refs with: peeled fully-peeled sorted\n${SHA_A} refs/heads/main\n${SHA_B} refs/heads/release\n^${SHA_A}\n`,
  });
  assert.equal(gitCommit(repo), SHA_B);
});

test('a loose ref wins over a stale packed one', () => {
  const repo = fakeRepo({
    '.git/HEAD': 'ref: refs/heads/main',
    '.git/refs/heads/main': SHA_B,
    '.git/packed-refs': `${SHA_A} refs/heads/main\n`,
  });
  assert.equal(gitCommit(repo), SHA_B);
});

test('detached HEAD', () => {
  assert.equal(gitCommit(fakeRepo({ '.git/HEAD': `${SHA_B}\n` })), SHA_B);
});

test('worktree: .git file → gitdir, refs in the common dir', () => {
  const main = fakeRepo({ '.git/refs/heads/feature': SHA_B, '.git/worktrees/wt/HEAD': 'ref: refs/heads/feature\n', '.git/worktrees/wt/commondir': '../..\n' });
  const wt = fakeRepo({ '.git': `gitdir: ${join(main, '.git/worktrees/wt')}\n` });
  assert.equal(gitCommit(wt), SHA_B);
});

test('unknown when not a checkout, or the ref is missing or unsafe', () => {
  assert.equal(gitCommit(fakeRepo({ 'package.json': '{}' })), 'unknown');
  assert.equal(gitCommit(fakeRepo({ '.git/HEAD': 'ref: refs/heads/nope\n' })), 'unknown');
  assert.equal(gitCommit(fakeRepo({ '.git/HEAD': 'ref: refs/../../etc/passwd\n' })), 'unknown');
  assert.equal(gitCommit(fakeRepo({ '.git/HEAD': 'garbage' })), 'unknown');
});

test('client version is v + package.json version', () => {
  assert.equal(clientVersion(fakeRepo({ 'package.json': '{"version": "1.2.3"}' })), 'v1.2.3');
  assert.match(clientVersion(DEFAULT_REPO_DIR), /^v\d+\.\d+\.\d+/);
});
