/** Unit tests for kube/pager (listPages, KubeClient.listAll/list): continue tokens, resourceVersion, and every 410 strategy. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Transport } from './transport.ts';
import { KubeClient } from './client.ts';
import { listPages, type ListPage } from './pager.ts';
import { KubeApiError, isResourceExpired } from './errors.ts';
import type { KubeObject, ResourceRef } from './types.ts';
import { FakeApiServer, fakeConnection, sendJson, sendStatus, type RecordedRequest } from './testing/index.ts';

const FAST = { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 };

let server: FakeApiServer;
let transport: Transport;
let client: KubeClient;

before(async () => {
  server = await FakeApiServer.start();
  transport = new Transport({ connection: fakeConnection(server.url), retry: FAST });
  client = new KubeClient(transport);
});
after(async () => {
  await client.close();
  await server.close();
});

function cm(namespace: string, name: string, rv = '1'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name, resourceVersion: rv } };
}
const keyOf = (o: KubeObject): string => `${o.metadata.namespace}/${o.metadata.name}`;
/** etcd order: bytes of `namespace/name`. */
const byKey = (a: KubeObject, b: KubeObject): number => Buffer.compare(Buffer.from(keyOf(a)), Buffer.from(keyOf(b)));

/** 'a-b' sorts before 'a' because '-' (0x2d) < '/' (0x2f). */
const INITIAL = [cm('a', 'x'), cm('a', 'y'), cm('a-b', 'x'), cm('a-b', 'y'), cm('b', 'x'), cm('b', 'y'), cm('c', 'x')].sort(byKey);

interface ListServer {
  path: string;
  ref: ResourceRef;
  requests: () => RecordedRequest[];
  /** The live data set; tests mutate it to simulate changes between pages. */
  items: KubeObject[];
  listRv: string;
}

let seq = 0;
/**
 * A LIST endpoint that pages `items` in key order. Continue tokens are `<rv>|<lastKey>`; `expire(req, token)`
 * may answer a continue request with 410 (returning true).
 */
function listServer(items: KubeObject[], expire?: (res: ServerResponse, token: string, n: number) => boolean): ListServer {
  const resource = `things${++seq}`;
  const path = `/apis/example.com/v1/${resource}`;
  const state: ListServer = {
    path,
    ref: { group: 'example.com', version: 'v1', resource, namespaced: true },
    requests: () => server.requestsTo(path),
    items: [...items],
    listRv: '100',
  };
  let continues = 0;
  server.on('GET', path, (req, res) => {
    const limit = Number(req.query.get('limit') ?? '0');
    const token = req.query.get('continue');
    let after: string | undefined;
    let rv = state.listRv;
    if (token) {
      if (expire?.(res, token, ++continues)) return;
      const bar = token.indexOf('|');
      rv = token.slice(0, bar);
      after = token.slice(bar + 1);
    }
    const sorted = [...state.items].sort(byKey);
    const rest = after === undefined ? sorted : sorted.filter((o) => Buffer.compare(Buffer.from(keyOf(o)), Buffer.from(after)) > 0);
    const page = limit > 0 ? rest.slice(0, limit) : rest;
    const more = limit > 0 && rest.length > limit;
    const last = page[page.length - 1];
    sendJson(res, 200, {
      kind: 'List',
      apiVersion: 'v1',
      metadata: { resourceVersion: rv, ...(more && last ? { continue: `${rv}|${keyOf(last)}` } : {}) },
      items: page,
    });
  });
  return state;
}

function expired(res: ServerResponse, fresh?: string): true {
  sendStatus(res, 410, 'Expired', 'The provided continue parameter is too old to display a consistent list result.',
    fresh ? { metadata: { continue: fresh } } : {});
  return true;
}

async function collect(pages: AsyncIterable<ListPage<KubeObject>>): Promise<ListPage<KubeObject>[]> {
  const out: ListPage<KubeObject>[] = [];
  for await (const p of pages) out.push(p);
  return out;
}
const keys = (pages: ListPage<KubeObject>[]): string[] => pages.flatMap((p) => p.items.map(keyOf));

