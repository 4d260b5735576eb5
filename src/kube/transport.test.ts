/** Unit tests for kube/transport: JSON, errors, retries, re-authentication, timeouts, limits and headers, against a fake server. */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Transport, encodeQuery, type TransportOptions } from './transport.ts';
import { KubeApiError, KubeTransportError } from './errors.ts';
import { FakeApiServer, fakeConnection, fakeCredentials, sendJson, sendStatus, waitFor, type FakeCredentials } from './testing/index.ts';

const TOKEN = 'tok-8c1e-secret';
const FAST = { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 };

let server: FakeApiServer;
const transports: Transport[] = [];

before(async () => {
  server = await FakeApiServer.start();
});
after(async () => {
  await server.close();
});
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

function transport(opts: Partial<TransportOptions> = {}, creds: FakeCredentials = fakeCredentials([TOKEN, `${TOKEN}-2`])): Transport {
  const t = new Transport({ connection: fakeConnection(server.url, creds), retry: FAST, ...opts });
  transports.push(t);
  return t;
}

/** A fresh path per test, so routes and recorded requests never mix between tests. */
let seq = 0;
function uniquePath(): string {
  return `/api/v1/namespaces/t${++seq}/configmaps`;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

/** A port on 127.0.0.1 that nothing listens on (bound, read, then released). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('transport: answers and errors', () => {
  it('parses a 2xx JSON body and sends auth, accept and user-agent', async () => {
    const path = uniquePath();
    server.on('GET', path, (_req, res) => sendJson(res, 200, { kind: 'ConfigMapList', items: [{ metadata: { name: 'x' } }] }));
    const t = transport({ userAgent: 'skiff-test/1' });
    const list = await t.json<{ items: Array<{ metadata: { name: string } }> }>({ method: 'GET', path });
    assert.equal(list.items[0]?.metadata.name, 'x');
    const [req] = server.requestsTo(path);
    assert.equal(req?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req?.headers.accept, 'application/json');
    assert.equal(req?.headers['user-agent'], 'skiff-test/1');
    assert.equal(t.stats.requests['GET 200'], 1);
  });

  it('sends an object body as JSON with a content type', async () => {
    const path = uniquePath();
    server.on('POST', path, (req, res) => sendJson(res, 201, JSON.parse(req.body)));
    const t = transport();
    const created = await t.json<{ metadata: { name: string } }>({ method: 'POST', path, body: { metadata: { name: 'n' } } });
    assert.equal(created.metadata.name, 'n');
    assert.equal(server.requestsTo(path)[0]?.headers['content-type'], 'application/json');
  });

  it('turns a Status body into a KubeApiError with code, reason, message, method and path (no query)', async () => {
    const path = uniquePath();
    server.on('GET', path, (_req, res) => sendStatus(res, 404, 'NotFound', 'configmaps "x" not found', { details: { name: 'x', kind: 'configmaps' } }));
    const err = await rejection(transport().json({ method: 'GET', path, query: { labelSelector: 'secret=value' } }));
    assert.ok(err instanceof KubeApiError);
    assert.equal(err.code, 404);
    assert.equal(err.reason, 'NotFound');
    assert.equal(err.method, 'GET');
    assert.equal(err.path, path);
    assert.match(err.message, /configmaps "x" not found/);
    assert.ok(err.message.includes(`GET ${path}`), err.message);
    assert.ok(!err.message.includes('?') && !err.message.includes('secret=value'), err.message);
    assert.equal(err.status.details?.name, 'x');
  });

  it('gives a short excerpt of a non-JSON error body (an HTML page from a proxy)', async () => {
    const path = uniquePath();
    const html = `<html>\n<head><title>502 Bad Gateway</title></head>\n<body>${'<p>filler</p>\n'.repeat(200)}</body></html>`;
    server.on('PUT', path, (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(html);
    });
    const err = await rejection(transport().json({ method: 'PUT', path, body: {} }));
    assert.ok(err instanceof KubeApiError);
    assert.equal(err.code, 502);
    assert.match(err.message, /502 Bad Gateway/);
    assert.ok(!err.message.includes('\n'), 'the excerpt is one line');
    assert.ok(err.message.length < 400, `message too long: ${err.message.length}`);
  });

  it('rejects a 2xx body that is not JSON as InvalidResponse', async () => {
    const path = uniquePath();
    server.on('GET', path, (_req, res) => void res.end('<html>login</html>'));
    const err = await rejection(transport().json({ method: 'GET', path }));
    assert.ok(err instanceof KubeTransportError);
    assert.equal(err.reason, 'InvalidResponse');
  });

  it('never puts the Authorization token in an error message', async () => {
    const creds = fakeCredentials([TOKEN]);
    const t = transport({ requestTimeoutMs: 50 }, creds);
    const paths = [uniquePath(), uniquePath(), uniquePath(), uniquePath()];
    server.on('GET', paths[0]!, (_req, res) => sendStatus(res, 401, 'Unauthorized', 'Unauthorized'));
    server.on('GET', paths[1]!, (_req, res) => sendStatus(res, 403, 'Forbidden', 'User "system:anonymous" cannot list resource "configmaps"'));
    server.on('GET', paths[2]!, (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('upstream error');
    });
    server.on('GET', paths[3]!, () => undefined); // never answers: a timeout
    const errors: Error[] = [];
    for (const path of paths) errors.push(await rejection(t.json({ method: 'GET', path })));
    const dead = new Transport({ connection: fakeConnection(`http://127.0.0.1:${await freePort()}`, creds), retry: { ...FAST, maxAttempts: 1 } });
    transports.push(dead);
    errors.push(await rejection(dead.json({ method: 'GET', path: '/version' })));
    assert.equal(errors.length, 5);
    for (const err of errors) {
      const text = `${err.message} ${String((err.cause as Error | undefined)?.message ?? '')} ${JSON.stringify(err)}`;
      assert.ok(!text.includes(TOKEN), `token leaked in: ${text}`);
    }
  });
});

describe('transport: retries', () => {
  for (const method of ['GET', 'POST'] as const) {
    it(`retries ${method} after 429 with Retry-After: 0 and counts it as throttled`, async () => {
      const path = uniquePath();
      let calls = 0;
      server.on(method, path, (_req, res) => {
        if (++calls === 1) sendStatus(res, 429, 'TooManyRequests', 'slow down', {}, { 'retry-after': '0' });
        else sendJson(res, 200, { ok: true });
      });
      const t = transport();
      assert.deepEqual(await t.json({ method, path, ...(method === 'POST' ? { body: {} } : {}) }), { ok: true });
      assert.equal(calls, 2);
      assert.equal(t.stats.throttled, 1);
      assert.equal(t.stats.retries, 1);
    });
  }

  it('retries GET after a 503 without Retry-After', async () => {
    const path = uniquePath();
    let calls = 0;
    server.on('GET', path, (_req, res) => {
      if (++calls === 1) sendStatus(res, 503, 'ServiceUnavailable', 'down');
      else sendJson(res, 200, { ok: true });
    });
    assert.deepEqual(await transport().json({ method: 'GET', path }), { ok: true });
    assert.equal(calls, 2);
  });

  for (const method of ['POST', 'PATCH'] as const) {
    it(`does not retry ${method} after a 503 without Retry-After (it may have been applied)`, async () => {
      const path = uniquePath();
      server.on(method, path, (_req, res) => sendStatus(res, 503, 'ServiceUnavailable', 'down'));
      const t = transport();
      const err = await rejection(t.json({ method, path, body: { a: 1 } }));
      assert.ok(err instanceof KubeApiError);
      assert.equal(err.code, 503);
      assert.equal(server.requestsTo(path).length, 1);
      assert.equal(t.stats.retries, 0);
    });
  }

  it('retries POST after a 503 that carries Retry-After', async () => {
    const path = uniquePath();
    let calls = 0;
    server.on('POST', path, (_req, res) => {
      if (++calls === 1) sendStatus(res, 503, 'ServiceUnavailable', 'down', {}, { 'retry-after': '0' });
      else sendJson(res, 201, { created: true });
    });
    assert.deepEqual(await transport().json({ method: 'POST', path, body: {} }), { created: true });
    assert.equal(calls, 2);
  });

  for (const code of [500, 504]) {
    it(`does not retry POST after a ${code} even with Retry-After (the server may still be working on it), but does retry GET`, async () => {
      const path = uniquePath();
      server.on('*', path, (_req, res) => sendStatus(res, code, 'ServerTimeout', 'still working', {}, { 'retry-after': '0' }));
      const t = transport();
      const err = await rejection(t.json({ method: 'POST', path, body: { metadata: { generateName: 'x-' } } }));
      assert.ok(err instanceof KubeApiError && err.code === code);
      assert.equal(server.requestsTo(path).length, 1);
      await rejection(t.json({ method: 'GET', path }));
      assert.equal(server.requestsTo(path).length, 1 + FAST.maxAttempts);
    });
  }

  it('cuts the credential out of an error body that echoes it', async () => {
    const path = uniquePath();
    server.on('GET', path, (req, res) => sendStatus(res, 403, 'Forbidden', `webhook denied request with headers ${JSON.stringify(req.headers)}`));
    const err = await rejection(transport().json({ method: 'GET', path }));
    assert.ok(err instanceof KubeApiError);
    assert.doesNotMatch(err.message, new RegExp(TOKEN));
    assert.doesNotMatch(JSON.stringify(err.status), new RegExp(TOKEN));
    assert.match(err.message, /\[REDACTED\]/);
  });

  it('stops after retry.maxAttempts and surfaces the last error', async () => {
    const path = uniquePath();
    server.on('GET', path, (_req, res) => sendStatus(res, 429, 'TooManyRequests', 'slow down', {}, { 'retry-after': '0' }));
    const t = transport({ retry: { ...FAST, maxAttempts: 4 } });
    const err = await rejection(t.json({ method: 'GET', path }));
    assert.ok(err instanceof KubeApiError);
    assert.equal(err.code, 429);
    assert.equal(server.requestsTo(path).length, 4);
    assert.equal(t.stats.retries, 3);
  });

  it('on 401 invalidates the credentials once and retries with the new token', async () => {
    const path = uniquePath();
    server.on('GET', path, (req, res) => {
      if (req.headers.authorization === `Bearer ${TOKEN}-2`) sendJson(res, 200, { ok: true });
      else sendStatus(res, 401, 'Unauthorized', 'Unauthorized');
    });
    const creds = fakeCredentials([TOKEN, `${TOKEN}-2`]);
    assert.deepEqual(await transport({}, creds).json({ method: 'GET', path }), { ok: true });
    assert.equal(creds.invalidations, 1);
    assert.deepEqual(server.requestsTo(path).map((r) => r.headers.authorization), [`Bearer ${TOKEN}`, `Bearer ${TOKEN}-2`]);
  });

  it('a second 401 surfaces as KubeApiError 401 after one re-authentication', async () => {
    const path = uniquePath();
    server.on('GET', path, (_req, res) => sendStatus(res, 401, 'Unauthorized', 'Unauthorized'));
    const creds = fakeCredentials([TOKEN, `${TOKEN}-2`]);
    const err = await rejection(transport({}, creds).json({ method: 'GET', path }));
    assert.ok(err instanceof KubeApiError);
    assert.equal(err.code, 401);
    assert.equal(creds.invalidations, 1);
    assert.equal(server.requestsTo(path).length, 2);
  });

  it('connection refused → Network error after retries', async () => {
    const port = await freePort();
    const t = new Transport({ connection: fakeConnection(`http://127.0.0.1:${port}`), retry: FAST });
    transports.push(t);
    const err = await rejection(t.json({ method: 'GET', path: '/version' }));
    assert.ok(err instanceof KubeTransportError, String(err));
    assert.equal(err.reason, 'Network');
    assert.equal(t.stats.retries, FAST.maxAttempts - 1);
  });

  it('retries a POST refused before it was sent, once the server comes up', async () => {
    const port = await freePort();
    const t = new Transport({ connection: fakeConnection(`http://127.0.0.1:${port}`), retry: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 50 } });
    transports.push(t);
    let late: FakeApiServer | undefined;
    const starting = new Promise((r) => setTimeout(r, 30)).then(async () => {
      late = await FakeApiServer.start(port);
      late.on('POST', '/api/v1/namespaces/default/configmaps', (req, res) => sendJson(res, 201, JSON.parse(req.body)));
    });
    try {
      const created = await t.json({ method: 'POST', path: '/api/v1/namespaces/default/configmaps', body: { metadata: { name: 'late' } } });
      assert.deepEqual(created, { metadata: { name: 'late' } });
      assert.ok(t.stats.retries >= 1);
      assert.equal(late?.requests.length, 1, 'the POST reached the server exactly once');
    } finally {
      await starting;
      await t.close();
      await late?.close();
    }
  });
});

describe('transport: timeouts, aborts and limits', () => {
  it('a per-request timeout gives KubeTransportError Timeout', async () => {
    const path = uniquePath();
    server.on('POST', path, () => undefined); // never answers
    const t = transport();
    const err = await rejection(t.json({ method: 'POST', path, body: {}, timeoutMs: 50 }));
    assert.ok(err instanceof KubeTransportError, String(err));
    assert.equal(err.reason, 'Timeout');
    assert.equal(t.stats.retries, 0, 'a POST that timed out is not retried (it may have been applied)');
    assert.ok(server.requestsTo(path).length <= 1);
  });

  it('a GET that times out is retried up to maxAttempts, then fails with Timeout', async () => {
    const path = uniquePath();
    server.on('GET', path, () => undefined);
    const t = transport({ requestTimeoutMs: 30 });
    const err = await rejection(t.json({ method: 'GET', path }));
    assert.ok(err instanceof KubeTransportError);
    assert.equal(err.reason, 'Timeout');
    assert.equal(t.stats.retries, FAST.maxAttempts - 1);
  });

  it("a caller's abort ends the request with the caller's reason, not a Timeout", async () => {
    const path = uniquePath();
    server.on('GET', path, () => undefined);
    const ac = new AbortController();
    const reason = new Error('caller gave up');
    const t = transport();
    const p = t.json({ method: 'GET', path, signal: ac.signal, timeoutMs: 60_000 });
    await waitFor(() => server.requestsTo(path).length === 1, 'the request to arrive');
    ac.abort(reason);
    const err = await rejection(p);
    assert.equal(err, reason);
    assert.equal(t.stats.retries, 0, 'an aborted request is not retried');
  });

  it('an abort with a non-Error reason still rejects with an Error carrying it', async () => {
    const path = uniquePath();
    server.on('GET', path, () => undefined);
    const ac = new AbortController();
    const p = transport().json({ method: 'GET', path, signal: ac.signal });
    await waitFor(() => server.requestsTo(path).length === 1, 'the request to arrive');
    ac.abort('shutting down');
    const err = await rejection(p);
    assert.ok(!(err instanceof KubeTransportError));
    assert.match(err.message, /shutting down/);
  });

  it('an already-aborted signal fails at once without a request', async () => {
    const path = uniquePath();
    const reason = new Error('already');
    const err = await rejection(transport().json({ method: 'GET', path, signal: AbortSignal.abort(reason) }));
    assert.equal(err, reason);
    assert.equal(server.requestsTo(path).length, 0);
  });

  it('maxInFlight bounds the requests the server sees at once', async () => {
    const path = uniquePath();
    server.on('GET', path, (_req, res) => void setTimeout(() => sendJson(res, 200, {}), 20));
    const t = transport({ maxInFlight: 3 });
    const before = server.maxInFlight;
    server.maxInFlight = 0;
    await Promise.all(Array.from({ length: 20 }, () => t.json({ method: 'GET', path })));
    assert.equal(server.requestsTo(path).length, 20);
    assert.ok(server.maxInFlight <= 3, `server saw ${server.maxInFlight} at once`);
    assert.ok(server.maxInFlight >= 2, 'requests did run concurrently');
    server.maxInFlight = Math.max(before, server.maxInFlight);
  });

  it('qps paces requests (a loose lower bound only)', async () => {
    const path = uniquePath();
    server.on('GET', path, (_req, res) => sendJson(res, 200, {}));
    const t = transport({ qps: 50, burst: 1 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 11 }, () => t.json({ method: 'GET', path })));
    const elapsed = performance.now() - started;
    // 10 tokens after the burst at 50/s take 200 ms; allow generous slack for timer rounding.
    assert.ok(elapsed >= 150, `11 requests at 50 qps took only ${elapsed.toFixed(0)} ms`);
    assert.ok(elapsed < 10_000, 'sanity bound');
  });
});

describe('transport: headers and query', () => {
  it('sends impersonation headers: user, uid, repeated groups and extra', async () => {
    const path = uniquePath();
    server.on('GET', path, (_req, res) => sendJson(res, 200, {}));
    const t = new Transport({
      connection: fakeConnection(server.url, fakeCredentials([TOKEN]), {
        impersonate: { user: 'alice', uid: 'u-1', groups: ['dev', 'ops'], extra: { scopes: ['view', 'edit'], 'acme.com/project': ['p1'] } },
      }),
    });
    transports.push(t);
    await t.json({ method: 'GET', path });
    const h = server.requestsTo(path)[0]!.headersDistinct;
    assert.deepEqual(h['impersonate-user'], ['alice']);
    assert.deepEqual(h['impersonate-uid'], ['u-1']);
    assert.deepEqual(h['impersonate-group'], ['dev', 'ops']);
    assert.deepEqual(h['impersonate-extra-scopes'], ['view', 'edit']);
    const encodedKey = Object.keys(h).find((k) => k.startsWith('impersonate-extra-acme.com'));
    assert.ok(encodedKey, `headers: ${Object.keys(h).join(', ')}`);
    assert.equal(decodeURIComponent(encodedKey.slice('impersonate-extra-'.length)), 'acme.com/project');
    assert.deepEqual(h[encodedKey], ['p1']);
  });

  it('encodes the query: arrays repeat the key, undefined values are dropped', async () => {
    assert.equal(encodeQuery(undefined), '');
    assert.equal(encodeQuery({ a: undefined }), '');
    const qs = encodeQuery({ command: ['sh', '-c', 'echo a&b'], container: undefined, stdout: true, limit: 5, labelSelector: 'app in (a,b)' });
    const parsed = new URLSearchParams(qs);
    assert.deepEqual(parsed.getAll('command'), ['sh', '-c', 'echo a&b']);
    assert.equal(parsed.has('container'), false);
    assert.equal(parsed.get('stdout'), 'true');
    assert.equal(parsed.get('limit'), '5');
    assert.equal(parsed.get('labelSelector'), 'app in (a,b)');

    const path = uniquePath();
    server.on('GET', path, (_req, res) => sendJson(res, 200, {}));
    await transport().json({ method: 'GET', path, query: { command: ['ls', '-l'], skip: undefined, watch: 'true' } });
    const q = server.requestsTo(path)[0]!.query;
    assert.deepEqual(q.getAll('command'), ['ls', '-l']);
    assert.equal(q.has('skip'), false);
    assert.equal(q.get('watch'), 'true');
  });
});
