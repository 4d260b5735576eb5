/** @module cli/commands/client.test — `skiff client config set|get` against a temporary HOME. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, test } from 'node:test';
import { skiffConfigPath, veleroConfigPath } from '../client-config.ts';
import { removeDir, run, tempDir, testContext } from '../testing.ts';

const homes: string[] = [];
after(() => homes.forEach(removeDir));

function freshHome(): string {
  const dir = tempDir('skiff-client-');
  homes.push(dir);
  return dir;
}

async function skiff(homeDir: string, ...argv: string[]) {
  return run(argv, testContext({ homeDir }));
}

test('set writes the file with mode 0600 in a 0700 directory; get reads it back', async () => {
  const homeDir = freshHome();
  const set = await skiff(homeDir, 'client', 'config', 'set', 'namespace=backup-ns', 'features=EnableCSI,Other', 'colorized=false');
  assert.equal(set.code, 0, set.stderr);
  const file = skiffConfigPath(homeDir);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
    namespace: 'backup-ns',
    features: 'EnableCSI,Other',
    colorized: 'false',
  });
  const all = await skiff(homeDir, 'client', 'config', 'get');
  assert.equal(all.stdout, 'colorized: false\nfeatures: EnableCSI,Other\nnamespace: backup-ns\n');
  const some = await skiff(homeDir, 'client', 'config', 'get', 'namespace', 'cacert');
  assert.equal(some.stdout, 'namespace: backup-ns\ncacert: <NOT SET>\n');
});

test('set with an empty value deletes the key', async () => {
  const homeDir = freshHome();
  await skiff(homeDir, 'client', 'config', 'set', 'namespace=a', 'cacert=/ca.pem');
  await skiff(homeDir, 'client', 'config', 'set', 'cacert=');
  assert.deepEqual(JSON.parse(readFileSync(skiffConfigPath(homeDir), 'utf8')), { namespace: 'a' });
});

test('unknown keys and malformed pairs are errors that write nothing', async () => {
  const homeDir = freshHome();
  const r = await skiff(homeDir, 'client', 'config', 'set', 'namespace=a', 'colour=true');
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'Error: unknown client config key "colour"; known keys: namespace, features, colorized, cacert\n' +
      "Run 'skiff client config set --help' for usage.\n",
  );
  assert.equal(existsSync(skiffConfigPath(homeDir)), false);
  const bad = await skiff(homeDir, 'client', 'config', 'set', 'namespace');
  assert.match(bad.stderr, /^Error: invalid KEY=VALUE: "namespace"\n/);
  const color = await skiff(homeDir, 'client', 'config', 'set', 'colorized=sometimes');
  assert.match(color.stderr, /^Error: invalid value "sometimes" for colorized/);
  const none = await skiff(homeDir, 'client', 'config', 'set');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^Error: missing required argument 'KEY=VALUE'/);
});

test("set starts from Velero's settings when Skiff has no file yet", async () => {
  const homeDir = freshHome();
  mkdirSync(dirname(veleroConfigPath(homeDir)), { recursive: true });
  writeFileSync(veleroConfigPath(homeDir), JSON.stringify({ namespace: 'velero-ns', features: 'EnableCSI' }));
  const before = await skiff(homeDir, 'client', 'config', 'get');
  assert.equal(before.stdout, 'features: EnableCSI\nnamespace: velero-ns\n');
  await skiff(homeDir, 'client', 'config', 'set', 'cacert=/ca.pem');
  assert.deepEqual(JSON.parse(readFileSync(skiffConfigPath(homeDir), 'utf8')), {
    namespace: 'velero-ns',
    features: 'EnableCSI',
    cacert: '/ca.pem',
  });
  // Velero's own file is left alone.
  assert.deepEqual(JSON.parse(readFileSync(veleroConfigPath(homeDir), 'utf8')), { namespace: 'velero-ns', features: 'EnableCSI' });
});

test('get prints non-string values Velero may have written as JSON', async () => {
  const homeDir = freshHome();
  mkdirSync(dirname(skiffConfigPath(homeDir)), { recursive: true });
  writeFileSync(skiffConfigPath(homeDir), '{"colorized": true}');
  assert.equal((await skiff(homeDir, 'client', 'config', 'get')).stdout, 'colorized: true\n');
});

test('a bare group prints its help to stdout and exits 0', async () => {
  const r = await skiff(freshHome(), 'client', 'config');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: skiff client config \[options\] \[command\]/);
  assert.match(r.stdout, /get \[keys\.\.\.\]/);
  assert.equal(r.stderr, '');
});