describe('pager: paging', () => {
  it('follows continue tokens with the page limit, in key order', async () => {
    const s = listServer(INITIAL);
    const pages = await collect(listPages(transport, s.path, { limit: 3 }));
    assert.deepEqual(pages.map((p) => p.items.length), [3, 3, 1]);
    assert.deepEqual(keys(pages), INITIAL.map(keyOf));
    assert.deepEqual(keys(pages).slice(0, 2), ['a-b/x', 'a-b/y'], 'byte order puts a-b before a');
    assert.ok(pages.every((p) => !p.inconsistent && !p.restarted));
    const reqs = s.requests();
    assert.equal(reqs.length, 3);
    assert.ok(reqs.every((r) => r.query.get('limit') === '3'));
    assert.equal(reqs[0]?.query.has('continue'), false);
    assert.equal(reqs[1]?.query.get('continue'), '100|a/x');
    assert.equal(reqs[2]?.query.get('continue'), '100|b/y');
  });

  it('sends resourceVersion, resourceVersionMatch and selectors; the resourceVersion only on the first page', async () => {
    const s = listServer(INITIAL);
    await collect(listPages(transport, s.path, {
      limit: 2, resourceVersion: '42', resourceVersionMatch: 'NotOlderThan', labelSelector: 'app=web', fieldSelector: 'metadata.name!=z',
    }));
    const [first, ...rest] = s.requests();
    assert.equal(first?.query.get('resourceVersion'), '42');
    assert.equal(first?.query.get('resourceVersionMatch'), 'NotOlderThan');
    assert.equal(rest.length, 3);
    for (const r of [first!, ...rest]) {
      assert.equal(r.query.get('labelSelector'), 'app=web');
      assert.equal(r.query.get('fieldSelector'), 'metadata.name!=z');
    }
    for (const r of rest) {
      assert.equal(r.query.has('resourceVersion'), false);
      assert.equal(r.query.has('resourceVersionMatch'), false);
      assert.ok(r.query.get('continue'));
    }
  });

  it('limit 0 sends no limit and reads everything in one page', async () => {
    const s = listServer(INITIAL);
    const pages = await collect(listPages(transport, s.path, { limit: 0 }));
    assert.equal(pages.length, 1);
    assert.equal(s.requests()[0]?.query.has('limit'), false);
  });

  it('KubeClient.listAll yields every object once, across pages and namespaces', async () => {
    const s = listServer(INITIAL);
    const seen: string[] = [];
    for await (const o of client.listAll(s.ref, { limit: 2 })) seen.push(keyOf(o));
    assert.deepEqual(seen, INITIAL.map(keyOf));
    assert.equal(s.requests().length, 4);
  });

  it('KubeClient.list narrows to a namespace through the path', async () => {
    const path = '/api/v1/namespaces/ns1/configmaps';
    server.on('GET', path, (_req, res) => sendJson(res, 200, { metadata: { resourceVersion: '7' }, items: [cm('ns1', 'a')] }));
    const list = await client.list({ group: '', version: 'v1', resource: 'configmaps', namespaced: true }, { namespace: 'ns1' });
    assert.deepEqual(list.items.map(keyOf), ['ns1/a']);
    assert.equal(list.metadata.resourceVersion, '7');
  });
});

describe('pager: type metadata', () => {
  it('gives every item the apiVersion and kind the List carries, as client-go does, and keeps what items already have', async () => {
    const path = '/apis/example.com/v1/namespaces/ns1/widgets';
    server.on('GET', path, (_req, res) =>
      sendJson(res, 200, { kind: 'WidgetList', apiVersion: 'example.com/v1', metadata: { resourceVersion: '7' }, items: [{ metadata: { name: 'a', namespace: 'ns1' } }, { kind: 'Widget', apiVersion: 'example.com/v1', metadata: { name: 'b', namespace: 'ns1' } }] }),
    );
    const pages = [];
    for await (const page of listPages(transport, path)) pages.push(page);
    assert.deepEqual(pages[0]!.items.map((i) => [i.apiVersion, i.kind, i.metadata.name]), [['example.com/v1', 'Widget', 'a'], ['example.com/v1', 'Widget', 'b']]);
  });
});

