/** Unit tests for kube/informer: list-then-watch into the cache, bookmarks, 410 re-lists, reconnects, errors and stop(). */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Transport } from './transport.ts';
import { KubeClient } from './client.ts';
import { Informer, type InformerHandlers } from './informer.ts';
import { KubeApiError } from './errors.ts';
import type { KubeObject, ResourceRef } from './types.ts';
import { FakeApiServer, fakeConnection, sendJson, sendStatus, startStream, waitFor, type ChunkedStream, type RecordedRequest } from './testing/index.ts';

const REF: ResourceRef = { group: '', version: 'v1', resource: 'configmaps', namespaced: true };
const PATH = '/api/v1/namespaces/ns/configmaps';
const BACKOFF = { initialMs: 5, maxMs: 50 };

function cm(name: string, rv: number, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name, resourceVersion: String(rv) }, data };
}

/** A namespaced configmaps endpoint: paginated LIST over `items`, and watches the test drives by hand. */
class FakeResource {
  readonly server: FakeApiServer;
  readonly items = new Map<string, KubeObject>();
  rv = 10;
  /** Answers the next N list requests with 500. */
  failLists = 0;
  readonly watches: Array<{ req: RecordedRequest; stream: ChunkedStream }> = [];

  constructor(server: FakeApiServer) {
    this.server = server;
    server.on('GET', PATH, (req, res) => {
      if (req.query.get('watch') === 'true') {
        this.watches.push({ req, stream: startStream(res) });
        return;
      }
      if (this.failLists > 0) {
        this.failLists--;
        return sendStatus(res, 500, 'InternalError', 'etcd is having a bad day');
      }
      const sorted = [...this.items.values()].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
      const after = req.query.get('continue');
      const rest = after ? sorted.filter((o) => o.metadata.name! > after) : sorted;
      const limit = Number(req.query.get('limit') ?? '0');
      const page = limit > 0 ? rest.slice(0, limit) : rest;
      const more = limit > 0 && rest.length > limit;
      sendJson(res, 200, { kind: 'ConfigMapList', metadata: { resourceVersion: String(this.rv), ...(more ? { continue: page.at(-1)!.metadata.name } : {}) }, items: page });
    });
  }

  set(name: string, data: Record<string, string> = {}): KubeObject {
    const obj = cm(name, ++this.rv, data);
    this.items.set(name, obj);
    return obj;
  }

  /** Every LIST page request. */
  lists(): RecordedRequest[] {
    return this.server.requestsTo(PATH).filter((r) => r.query.get('watch') !== 'true');
  }

  /** How many full lists were started (first pages). */
  listRuns(): number {
    return this.lists().filter((r) => !r.query.has('continue')).length;
  }

  async watch(n: number): Promise<{ req: RecordedRequest; stream: ChunkedStream }> {
    await waitFor(() => this.watches.length >= n, `watch request #${n}`);
    return this.watches[n - 1]!;
  }
}

interface Recorded {
  adds: string[];
  updates: string[];
  deletes: string[];
  errors: Array<{ err: unknown; retryInMs: number }>;
}

async function setup(t: TestContext, opts: { pageSize?: number } = {}): Promise<{ fake: FakeResource; informer: Informer; seen: Recorded; on: (h: InformerHandlers<KubeObject>) => void }> {
  const server = await FakeApiServer.start();
  const fake = new FakeResource(server);
  const client = new KubeClient(new Transport({ connection: fakeConnection(server.url), retry: { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 1 } }));
  const informer = new Informer({ client, resource: REF, namespace: 'ns', pageSize: opts.pageSize ?? 2, backoff: BACKOFF, watchTimeoutSeconds: 60 });
  const seen: Recorded = { adds: [], updates: [], deletes: [], errors: [] };
  informer.on({
    onAdd: (o) => seen.adds.push(`${o.metadata.name}@${o.metadata.resourceVersion}`),
    onUpdate: (p, c) => seen.updates.push(`${c.metadata.name}@${p.metadata.resourceVersion}->${c.metadata.resourceVersion}`),
    onDelete: (o) => seen.deletes.push(`${o.metadata.name}@${o.metadata.resourceVersion}`),
    onError: (err, retryInMs) => seen.errors.push({ err, retryInMs }),
  });
  t.after(async () => {
    await informer.stop();
    await client.close();
    await server.close();
  });
  return { fake, informer, seen, on: (h) => void informer.on(h) };
}

const ev = (type: string, obj: KubeObject): { type: string; object: KubeObject } => ({ type, object: obj });

