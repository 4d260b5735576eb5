/**
 * `skiff restore …` end to end: the in-process CLI against the real control plane, MinIO and a Skiff server.
 * One backup of the nginx example (made with `skiff backup create --wait`) serves every subtest: a restore
 * after the namespace is deleted, then get/describe/logs of it, a mapped restore, the client-side source
 * checks, and delete with the bucket files gone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VeleroResources, type Restore } from '../../src/api/index.ts';
import { run, testContext, type RunResult } from '../../src/cli/testing.ts';
import { Resources, type KubeClient } from '../../src/kube/index.ts';
import { waitFor } from '../support/cluster.ts';
import { deploySampleApp } from '../support/sample-app.ts';
import { startTestServer, type TestServer } from '../support/skiff-server.ts';

async function deleteNamespace(client: KubeClient, ns: string): Promise<void> {
  // Pods at once: otherwise the namespace waits out their grace period, most of this test's time.
  await client.delete(Resources.deployments, 'nginx-deployment', { namespace: ns });
  for (const pod of (await client.list(Resources.pods, { namespace: ns })).items) {
    await client.delete(Resources.pods, pod.metadata.name ?? '', { namespace: ns, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
  await client.delete(Resources.namespaces, ns);
  await waitFor(async () => !(await client.getIfExists(Resources.namespaces, ns)), { what: `namespace ${ns} to be gone`, timeoutMs: 120_000 });
}

/** Every key under `restores/<name>/` in the location's bucket. */
async function restoreKeys(s: TestServer, name: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of s.objectStore.listObjects(`${s.prefix}/restores/${name}/`)) keys.push(o.key);
  return keys;
}

/** A line of output split on runs of spaces: the cells of a table row. */
const cells = (line: string | undefined): string[] => (line ?? '').trim().split(/\s{2,}/);

