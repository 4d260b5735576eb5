/** @module cli/commands/backup/select.test — delete selection rules and the confirmation prompt, without a cluster. */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { run, testContext, type TestContext } from '../../testing.ts';

/** A context whose stdin is a terminal that types `lines`, then ends. */
function withTerminal(lines: string[]): TestContext {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  for (const l of lines) stdin.write(`${l}\n`);
  stdin.end();
  return Object.assign(testContext({ tty: true }), { stdin });
}

for (const noun of [['backup', 'delete'], ['backup-location', 'delete'], ['delete', 'backup'], ['delete', 'backup-location']]) {
  test(`${noun.join(' ')}: exactly one of names, --all, --selector`, async () => {
    const what = noun.includes('backup-location') ? 'backup-location' : 'backup';
    const message = `Error: you must specify exactly one of: specific ${what} name(s), the --all flag, or the --selector flag\n`;
    assert.equal((await run([...noun, '--confirm'])).stderr.split('Run ')[0], message);
    assert.equal((await run([...noun, 'a', '--all', '--confirm'])).stderr.split('Run ')[0], message);
    assert.equal((await run([...noun, '--all', '-l', 'a=b', '--confirm'])).code, 1);
  });
}

test('no terminal and no --confirm: refuses, deletes nothing, says how to go ahead', async () => {
  const r = await run(['backup', 'delete', 'b1']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, "Not deleting anything: there is no terminal to confirm on. Run 'skiff backup delete' with --confirm to delete without a prompt.\n");
});

test('a terminal answering n: the prompt, then nothing happens (exit 0, as velero)', async () => {
  const r = await run(['backup', 'delete', '--all'], withTerminal(['n']));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Are you sure you want to continue (Y/N)? ');
});

test('a terminal: other answers ask again; end of input means no; y goes ahead', async () => {
  const again = await run(['backup-location', 'delete', 'x'], withTerminal(['maybe', 'yes']));
  assert.equal(again.code, 0);
  assert.equal(again.stdout, 'Are you sure you want to continue (Y/N)? '.repeat(3) + '\n');
  // "y" proceeds to the cluster, which this test has none of.
  const yes = await run(['backup', 'delete', 'b1'], withTerminal(['Y']));
  assert.equal(yes.code, 1);
  assert.match(yes.stderr, /^An error occurred: no Kubernetes configuration found/);
});
