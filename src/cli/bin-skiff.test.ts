/** @module cli/bin-skiff.test — smoke test of the bin/skiff launcher (the only test that spawns a process). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { clientVersion, DEFAULT_REPO_DIR, gitCommit } from './build-info.ts';
import { removeDir, tempDir } from './testing.ts';

const SKIFF = join(DEFAULT_REPO_DIR, 'bin', 'skiff');
const scratch = tempDir('skiff-bin-');
after(() => removeDir(scratch));

/** A PATH whose first `node` exits 99, then the system tools the script needs. */
function pathWithFakeNode(): string {
  const dir = join(scratch, 'fake-node');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'node'), '#!/bin/sh\nexit 99\n');
  chmodSync(join(dir, 'node'), 0o755);
  return `${dir}:/usr/local/bin:/usr/bin:/bin`;
}

test('bin/skiff runs with the project Node, not the first node on PATH, even via a symlink', () => {
  const PATH = pathWithFakeNode();
  const linkDir = join(scratch, 'links');
  mkdirSync(linkDir, { recursive: true });
  symlinkSync(SKIFF, join(linkDir, 'skiff'));
  const expected = `Client:\n\tVersion: ${clientVersion()}\n\tGit commit: ${gitCommit()}\n`;
  for (const exe of [SKIFF, join(linkDir, 'skiff')]) {
    const r = spawnSync(exe, ['version', '--client-only'], { cwd: scratch, env: { PATH, HOME: scratch }, encoding: 'utf8' });
    assert.equal(r.status, 0, `${exe}: ${r.stderr}`);
    assert.equal(r.stdout, expected);
  }

  // A copy of the launcher in a tree without node_modules explains how to fix it.
  const bare = join(scratch, 'bare');
  mkdirSync(join(bare, 'bin'), { recursive: true });
  copyFileSync(SKIFF, join(bare, 'bin', 'skiff'));
  chmodSync(join(bare, 'bin', 'skiff'), 0o755);
  const missing = spawnSync(join(bare, 'bin', 'skiff'), ['version'], { env: { PATH }, encoding: 'utf8' });
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, `skiff: the project's Node 24 is not installed; run 'npm ci' in ${realpathSync(bare)}\n`);
});