describe('pager: expired continue tokens (410)', () => {
  it("'continue' uses the fresh token from the 410 Status: inconsistent, no duplicates", async () => {
    let s: ListServer | undefined;
    s = listServer(INITIAL, (res, token, n) => {
      if (n !== 1) return false;
      const after = token.slice(token.indexOf('|') + 1);
      s!.listRv = '200';
      return expired(res, `200|${after}`);
    });
    const pages = await collect(listPages(transport, s.path, { limit: 2 }));
    assert.deepEqual(keys(pages), INITIAL.map(keyOf));
    assert.deepEqual(pages.map((p) => p.inconsistent), [false, true, true, true]);
    assert.ok(pages.every((p) => !p.restarted));
    const tokens = s.requests().map((r) => r.query.get('continue'));
    assert.deepEqual(tokens, [null, '100|a-b/y', '200|a-b/y', '200|a/y', '200|b/y']);
  });

  it("'continue' without a fresh token restarts and skips through the last key yielded: no duplicates, no omissions", async () => {
    let s: ListServer | undefined;
    s = listServer(INITIAL, (res, _token, n) => {
      if (n !== 2) return false;
      // Meanwhile: an object appears before the resume point (legitimately not seen) and one after it.
      s!.items.push(cm('a-a', 'new'), cm('b', 'new'));
      s!.listRv = '300';
      return expired(res);
    });
    const pages = await collect(listPages(transport, s.path, { limit: 2 }));
    const seen = keys(pages);
    assert.equal(new Set(seen).size, seen.length, `duplicates in ${seen.join(',')}`);
    for (const o of INITIAL) assert.ok(seen.includes(keyOf(o)), `${keyOf(o)} was omitted from ${seen.join(',')}`);
    assert.ok(seen.includes('b/new'), 'an object created after the resume point is listed');
    assert.ok(!seen.includes('a-a/new'), 'an object created before the resume point is not');
    assert.deepEqual(seen, [...seen].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), 'still in key order');
    assert.ok(pages.slice(2).every((p) => p.inconsistent));
    assert.ok(pages.every((p) => !p.restarted));
    const restart = s.requests()[3];
    assert.equal(restart?.query.has('continue'), false, 'the request after the 410 starts from the first page');
  });

  it("'continue' after a 410 does not send the original resourceVersion again", async () => {
    const s = listServer(INITIAL, (res, _t, n) => n === 1 && expired(res));
    await collect(listPages(transport, s.path, { limit: 2, resourceVersion: '100', resourceVersionMatch: 'Exact' }));
    const firstPages = s.requests().filter((r) => !r.query.has('continue'));
    assert.equal(firstPages.length, 2);
    assert.equal(firstPages[0]?.query.get('resourceVersion'), '100');
    // An Exact resourceVersion older than the expired token's can only answer 410 again.
    assert.equal(firstPages[1]?.query.has('resourceVersion'), false);
    assert.equal(firstPages[1]?.query.has('resourceVersionMatch'), false);
  });

  it("'restart' marks the first page after the restart and KubeClient.list returns exactly the full set", async () => {
    let s: ListServer | undefined;
    s = listServer(INITIAL, (res, _t, n) => {
      if (n !== 2) return false;
      s!.items = s!.items.filter((o) => keyOf(o) !== 'a-b/x'); // deleted while we listed
      s!.items.push(cm('b', 'new'));
      return expired(res, 'ignored|fresh-token-not-used-for-restart');
    });
    const pages = await collect(listPages(transport, s.path, { limit: 2, onExpired: 'restart' }));
    const restartedAt = pages.findIndex((p) => p.restarted);
    assert.equal(restartedAt, 2);
    assert.equal(pages.filter((p) => p.restarted).length, 1);
    assert.ok(pages.every((p) => !p.inconsistent));
    assert.deepEqual(keys(pages.slice(restartedAt)), s.items.sort(byKey).map(keyOf));

    let s2: ListServer | undefined;
    s2 = listServer(INITIAL, (res, _t, n) => {
      if (n !== 1) return false;
      s2!.items.push(cm('a', 'added'));
      return expired(res);
    });
    const list = await client.list(s2.ref, { limit: 2 });
    assert.deepEqual(list.items.map(keyOf), [...s2.items].sort(byKey).map(keyOf));
    assert.equal(list.items.length, INITIAL.length + 1);
  });

  it("'fail' throws the 410", async () => {
    const s = listServer(INITIAL, (res) => expired(res));
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const p of listPages(transport, s.path, { limit: 2, onExpired: 'fail' })) seen.push(...p.items.map(keyOf));
    }, (err: unknown) => err instanceof KubeApiError && isResourceExpired(err));
    assert.deepEqual(seen, ['a-b/x', 'a-b/y']);
  });

  it('a 410 on the first page (no continue token) is thrown, whatever onExpired says', async () => {
    const path = '/apis/example.com/v1/expiredfirst';
    server.on('GET', path, (_req, res) => void expired(res, 'would-be-fresh'));
    for (const onExpired of ['continue', 'restart'] as const) {
      await assert.rejects(collect(listPages(transport, path, { limit: 2, resourceVersion: '1', resourceVersionMatch: 'Exact', onExpired })),
        (err: unknown) => isResourceExpired(err));
    }
    assert.equal(server.requestsTo(path).length, 2);
  });
});
