/**
 * Schedules end to end: a Skiff server on the real control plane and MinIO turns Schedules into Backups that
 * complete; pausing stops them; a missed tick runs once; skipImmediately skips it; an invalid schedule says
 * why; and the `skiff schedule` commands drive it all in-process.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { formatKubeTime, newSchedule, VeleroResources, type Backup, type Schedule, type ScheduleSpec } from '../../src/api/index.ts';
import { run, testContext, type RunResult } from '../../src/cli/testing.ts';
import { Resources, type KubeClient } from '../../src/kube/index.ts';
import { waitFor } from '../support/cluster.ts';
import { startTestServer, waitForBackup } from '../support/skiff-server.ts';

const STAMPED = /^(.+)-\d{14}$/;

async function backupsOf(client: KubeClient, namespace: string, schedule: string): Promise<Backup[]> {
  return (await client.list<Backup>(VeleroResources.backups, { namespace, labelSelector: `velero.io/schedule-name=${schedule}` })).items;
}

async function createSchedule(client: KubeClient, namespace: string, name: string, spec: ScheduleSpec, extra: { labels?: Record<string, string>; status?: Schedule['status'] } = {}): Promise<void> {
  const s = newSchedule(name, namespace, spec, extra.labels ? { labels: extra.labels } : {});
  // Our CRDs (like Velero's) have no status subresource: a status sent on create is stored, which lets a
  // test start from "the last backup was hours ago".
  if (extra.status) s.status = extra.status;
  await client.create(VeleroResources.schedules, s);
}

function getSchedule(client: KubeClient, namespace: string, name: string): Promise<Schedule> {
  return client.get<Schedule>(VeleroResources.schedules, name, { namespace });
}

const hoursAgo = (h: number): string => formatKubeTime(new Date(Date.now() - h * 3_600_000));
const cells = (line: string | undefined): string[] => (line ?? '').trim().split(/\s{2,}/);

test('schedules on a real server', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = s.namespace;
  const app = await s.cluster.namespace(t, 'sched-app');
  await client.create(Resources.configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: app }, data: { a: 'b' } });
  const template = { includedNamespaces: [app] };

  await t.test('@every 5s: named backups with the template labels that complete, lastBackup set, and pausing stops it', async () => {
    await createSchedule(client, ns, 'every5', { schedule: '@every 5s', template: { ...template, metadata: { labels: { tier: 'gold' } } } }, { labels: { team: 'x' } });
    await waitFor(async () => (await backupsOf(client, ns, 'every5')).length >= 2, { what: 'two backups of every5', timeoutMs: 90_000 });
    const made = await backupsOf(client, ns, 'every5');
    for (const b of made) {
      assert.equal(STAMPED.exec(b.metadata.name ?? '')?.[1], 'every5', b.metadata.name);
      assert.equal(b.metadata.labels?.['velero.io/schedule-name'], 'every5');
      assert.equal(b.metadata.labels?.['tier'], 'gold');
      assert.equal(b.metadata.labels?.['team'], undefined, 'template labels replace the schedule’s');
      assert.deepEqual(b.spec?.includedNamespaces, [app]);
    }
    const first = made.map((b) => b.metadata.name ?? '').sort()[0] ?? '';
    const done = await waitForBackup(client, ns, first);
    assert.equal(done.status?.phase, 'Completed', JSON.stringify(done.status));
    const schedule = await getSchedule(client, ns, 'every5');
    assert.equal(schedule.status?.phase, 'Enabled');
    assert.ok(schedule.status?.lastBackup, 'status.lastBackup is set');

    await client.patch(VeleroResources.schedules, 'every5', 'merge', { spec: { paused: true } }, { namespace: ns });
    await sleep(2000); // a run that had already started when the pause landed may still finish
    const before = (await backupsOf(client, ns, 'every5')).map((b) => b.metadata.name).sort();
    await sleep(12_000); // more than two ticks
    const after = (await backupsOf(client, ns, 'every5')).map((b) => b.metadata.name).sort();
    assert.deepEqual(after, before, 'no backup while paused');
  });

  await t.test('a tick missed hours ago runs once; skipImmediately skips it instead', async () => {
    await createSchedule(client, ns, 'catchup', { schedule: '@every 1h', template }, { status: { lastBackup: hoursAgo(5) } });
    await createSchedule(client, ns, 'skipper', { schedule: '@every 1h', template, skipImmediately: true }, { status: { lastBackup: hoursAgo(5) } });
    await waitFor(async () => (await backupsOf(client, ns, 'catchup')).length >= 1, { what: 'the catch-up backup', timeoutMs: 60_000 });
    await waitFor(async () => !!(await getSchedule(client, ns, 'skipper')).status?.lastSkipped, { what: 'skipper to record its skip', timeoutMs: 60_000 });
    const [caught] = await backupsOf(client, ns, 'catchup');
    await waitForBackup(client, ns, caught?.metadata.name ?? '');
    await sleep(3000);
    assert.equal((await backupsOf(client, ns, 'catchup')).length, 1, 'five missed ticks, one run');
    const lastBackup = Date.parse((await getSchedule(client, ns, 'catchup')).status?.lastBackup ?? '');
    assert.ok(lastBackup > Date.now() - 600_000, 'the run moved lastBackup to now');
    const skipper = await getSchedule(client, ns, 'skipper');
    assert.equal(skipper.spec?.skipImmediately, false, 'the field is reset: a skip happens once');
    assert.equal((await backupsOf(client, ns, 'skipper')).length, 0);
  });

  await t.test('a backup of the schedule still waiting to run holds the next run back; its end releases it', async () => {
    // ReadyToStart: a phase this server leaves alone, so the backup stays "not yet run" until the test says.
    const waiting = { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'held-by-hand', namespace: ns, labels: { 'velero.io/schedule-name': 'held' } }, spec: template, status: { phase: 'ReadyToStart' } };
    await client.create(VeleroResources.backups, waiting);
    await createSchedule(client, ns, 'held', { schedule: '@every 2s', template });
    await waitFor(async () => (await getSchedule(client, ns, 'held')).status?.phase === 'Enabled', { what: 'held to be Enabled' });
    await sleep(5000); // two ticks
    assert.deepEqual((await backupsOf(client, ns, 'held')).map((b) => b.metadata.name), ['held-by-hand']);
    await client.patch(VeleroResources.backups, 'held-by-hand', 'merge', { status: { phase: 'Completed' } }, { namespace: ns });
    await waitFor(async () => (await backupsOf(client, ns, 'held')).some((b) => STAMPED.test(b.metadata.name ?? '')), { what: 'the held-back run', timeoutMs: 30_000 });
    await client.patch(VeleroResources.schedules, 'held', 'merge', { spec: { paused: true } }, { namespace: ns });
  });

  await t.test('a backup made for a tick whose run was not recorded (the server died in between) is recorded, not made twice', async () => {
    // What a server leaves when it dies after creating the tick's backup and before writing lastBackup.
    const made = { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'recorded-20260101000000', namespace: ns, labels: { 'velero.io/schedule-name': 'recorded' } }, spec: template, status: { phase: 'Completed' } };
    await client.create(VeleroResources.backups, made);
    await createSchedule(client, ns, 'recorded', { schedule: '@every 1h', template }, { status: { lastBackup: hoursAgo(2) } });
    await waitFor(async () => Date.parse((await getSchedule(client, ns, 'recorded')).status?.lastBackup ?? '') > Date.now() - 600_000, { what: 'the run to be recorded', timeoutMs: 30_000 });
    assert.deepEqual((await backupsOf(client, ns, 'recorded')).map((b) => b.metadata.name), ['recorded-20260101000000'], 'no second backup for the tick');
    await client.patch(VeleroResources.schedules, 'recorded', 'merge', { spec: { paused: true } }, { namespace: ns });
  });

  await t.test('an invalid schedule is FailedValidation and says why', async () => {
    await createSchedule(client, ns, 'broken', { schedule: '0 25 * * *', template: { includedNamespaces: ['a', '*'] } });
    await createSchedule(client, ns, 'empty', { schedule: '', template });
    await waitFor(async () => (await getSchedule(client, ns, 'broken')).status?.phase === 'FailedValidation', { what: 'broken to fail validation' });
    const errors = (await getSchedule(client, ns, 'broken')).status?.validationErrors ?? [];
    assert.equal(errors[0], 'invalid schedule: hour field "25": 25 is above the maximum 23');
    assert.ok(errors.some((e) => e.startsWith('spec.template.includedNamespaces')), errors.join('\n'));
    await waitFor(async () => (await getSchedule(client, ns, 'empty')).status?.phase === 'FailedValidation', { what: 'empty to fail validation' });
    assert.deepEqual((await getSchedule(client, ns, 'empty')).status?.validationErrors, ['Schedule must be a non-empty valid Cron expression']);
  });

  await t.test('skiff schedule create, get, pause, describe, unpause, delete', async () => {
    const skiff = (...args: string[]): Promise<RunResult> => run(['-n', ns, ...args], testContext({ env: { KUBECONFIG: s.cluster.kubeconfig } }));
    const created = await skiff('schedule', 'create', 'hourly', '--schedule', '@every 1h', '--include-namespaces', app, '--ttl', '24h', '--labels', 'team=y');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, 'Schedule "hourly" created successfully.\n');
    await waitFor(async () => (await getSchedule(client, ns, 'hourly')).status?.phase === 'Enabled', { what: 'hourly to be Enabled' });

    const table = await skiff('get', 'schedules', 'hourly');
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.split('\n');
    assert.deepEqual(cells(header), ['NAME', 'STATUS', 'CREATED', 'SCHEDULE', 'BACKUP TTL', 'LAST BACKUP', 'SELECTOR', 'PAUSED']);
    const c = cells(row);
    assert.deepEqual([c[0], c[1], c[3], c[4], c[5], c[6], c[7]], ['hourly', 'Enabled', '@every 1h', '24h0m0s', 'n/a', '<none>', 'false']);

    assert.equal((await skiff('schedule', 'pause', 'hourly')).stdout, 'Schedule hourly paused successfully\n');
    assert.equal((await skiff('schedule', 'pause', 'hourly')).stdout, 'Schedule hourly is already paused, skip\n');
    const described = await skiff('schedule', 'describe', 'hourly');
    assert.equal(described.code, 0, described.stderr);
    for (const line of ['Name:         hourly', 'Labels:       team=y', 'Phase:  Enabled', 'Paused:  true', 'Schedule:  @every 1h', 'Backup Template:', `    Included:  ${app}`, '  TTL:  24h0m0s', 'Last Backup:  <never>']) {
      assert.ok(described.stdout.split('\n').includes(line), `${line}\n---\n${described.stdout}`);
    }
    assert.equal((await skiff('schedule', 'unpause', 'hourly', '--skip-immediately')).stdout, 'Schedule hourly unpaused successfully\n');
    const unpaused = await getSchedule(client, ns, 'hourly');
    assert.equal(unpaused.spec?.paused, false);
    const deleted = await skiff('schedule', 'delete', 'hourly', '--confirm');
    assert.equal(deleted.stdout, 'Schedule deleted: hourly\n');
    await waitFor(async () => !(await client.getIfExists(VeleroResources.schedules, 'hourly', { namespace: ns })), { what: 'hourly to be gone' });
  });
});
