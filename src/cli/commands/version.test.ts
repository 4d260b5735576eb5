/** @module cli/commands/version.test — `skiff version` output, flags and errors. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { clientVersion } from '../build-info.ts';
import { removeDir, run, tempDir, testContext } from '../testing.ts';
import { mismatchWarning, versionText } from './version.ts';

const SHA = 'fedcba9876543210fedcba9876543210fedcba98';
const repos: string[] = [];
after(() => repos.forEach(removeDir));

function repoWithPackedRef(): string {
  const dir = tempDir('skiff-version-');
  repos.push(dir);
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(dir, '.git/packed-refs'), `${SHA} refs/heads/main\n`);
  return dir;
}

test('version --client-only prints the client block exactly', async () => {
  const r = await run(['version', '--client-only'], testContext({ repoDir: repoWithPackedRef() }));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `Client:\n\tVersion: ${clientVersion()}\n\tGit commit: ${SHA}\n`);
});

test('version outside a checkout says unknown', async () => {
  const dir = tempDir('skiff-version-');
  repos.push(dir);
  const r = await run(['version', '--client-only'], testContext({ repoDir: dir }));
  assert.equal(r.stdout, `Client:\n\tVersion: ${clientVersion()}\n\tGit commit: unknown\n`);
});

test('without --client-only the server part is an error line, as Velero prints it', async () => {
  const r = await run(['version', '--timeout', '1m30s'], testContext({ repoDir: repoWithPackedRef() }));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    r.stdout.startsWith(`Client:\n\tVersion: ${clientVersion()}\n\tGit commit: ${SHA}\n<error getting server version: no Kubernetes configuration found.`),
    r.stdout,
  );
  assert.ok(r.stdout.endsWith('>\n'), r.stdout);
});

test('a reachable server adds a Server block', async () => {
  const ctx = testContext({ repoDir: repoWithPackedRef() });
  const text = await versionText(ctx, false, async () => clientVersion());
  assert.equal(text, `Client:\n\tVersion: ${clientVersion()}\n\tGit commit: ${SHA}\nServer:\n\tVersion: ${clientVersion()}\n`);
});

test('a server of another major.minor gets Velero\'s warning naming the older side', async () => {
  const ctx = testContext({ repoDir: repoWithPackedRef() });
  const text = await versionText(ctx, false, async () => 'v99.0.0');
  assert.equal(
    text,
    `Client:\n\tVersion: ${clientVersion()}\n\tGit commit: ${SHA}\nServer:\n\tVersion: v99.0.0\n# WARNING: the client version does not match the server version. Please update client\n`,
  );
  assert.equal(mismatchWarning('v1.3.0', 'v1.2.9'), '# WARNING: the client version does not match the server version. Please update server\n');
  assert.equal(mismatchWarning('v1.2.0', 'v1.2.9'), '');
  assert.equal(mismatchWarning('v1.2.0', 'v1.2.0-rc.1'), '');
  assert.equal(mismatchWarning('v1.2.0', 'not-a-version'), '');
});

test('a bad --timeout is a usage error naming the flag', async () => {
  const r = await run(['version', '--timeout', '10']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'Error: invalid argument "10" for "--timeout" flag: expected a duration like 30s, 5m or 1h30m\n' +
      "Run 'skiff version --help' for usage.\n",
  );
  assert.equal(r.stdout, '');
});

test('version rejects extra arguments', async () => {
  const r = await run(['version', 'extra']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error: too many arguments for 'version'/);
});