describe('Informer', () => {
  it('lists page by page, adds every object, syncs, then watches from the list resourceVersion', async (t) => {
    const { fake, informer, seen } = await setup(t, { pageSize: 2 });
    for (const n of ['a', 'b', 'c', 'd', 'e']) fake.set(n);
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(5000));
    assert.equal(informer.synced, true);
    assert.deepEqual(seen.adds, ['a@11', 'b@12', 'c@13', 'd@14', 'e@15']);
    assert.equal(informer.cache.size, 5);
    const lists = fake.lists();
    assert.equal(lists.length, 3);
    assert.ok(lists.every((r) => r.query.get('limit') === '2'));
    const { req } = await fake.watch(1);
    assert.equal(req.query.get('resourceVersion'), '15');
    assert.equal(req.query.get('allowWatchBookmarks'), 'true');
    assert.equal(req.query.get('timeoutSeconds'), '60');
    assert.equal(informer.resourceVersion, '15');
    assert.equal(informer.stats.lists, 1);
    await informer.waitForSync(); // resolves at once once synced
  });

  it('applies ADDED, MODIFIED and DELETED to the cache and the handlers', async (t) => {
    const { fake, informer, seen } = await setup(t);
    fake.set('a');
    informer.start();
    const { stream } = await fake.watch(1);
    stream.write(ev('ADDED', cm('b', 20)));
    stream.write(ev('MODIFIED', cm('a', 21, { k: 'v' })));
    stream.write(ev('DELETED', cm('b', 22)));
    await waitFor(() => seen.deletes.length === 1, 'the delete');
    assert.deepEqual(seen.adds, ['a@11', 'b@20']);
    assert.deepEqual(seen.updates, ['a@11->21']);
    assert.deepEqual(seen.deletes, ['b@22']);
    assert.deepEqual(informer.cache.keys(), ['ns/a']);
    assert.deepEqual(informer.cache.get('ns/a')?.['data'], { k: 'v' });
    assert.equal(informer.resourceVersion, '22');
  });

  it('a BOOKMARK advances the resourceVersion the next watch starts from', async (t) => {
    const { fake, informer, seen } = await setup(t);
    fake.set('a');
    informer.start();
    const first = await fake.watch(1);
    first.stream.write(ev('BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: '500' } }));
    await waitFor(() => informer.resourceVersion === '500', 'the bookmark');
    first.stream.end(); // the server's watch timeout
    const second = await fake.watch(2);
    assert.equal(second.req.query.get('resourceVersion'), '500');
    assert.equal(fake.listRuns(), 1, 'no re-list for a normal watch end');
    assert.deepEqual(seen.adds, ['a@11'], 'a bookmark is not an object');
    assert.equal(informer.cache.size, 1);
  });

  it('a 410 ERROR event re-lists: objects deleted meanwhile give onDelete, changed ones onUpdate', async (t) => {
    const { fake, informer, seen } = await setup(t);
    fake.set('keep');
    fake.set('change');
    fake.set('remove');
    informer.start();
    const first = await fake.watch(1);
    // Meanwhile, events we never saw:
    fake.items.delete('remove');
    fake.set('change', { v: '2' });
    fake.set('added');
    first.stream.write({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' } });
    const second = await fake.watch(2);
    assert.equal(fake.listRuns(), 2, 'one re-list');
    assert.deepEqual(seen.deletes, ['remove@13']);
    assert.deepEqual(seen.updates, ['change@12->14']);
    assert.deepEqual(seen.adds, ['change@12', 'keep@11', 'remove@13', 'added@15']);
    assert.deepEqual(informer.cache.keys().sort(), ['ns/added', 'ns/change', 'ns/keep']);
    assert.equal(second.req.query.get('resourceVersion'), '15');
    assert.equal(informer.stats.expired, 1);
    assert.ok(seen.errors.some((e) => e.err instanceof KubeApiError && e.err.code === 410));
  });

  it('reconnects with back-off after the watch connection drops, resuming from the last resourceVersion', async (t) => {
    const { fake, informer, seen } = await setup(t);
    fake.set('a');
    informer.start();
    const first = await fake.watch(1);
    first.stream.write(ev('MODIFIED', cm('a', 30)));
    await waitFor(() => seen.updates.length === 1, 'the update');
    first.stream.destroy();
    const second = await fake.watch(2);
    assert.equal(second.req.query.get('resourceVersion'), '30');
    assert.equal(fake.listRuns(), 1, 'a dropped connection needs no re-list');
    assert.equal(seen.errors.length, 1);
    assert.ok(seen.errors[0]!.retryInMs > 0, 'the reconnect waits a back-off delay');
    assert.ok(seen.errors[0]!.retryInMs <= BACKOFF.maxMs);
    second.stream.write(ev('ADDED', cm('b', 31)));
    await waitFor(() => informer.cache.size === 2, 'the event after reconnecting');
  });

  it('a 500 on the list is reported with a retry delay and the informer recovers', async (t) => {
    const { fake, informer, seen } = await setup(t);
    fake.set('a');
    fake.failLists = 3;
    informer.start();
    await informer.waitForSync(AbortSignal.timeout(5000));
    assert.equal(seen.errors.length, 3);
    for (const e of seen.errors) {
      assert.ok(e.err instanceof KubeApiError && e.err.code === 500);
      assert.ok(e.retryInMs > 0 && e.retryInMs <= BACKOFF.maxMs, `retryInMs ${e.retryInMs}`);
    }
    assert.deepEqual(seen.adds, ['a@11']);
    assert.equal(fake.listRuns(), 4);
    assert.equal(informer.stats.errors, 3);
  });

  it('a handler that throws does not stop the informer (the error goes to onError)', async (t) => {
    const { fake, informer, seen, on } = await setup(t);
    const boom = new Error('handler bug');
    on({ onAdd: (o) => { if (o.metadata.name === 'bad') throw boom; } });
    informer.start();
    const { stream } = await fake.watch(1);
    stream.write(ev('ADDED', cm('bad', 20)));
    stream.write(ev('ADDED', cm('good', 21)));
    await waitFor(() => seen.adds.length === 2, 'both adds');
    assert.deepEqual(seen.adds, ['bad@20', 'good@21'], 'the other handlers still ran');
    assert.ok(seen.errors.some((e) => e.err === boom && e.retryInMs === 0));
    assert.equal(informer.cache.size, 2);
    assert.equal(fake.watches.length, 1, 'the watch was not restarted');
  });

  it('stop() ends the loop; the server sees no request afterwards', async (t) => {
    const { fake, informer } = await setup(t);
    fake.set('a');
    informer.start();
    const { stream } = await fake.watch(1);
    await informer.stop();
    await stream.closed; // the open watch was closed
    const count = fake.server.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(fake.server.requests.length, count);
    await informer.stop(); // idempotent
  });

  it('stop() during a back-off wait ends the loop without another attempt', async (t) => {
    const server = await FakeApiServer.start();
    server.on('GET', PATH, (_req, res) => sendStatus(res, 500, 'InternalError', 'down'));
    const client = new KubeClient(new Transport({ connection: fakeConnection(server.url), retry: { maxAttempts: 1 } }));
    const informer = new Informer({ client, resource: REF, namespace: 'ns', backoff: { initialMs: 60_000, maxMs: 60_000 } });
    t.after(async () => {
      await client.close();
      await server.close();
    });
    let errors = 0;
    informer.on({ onError: () => void errors++ }).start();
    await waitFor(() => errors === 1, 'the first failure');
    const started = Date.now();
    await informer.stop();
    assert.ok(Date.now() - started < 5000, 'sanity bound: stop() did not wait out the back-off');
    assert.equal(server.requests.length, 1);
  });

  it('waitForSync() is told when the informer stops before its first sync', async (t) => {
    const { fake, informer } = await setup(t);
    fake.failLists = 1000; // never syncs
    informer.start();
    const waiting = informer.waitForSync();
    await waitFor(() => fake.lists().length >= 1, 'a list attempt');
    await informer.stop();
    await assert.rejects(waiting, /stopped before its first sync/);
    await assert.rejects(informer.waitForSync(), /stopped/);
  });

  it('re-lists at once after a 410, but backs off when 410s keep coming', async (t) => {
    const { fake, informer, seen } = await setup(t);
    fake.set('a');
    informer.start();
    const expired = { type: 'ERROR', object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410, message: 'too old' } };
    for (let n = 1; n <= 3; n++) (await fake.watch(n)).stream.write(expired);
    await fake.watch(4);
    const delays = seen.errors.filter((e) => e.err instanceof KubeApiError && e.err.code === 410).map((e) => e.retryInMs);
    assert.equal(delays[0], 0, 'the first re-list is immediate');
    assert.ok(delays.slice(1).every((d) => d > 0), `later ones back off: ${delays.join(',')}`);
  });
});
