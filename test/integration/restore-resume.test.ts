/**
 * A `skiff server` process killed (SIGKILL) in the middle of a restore: the restore stays InProgress while no
 * server runs, and the next server resumes it to Completed, with every object restored once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Resources } from '../../src/kube/index.ts';
import { VeleroResources } from '../../src/api/index.ts';
import { waitFor } from '../support/cluster.ts';
import { startTestServer } from '../support/skiff-server.ts';
import { exited, fillNamespace, killAtEnd, spawnServer } from '../support/server-process.ts';
import { backUp, deleteNamespace, restoreResourceList, waitForRestore, type RestoreObject } from '../support/restore.ts';

const COUNT = 3000;

test('a server killed mid-restore: the next server resumes the restore to Completed', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = `resume-${randomBytes(3).toString('hex')}`;
  t.after(() => client.delete(Resources.namespaces, ns).catch(() => undefined));
  await fillNamespace(client, ns, COUNT);
  await backUp(s, 'big', { includedNamespaces: [ns] });
  await deleteNamespace(client, ns);
  // From here on, only spawned server processes reconcile this namespace.
  await s.server.stop();

  const out: string[] = [];
  const children: ChildProcess[] = [];
  killAtEnd(t, children);
  const first = spawnServer(s, out);
  children.push(first);
  await client.create(VeleroResources.restores, { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'big-restore', namespace: s.namespace }, spec: { backupName: 'big' } });
  // Kill it once objects are being created, well before the end.
  await waitFor(async () => (await client.list(Resources.configMaps, { namespace: ns }).catch(() => ({ items: [] }))).items.length >= 200, {
    what: `the first server to start restoring (server output: ${out.join('').slice(-2000)})`,
    timeoutMs: 120_000,
    intervalMs: 50,
  });
  first.kill('SIGKILL');
  await exited(first);
  const during = await client.get<RestoreObject>(VeleroResources.restores, 'big-restore', { namespace: s.namespace });
  assert.equal(during.status?.phase, 'InProgress', 'the restore was interrupted');
  const partial = (await client.list(Resources.configMaps, { namespace: ns })).items.length;
  assert.ok(partial < COUNT, `interrupted with ${partial} of ${COUNT} objects restored`);

  children.push(spawnServer(s, out));
  const done = await waitForRestore(client, s.namespace, 'big-restore', 240_000);
  assert.equal(done.status?.phase, 'Completed', `${JSON.stringify(done.status)}\n${out.join('').slice(-3000)}`);
  assert.equal(done.status?.errors ?? 0, 0);
  assert.equal(done.metadata.annotations?.['skiff.io/restore-attempts'], '2');
  const restored = (await client.list(Resources.configMaps, { namespace: ns })).items.filter((c) => c.metadata.name?.startsWith('cm-'));
  assert.equal(restored.length, COUNT);
  assert.ok(restored.every((c) => c.metadata.labels?.['velero.io/restore-name'] === 'big-restore'));
  // What the first server created counts as created by this restore, not as "already exists".
  const list = await restoreResourceList(s, 'big-restore');
  const configMaps = (list['v1/ConfigMap'] ?? []).filter((e) => e.includes('/cm-'));
  assert.equal(configMaps.length, COUNT);
  assert.ok(configMaps.every((e) => e.endsWith('(created)')), configMaps.find((e) => !e.endsWith('(created)')));
});
