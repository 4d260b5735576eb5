/**
 * Prometheus metrics and ServerStatusRequests against the real control plane and MinIO: a backup moves
 * Velero's counters by exactly one, a restarted server does not count old backups again, and `skiff
 * version` / `skiff plugin get` get their answer from the server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatKubeTime, VeleroResources, type ServerStatusRequest } from '../../src/api/index.ts';
import { run, testContext } from '../../src/cli/testing.ts';
import { DEFAULT_SERVER_CONFIG, startServer, type RunningServer } from '../../src/server/index.ts';
import { skiffVersion } from '../../src/util/index.ts';
import { bodyOf } from '../support/restore.ts';
import { waitFor } from '../support/cluster.ts';
import { startTestServer, waitForBackup } from '../support/skiff-server.ts';
import { createRestore } from '../support/restore.ts';

/** One scrape as `name{labels}` → value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

const at = (samples: Map<string, number>, key: string): number => samples.get(key) ?? 0;

test('a backup and a restore move Velero\'s metrics by one; a restarted server does not count them again', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const url = s.server.metricsUrl!;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  await waitFor(async () => at(await scrape(url), 'velero_backup_location_status_gauge{backup_location_name="default"}') === 1, { what: 'the location gauge' });
  const before = await scrape(url);
  assert.ok(before.has('process_resident_memory_bytes'));
  assert.equal(at(before, 'velero_backup_attempt_total{schedule=""}'), 0);

  await client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'm1', namespace: s.namespace }, spec: { includedNamespaces: [s.namespace], includedResources: ['configmaps'] } });
  const done = await waitForBackup(client, s.namespace, 'm1');
  assert.equal(done.status?.phase, 'Completed', JSON.stringify(done.status));
  const completed = Date.parse(String(done.status?.completionTimestamp)) / 1000;
  let after = before;
  await waitFor(async () => at((after = await scrape(url)), 'velero_backup_success_total{schedule=""}') === 1, { what: 'the success counter' });
  assert.equal(at(after, 'velero_backup_attempt_total{schedule=""}'), 1);
  assert.equal(at(after, 'velero_backup_failure_total{schedule=""}'), 0);
  assert.equal(at(after, 'velero_backup_duration_seconds_count{schedule=""}'), 1);
  assert.equal(at(after, 'velero_backup_duration_seconds_bucket{schedule="",le="+Inf"}'), 1);
  assert.equal(at(after, 'velero_backup_last_status{schedule=""}'), 1);
  assert.equal(at(after, 'velero_backup_last_successful_timestamp{schedule=""}'), completed);
  assert.ok(at(after, 'velero_backup_items_total{schedule=""}') >= 1);
  assert.equal(at(after, 'velero_backup_total'), 1);
  // The size of the tarball as stored, read with one listing once the backup finished.
  const stored = (await bodyOf(s, 'backups/m1/m1.tar.gz')).length;
  await waitFor(async () => at(await scrape(url), 'velero_backup_tarball_size_bytes{schedule=""}') === stored, { what: `the tarball size gauge to be ${stored}` });

  await client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'bad', namespace: s.namespace }, spec: { storageLocation: 'no-such-location' } });
  assert.equal((await waitForBackup(client, s.namespace, 'bad')).status?.phase, 'FailedValidation');
  await waitFor(async () => at((after = await scrape(url)), 'velero_backup_validation_failure_total{schedule=""}') === 1, { what: 'the validation-failure counter' });
  assert.equal(at(after, 'velero_backup_attempt_total{schedule=""}'), 1, 'a validation failure is not an attempt');
  assert.equal(at(after, 'velero_backup_last_status{schedule=""}'), 0);

  const restore = await createRestore(client, s.namespace, 'r1', { backupName: 'm1', includedResources: ['configmaps'] });
  assert.ok(['Completed', 'PartiallyFailed'].includes(String(restore.status?.phase)), JSON.stringify(restore.status));
  const outcome = restore.status?.phase === 'Completed' ? 'success' : 'partial_failure';
  await waitFor(async () => at((after = await scrape(url)), `velero_restore_${outcome}_total{schedule=""}`) === 1, { what: 'the restore counter' });
  assert.equal(at(after, 'velero_restore_attempt_total{schedule=""}'), 1);
  assert.equal(at(after, 'velero_restore_total'), 1);

  // The same namespace under a new server process: nothing is counted again, the gauges come back.
  await s.server.stop();
  let again: RunningServer | undefined;
  t.after(() => again?.stop());
  again = await startServer({
    config: { ...DEFAULT_SERVER_CONFIG, namespace: s.namespace, kubeconfig: s.cluster.state.kubeconfig, metricsAddress: '127.0.0.1:0' },
    env: { AWS_SHARED_CREDENTIALS_FILE: s.cluster.state.s3.credentialsFile },
    write: () => undefined,
  });
  const restarted = await scrape(again.metricsUrl!);
  assert.equal(at(restarted, 'velero_backup_attempt_total{schedule=""}'), 0);
  assert.equal(at(restarted, 'velero_backup_success_total{schedule=""}'), 0);
  assert.equal(at(restarted, 'velero_restore_attempt_total{schedule=""}'), 0);
  assert.equal(at(restarted, 'velero_backup_total'), 2);
  assert.equal(at(restarted, 'velero_backup_last_successful_timestamp{schedule=""}'), completed);
  await again.stop(); // before the test's cleanup deletes the namespace under it
});

test('skiff version and skiff plugin get are answered through a ServerStatusRequest, which is then removed', async (t) => {
  const s = await startTestServer(t, { disabledControllers: ['backup', 'restore'] });
  const { client } = s.cluster;
  const ctx = (): ReturnType<typeof testContext> => testContext({ env: { KUBECONFIG: s.cluster.state.kubeconfig } });
  const version = await run(['-n', s.namespace, 'version'], ctx());
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^Client:\n\tVersion: v\S+\n\tGit commit: \S+\n/);
  assert.ok(version.stdout.endsWith(`Server:\n\tVersion: ${skiffVersion()}\n`), version.stdout);

  const plugins = await run(['-n', s.namespace, 'plugin', 'get'], ctx());
  assert.equal(plugins.code, 0, plugins.stderr);
  const lines = plugins.stdout.trimEnd().split('\n');
  assert.match(lines[0] ?? '', /^NAME\s+KIND$/);
  assert.ok(lines.some((l) => /^velero\.io\/pv\s+BackupItemAction$/.test(l)), plugins.stdout);
  assert.ok(lines.some((l) => /^velero\.io\/aws\s+ObjectStore$/.test(l)), plugins.stdout);
  assert.equal((await client.list(VeleroResources.serverStatusRequests, { namespace: s.namespace })).items.length, 0, 'the CLI deletes its requests');

  // A request processed over a minute ago (left by a client that went away) is deleted by the server.
  const old: ServerStatusRequest = { apiVersion: 'velero.io/v1', kind: 'ServerStatusRequest', metadata: { name: 'stale', namespace: s.namespace }, spec: {} };
  await client.create(VeleroResources.serverStatusRequests, old);
  await client.patch(VeleroResources.serverStatusRequests, 'stale', 'merge', { status: { phase: 'Processed', processedTimestamp: formatKubeTime(new Date(Date.now() - 120_000)) } }, { namespace: s.namespace });
  await waitFor(async () => (await client.getIfExists(VeleroResources.serverStatusRequests, 'stale', { namespace: s.namespace })) === undefined, { what: 'the stale request to be deleted' });

  // No server in another namespace: the CLI says so after --timeout, as Velero does.
  const none = await run(['-n', `${s.namespace}-nobody`, 'version', '--timeout', '1s'], ctx());
  assert.equal(none.code, 0);
  assert.match(none.stdout, /\n<error getting server version: .+>\n$/);
});
