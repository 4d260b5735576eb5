import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { KubeClient, Transport } from '../kube/index.ts';
import { FakeApiServer, fakeConnection, sendJson, sendStatus } from '../kube/testing/index.ts';
import { silentLogger } from '../log/index.ts';
import { LeaderElector, microTime, type LeaderElectionConfig } from './leader.ts';

const PATH = '/apis/coordination.k8s.io/v1/namespaces/ns/leases';
const CFG: LeaderElectionConfig = { name: 'skiff-server', namespace: 'ns', leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };

/** A Lease store with optimistic concurrency, as the API server keeps it; `failFor` makes one identity's writes fail. */
async function leaseServer(t: TestContext): Promise<{ server: FakeApiServer; failFor: Set<string>; lease: () => Record<string, unknown> | undefined }> {
  const server = await FakeApiServer.start();
  const failFor = new Set<string>();
  let lease: (Record<string, unknown> & { metadata: Record<string, unknown> }) | undefined;
  let rv = 1;
  const identityOf = (body: string): string => (JSON.parse(body) as { spec?: { holderIdentity?: string } }).spec?.holderIdentity ?? '';
  server.on('GET', `${PATH}/skiff-server`, (_req, res) => (lease ? sendJson(res, 200, lease) : sendStatus(res, 404, 'NotFound', 'not found')));
  server.on('POST', PATH, (req, res) => {
    if (failFor.has(identityOf(req.body))) return sendStatus(res, 500, 'InternalError', 'injected');
    if (lease) return sendStatus(res, 409, 'AlreadyExists', 'exists');
    lease = { ...JSON.parse(req.body), metadata: { ...JSON.parse(req.body).metadata, resourceVersion: String(++rv) } };
    sendJson(res, 201, lease);
  });
  server.on('PUT', `${PATH}/skiff-server`, (req, res) => {
    const body = JSON.parse(req.body) as { metadata: Record<string, unknown> };
    if (failFor.has(identityOf(req.body))) return sendStatus(res, 500, 'InternalError', 'injected');
    if (body.metadata['resourceVersion'] !== lease?.metadata['resourceVersion']) return sendStatus(res, 409, 'Conflict', 'the object has been modified');
    lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
    sendJson(res, 200, lease);
  });
  t.after(() => server.close());
  return { server, failFor, lease: () => lease };
}

function elector(t: TestContext, server: FakeApiServer, identity: string, events: string[]): LeaderElector {
  const client = new KubeClient(new Transport({ connection: fakeConnection(server.url), retry: { maxAttempts: 1 } }));
  const e = new LeaderElector(client, { ...CFG, identity }, {
    onStartedLeading: async () => void events.push(`${identity} started`),
    onStoppedLeading: async () => void events.push(`${identity} stopped`),
  }, silentLogger);
  t.after(async () => {
    await e.stop();
    await client.close();
  });
  return e;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('microTime has six fractional digits', () => {
  assert.equal(microTime(new Date('2026-11-22T10:00:00.123Z')), '2026-11-22T10:00:00.123000Z');
});

test('one of two candidates leads; a clean stop hands over at once', async (t) => {
  const { server, lease } = await leaseServer(t);
  const events: string[] = [];
  const a = elector(t, server, 'a', events);
  const b = elector(t, server, 'b', events);
  await a.start();
  await b.start();
  assert.deepEqual([a.isLeader, b.isLeader], [true, false]);
  await sleep(400);
  assert.deepEqual([a.isLeader, b.isLeader], [true, false], 'renewals keep the lease');
  await a.stop();
  assert.equal((lease()?.['spec'] as { holderIdentity?: string | null }).holderIdentity, null, 'released');
  // Released, so b need not wait a lease duration: one retry period.
  for (let i = 0; i < 20 && !b.isLeader; i++) await sleep(50);
  assert.equal(b.isLeader, true);
  assert.deepEqual(events, ['a started', 'a stopped', 'b started']);
  assert.equal((lease()?.['spec'] as { leaseTransitions?: number }).leaseTransitions, 0, 'a released lease is taken without counting a transition');
});

test('a leader that cannot renew steps down before the lease expires; the other takes over after it', async (t) => {
  const { server, failFor, lease } = await leaseServer(t);
  const events: string[] = [];
  const a = elector(t, server, 'a', events);
  const b = elector(t, server, 'b', events);
  await a.start();
  await b.start();
  failFor.add('a');
  const cut = Date.now();
  const times: Record<string, number> = {};
  while (!b.isLeader && Date.now() - cut < 5000) {
    if (!a.isLeader && times['a'] === undefined) times['a'] = Date.now() - cut;
    await sleep(20);
  }
  times['b'] = Date.now() - cut;
  assert.equal(b.isLeader, true);
  assert.equal(a.isLeader, false);
  assert.ok(times['a']! < times['b']!, `a stepped down (${times['a']} ms) before b took over (${times['b']} ms)`);
  assert.ok(times['b']! >= CFG.leaseDurationMs - CFG.retryPeriodMs, `b waited for the lease to expire (${times['b']} ms)`);
  assert.deepEqual(events, ['a started', 'a stopped', 'b started']);
  assert.equal((lease()?.['spec'] as { leaseTransitions?: number }).leaseTransitions, 1);
});

test('settings are checked', () => {
  const client = {} as KubeClient;
  const cb = { onStartedLeading: async () => undefined, onStoppedLeading: async () => undefined };
  assert.throws(() => new LeaderElector(client, { ...CFG, renewDeadlineMs: 1000 }, cb, silentLogger), /renew deadline/);
  assert.throws(() => new LeaderElector(client, { ...CFG, retryPeriodMs: 600 }, cb, silentLogger), /retry period/);
});
