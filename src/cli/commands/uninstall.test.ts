/** @module cli/commands/uninstall.test — `skiff uninstall`'s confirmation: --force, the prompt, and no prompt without a terminal. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { run, testContext, type TestContext } from '../testing.ts';

/** A context whose stdin is a terminal that types `lines`, then ends. */
function typing(...lines: string[]): TestContext {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  for (const l of lines) stdin.write(`${l}\n`);
  stdin.end();
  return Object.assign(testContext({ tty: true }), { stdin });
}

test('without a terminal and without --force nothing is removed, and the error says to use --force', async () => {
  const r = await run(['uninstall', '-n', 'backup']);
  assert.deepEqual(r, { code: 1, stdout: '', stderr: "Not uninstalling: there is no terminal to confirm on. Run 'skiff uninstall' with --force to uninstall without a prompt.\n" });
});

test('the prompt says what goes and what stays; "n" uninstalls nothing and needs no cluster', async () => {
  const r = await run(['uninstall', '-n', 'backup'], typing('maybe', 'n'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^You are about to uninstall Skiff from namespace "backup": the namespace and everything in it, the ClusterRoleBinding "velero-backup" and the velero.io CustomResourceDefinitions/);
  assert.match(r.stdout, /Backups in object storage are not touched\.\n/);
  assert.equal(r.stdout.match(/Are you sure you want to continue \(Y\/N\)\? /g)?.length, 2, 'asked again after an answer that is neither y nor n');
  assert.match(r.stdout, /Nothing was uninstalled\.\n$/);
});

test('"y" (or --force) goes on to the cluster; --wait is accepted with a deprecation warning', async () => {
  const yes = await run(['uninstall'], typing('y'));
  assert.equal(yes.code, 1);
  assert.match(yes.stderr, /no Kubernetes configuration found/);
  const forced = await run(['uninstall', '--force', '--wait']);
  assert.equal(forced.code, 1);
  assert.match(forced.stderr, /^Warning: --wait is deprecated: uninstall always waits for the namespace to be deleted\n/);
  assert.match(forced.stderr, /no Kubernetes configuration found/);
  assert.equal(forced.stdout, '');
});
