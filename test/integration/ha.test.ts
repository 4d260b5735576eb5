/**
 * Several servers at once, on the real control plane: exactly one (the Lease holder) reconciles; a clean stop
 * hands over at once; a leader SIGKILLed in the middle of a backup is replaced within the lease duration and
 * the backup is run again to Completed — never reported Completed with a partial tarball.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Resources, type KubeObject } from '../../src/kube/index.ts';
import { VeleroResources } from '../../src/api/index.ts';
import { DEFAULT_SERVER_CONFIG, startServer } from '../../src/server/index.ts';
import { waitFor } from '../support/cluster.ts';
import { startTestServer, waitForBackup } from '../support/skiff-server.ts';
import { listTarGz } from '../support/independent-tar.ts';
import { bodyOf } from '../support/restore.ts';
import { exited, fillNamespace, killAtEnd, spawnServer } from '../support/server-process.ts';

const FAST_LEASE = { leaderElectLeaseDurationMs: 3000, leaderElectRenewDeadlineMs: 2000, leaderElectRetryPeriodMs: 250 };
const FAST_LEASE_FLAGS = ['--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '250ms'];

type Lease = KubeObject & { spec?: { holderIdentity?: string | null; leaseTransitions?: number } };
type Backup = KubeObject & { status?: { phase?: string; progress?: { itemsBackedUp?: number } } };

const holder = async (client: import('../../src/kube/index.ts').KubeClient, ns: string): Promise<string> =>
  (await client.getIfExists<Lease>(Resources.leases, 'skiff-server', { namespace: ns }))?.spec?.holderIdentity ?? '';

test('two servers: only the lease holder reconciles; stopping it hands over at once', async (t) => {
  const s = await startTestServer(t, FAST_LEASE);
  const { client } = s.cluster;
  const standbyLogs: string[] = [];
  const standby = await startServer({
    config: { ...DEFAULT_SERVER_CONFIG, namespace: s.namespace, kubeconfig: s.cluster.state.kubeconfig, metricsAddress: '127.0.0.1:0', logLevel: 'debug', ...FAST_LEASE },
    env: { AWS_SHARED_CREDENTIALS_FILE: s.cluster.state.s3.credentialsFile },
    write: (line) => void standbyLogs.push(line),
  });
  t.after(() => standby.stop());
  assert.equal(s.server.isLeader(), true);
  assert.equal(standby.isLeader(), false);
  assert.equal(standby.controllers.length, 0, 'a standby runs no controllers');

  await client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'by-leader', namespace: s.namespace }, spec: { includedNamespaces: ['kube-public'] } });
  assert.equal((await waitForBackup(client, s.namespace, 'by-leader')).status?.['phase'], 'Completed');
  assert.ok(s.logs.some((l) => l.includes('by-leader')), 'the leader did the work');
  assert.ok(!standbyLogs.some((l) => l.includes('by-leader')), `the standby did nothing with it:\n${standbyLogs.join('\n')}`);

  // A clean stop releases the lease: the standby need not wait for it to expire.
  await s.server.stop();
  await waitFor(async () => standby.isLeader(), { what: 'the standby to take over', timeoutMs: 10_000, intervalMs: 50 });
  await client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'by-standby', namespace: s.namespace }, spec: { includedNamespaces: ['kube-public'] } });
  assert.equal((await waitForBackup(client, s.namespace, 'by-standby')).status?.['phase'], 'Completed');
  assert.ok(standbyLogs.some((l) => l.includes('by-standby')));
});

test('the leader is SIGKILLed mid-backup: the other server takes over and the backup completes, whole', async (t) => {
  const s = await startTestServer(t);
  const { client } = s.cluster;
  const ns = `ha-${randomBytes(3).toString('hex')}`;
  const count = 6000;
  t.after(() => client.delete(Resources.namespaces, ns).catch(() => undefined));
  await fillNamespace(client, ns, count, 1024);
  // From here on, only the two server processes reconcile this namespace.
  await s.server.stop();

  const out: Record<number, string[]> = {};
  const children: ChildProcess[] = [];
  killAtEnd(t, children);
  for (let i = 0; i < 2; i++) {
    const lines: string[] = [];
    const child = spawnServer(s, lines, FAST_LEASE_FLAGS);
    out[child.pid!] = lines;
    children.push(child);
  }
  const output = (): string => Object.entries(out).map(([pid, l]) => `--- server ${pid}\n${l.join('').slice(-2500)}`).join('\n');
  await waitFor(async () => children.some((c) => (out[c.pid!] ?? []).join('').includes('skiff server is running')), { what: `a leader to start working\n${output()}`, timeoutMs: 60_000 });
  const leaderPid = Number((await holder(client, s.namespace)).split('_').at(-2));
  const leader = children.find((c) => c.pid === leaderPid);
  assert.ok(leader, `the lease names one of the two processes (${await holder(client, s.namespace)})`);
  const other = children.find((c) => c !== leader)!;

  await client.create(VeleroResources.backups, { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'big', namespace: s.namespace }, spec: { includedNamespaces: [ns] } });
  let seen: Backup | undefined;
  await waitFor(async () => {
    seen = await client.get<Backup>(VeleroResources.backups, 'big', { namespace: s.namespace });
    return seen.status?.phase !== undefined && seen.status.phase !== 'New' && seen.status.phase !== 'Queued';
  }, { what: `the backup to start\n${output()}`, timeoutMs: 60_000, intervalMs: 10 });
  leader.kill('SIGKILL');
  await exited(leader);
  assert.equal(seen?.status?.phase, 'InProgress', `the backup was interrupted, not finished: ${JSON.stringify(seen?.status)}`);

  const done = await waitForBackup(client, s.namespace, 'big', 180_000);
  assert.equal(done.status?.['phase'], 'Completed', `${JSON.stringify(done.status)}\n${output()}`);
  assert.equal(done.metadata.annotations?.['skiff.io/backup-attempts'], '2', 'run again by the new leader');
  assert.ok(String(await holder(client, s.namespace)).includes(`_${other.pid}_`), 'the other process holds the lease');
  assert.ok((out[other.pid!] ?? []).join('').includes('running it again'), output());
  // The tarball in the bucket is whole: every ConfigMap exactly once.
  const entries = listTarGz(new Uint8Array(await bodyOf(s, 'backups/big/big.tar.gz')))
    .map((e) => e.path)
    .filter((p) => p.startsWith(`resources/configmaps/namespaces/${ns}/`) && p.includes('/cm-'));
  assert.equal(entries.length, count);
  assert.equal(new Set(entries).size, count);
});