test('skiff restore create/get/describe/logs/delete against a real server', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ctx = (): ReturnType<typeof testContext> => testContext({ env: { KUBECONFIG: s.cluster.kubeconfig } });
  const skiff = (...args: string[]): Promise<RunResult> => run(['-n', s.namespace, ...args], ctx());
  const ns = await deploySampleApp(client, t);

  const backedUp = await skiff('backup', 'create', 'app', '--include-namespaces', ns, '--wait');
  assert.equal(backedUp.code, 0, backedUp.stderr);
  assert.match(backedUp.stdout, /Backup completed with status: Completed\./, backedUp.stdout);

  await t.test('create --wait after the namespace is gone: exit 0, Completed, the objects back', async () => {
    // The volume too, as in a lost cluster: the restore brings the PV back as well as the namespace.
    await deleteNamespace(client, ns);
    await client.delete(Resources.persistentVolumes, `pv-${ns}-logs`);
    await waitFor(async () => !(await client.getIfExists(Resources.persistentVolumes, `pv-${ns}-logs`)), { what: 'the PV to be gone' });
    const r = await skiff('restore', 'create', 'app-restore', '--from-backup', 'app', '--wait');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^Restore request "app-restore" submitted successfully\.\nWaiting for restore to complete\. You may safely press ctrl-c to stop waiting - your restore will continue in the background\.\n\.*\nRestore completed with status: Completed\. You may check for more information using the commands `skiff restore describe app-restore` and `skiff restore logs app-restore`\.\n$/,
    );
    const deployment = await client.get(Resources.deployments, 'nginx-deployment', { namespace: ns });
    assert.equal(deployment.metadata.labels?.['velero.io/restore-name'], 'app-restore');
    assert.ok(await client.getIfExists(Resources.configMaps, 'nginx-conf', { namespace: ns }));
    for (const [ref, name] of [[Resources.services, 'my-nginx'], [Resources.secrets, 'nginx-tls'], [Resources.persistentVolumeClaims, 'nginx-logs']] as const) {
      assert.ok(await client.getIfExists(ref, name, { namespace: ns }), name);
    }
    assert.ok(await client.getIfExists(Resources.persistentVolumes, `pv-${ns}-logs`));
  });

  const restore = await client.get<Restore>(VeleroResources.restores, 'app-restore', { namespace: s.namespace });
  const total = restore.status?.progress?.totalItems ?? -1;

  await t.test('get: the table row, and -o json parses to the Restore', async () => {
    const table = await skiff('restore', 'get');
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.split('\n');
    assert.deepEqual(cells(header), ['NAME', 'BACKUP', 'STATUS', 'STARTED', 'COMPLETED', 'ERRORS', 'WARNINGS', 'CREATED', 'SELECTOR']);
    const c = cells(row);
    assert.deepEqual([c[0], c[1], c[2], c[8]], ['app-restore', 'app', 'Completed', '<none>']);
    assert.match(c[3] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
    const json = await skiff('get', 'restores', 'app-restore', '-o', 'json');
    const parsed = JSON.parse(json.stdout) as Restore;
    assert.deepEqual([parsed.kind, parsed.metadata.name, parsed.status?.phase], ['Restore', 'app-restore', 'Completed']);
  });

  await t.test('describe: phase and counts; --details lists the restored resources', async () => {
    assert.ok(total > 0, JSON.stringify(restore.status));
    const plain = await skiff('restore', 'describe', 'app-restore');
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^Name:\s+app-restore\nNamespace:\s+skiff-/);
    assert.match(plain.stdout, new RegExp(`\\nPhase:\\s+Completed\\nTotal items to be restored:\\s+${total}\\nItems restored:\\s+${total}\\n`));
    assert.match(plain.stdout, /\nBackup:  app\n/);
    assert.doesNotMatch(plain.stdout, /Resource List:/);
    const detailed = await skiff('describe', 'restores', 'app-restore', '--details');
    assert.equal(detailed.code, 0, detailed.stderr);
    assert.match(detailed.stdout, new RegExp(`\\nResource List:\\n(  .*\\n|    - .*\\n)*  apps/v1/Deployment:\\n    - ${ns}/nginx-deployment\\(created\\)\\n`));
    assert.match(detailed.stdout, new RegExp(`\\n  v1/Namespace:\\n    - ${ns}\\(created\\)\\n`));
  });

  await t.test('logs: the restore log from the bucket', async () => {
    const r = await skiff('restore', 'logs', 'app-restore');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.ok(lines.length > 3, r.stdout);
    assert.match(r.stdout, /Restore finished/);
  });

  await t.test('flags reach the server: a mapped restore of the ConfigMaps only', async () => {
    const copy = `${ns}-copy`;
    t.after(() => client.delete(Resources.namespaces, copy).catch(() => undefined));
    const r = await skiff('restore', 'create', 'app-copy', '--from-backup', 'app', '--namespace-mappings', `${ns}:${copy}`, '--include-resources', 'configmaps', '--wait');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Restore completed with status: Completed\./);
    const cm = await client.get(Resources.configMaps, 'nginx-conf', { namespace: copy });
    assert.equal(cm.metadata.labels?.['velero.io/restore-name'], 'app-copy');
    assert.equal(await client.getIfExists(Resources.deployments, 'nginx-deployment', { namespace: copy }), undefined);
  });

  await t.test('source checks on the client: a missing backup, a schedule without backups; a local-time default name', async () => {
    const missing = await skiff('restore', 'create', '--from-backup', 'nope');
    assert.deepEqual(missing, { code: 1, stdout: '', stderr: 'An error occurred: backups.velero.io "nope" not found\n' });
    const schedule = await skiff('restore', 'create', '--from-schedule', 'nightly');
    assert.deepEqual(schedule, { code: 1, stdout: '', stderr: 'An error occurred: No backups found for the schedule nightly\n' });
    const before = new Date();
    const printed = await skiff('restore', 'create', '--from-backup', 'app', '-o', 'json');
    const name = (JSON.parse(printed.stdout) as Restore).metadata.name ?? '';
    const m = /^app-(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(name);
    assert.ok(m, name);
    const at = new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!).getTime();
    assert.ok(at >= before.getTime() - 1000 && at <= Date.now(), `${name} is the local time`);
    const names = (await client.list<Restore>(VeleroResources.restores, { namespace: s.namespace })).items.map((x) => x.metadata.name).sort();
    assert.deepEqual(names, ['app-copy', 'app-restore'], 'nothing else was created');
  });

  await t.test('delete --confirm: the Restore goes, and its files with it', async () => {
    assert.ok((await restoreKeys(s, 'app-restore')).length >= 4);
    const r = await skiff('restore', 'delete', 'app-restore', '--confirm');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Request to delete restore "app-restore" submitted successfully.\nThe restore will be fully deleted after all associated data (restore files in object storage) are removed.\n');
    await waitFor(async () => !(await client.getIfExists(VeleroResources.restores, 'app-restore', { namespace: s.namespace })), { what: 'the restore to be deleted', timeoutMs: 60_000 });
    assert.deepEqual(await restoreKeys(s, 'app-restore'), []);
    assert.ok((await restoreKeys(s, 'app-copy')).length > 0, 'other restores keep their files');
    const gone = await skiff('restore', 'get', 'app-restore');
    assert.deepEqual([gone.code, gone.stderr], [1, 'An error occurred: restores.velero.io "app-restore" not found\n']);
  });
});
