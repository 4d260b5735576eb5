/** Unit tests for kube/watch (watchEvents): line framing across chunks, bookmarks, ERROR events, bad lines, query and abort. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Transport } from './transport.ts';
import { watchEvents } from './watch.ts';
import { KubeApiError, KubeTransportError, isResourceExpired } from './errors.ts';
import type { WatchEvent } from './types.ts';
import { FakeApiServer, fakeConnection, sendStatus, startStream, type ChunkedStream } from './testing/index.ts';

let server: FakeApiServer;
let transport: Transport;

before(async () => {
  server = await FakeApiServer.start();
  transport = new Transport({ connection: fakeConnection(server.url), retry: { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 } });
});
after(async () => {
  await transport.close();
  await server.close();
});

let seq = 0;
/** A watch endpoint that hands each request's stream to `feed`. */
function watchPath(feed: (s: ChunkedStream) => void | Promise<void>): string {
  const path = `/api/v1/namespaces/w${++seq}/configmaps`;
  server.on('GET', path, async (_req, res) => feed(startStream(res)));
  return path;
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function event(type: string, name: string, rv: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type, object: { kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv }, ...extra } });
}

describe('watchEvents', () => {
  it('reassembles events split across arbitrary chunk boundaries, multi-byte UTF-8 included', async () => {
    const lines = [
      event('ADDED', 'a', '1', { data: { greeting: 'héllo wörld €🙂' } }),
      event('MODIFIED', 'a', '2', { data: { greeting: '日本語' } }),
      event('DELETED', 'a', '3'),
    ];
    const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
    const euro = bytes.indexOf(Buffer.from('€'));
    const emoji = bytes.indexOf(Buffer.from('🙂'));
    // Cuts inside the 3-byte € and the 4-byte emoji, inside JSON, and right at a newline.
    const cuts = [7, euro + 1, euro + 2, emoji + 3, bytes.indexOf(0x0a) + 1, bytes.indexOf(Buffer.from('日')) + 1, bytes.length - 4];
    const path = watchPath(async (s) => {
      let prev = 0;
      for (const cut of [...cuts, bytes.length]) {
        s.write(bytes.subarray(prev, cut));
        prev = cut;
        await tick();
      }
      s.end();
    });
    const events = await collect(watchEvents<{ metadata: { name: string }; data?: { greeting: string } }>(transport, path, { timeoutSeconds: 30 }));
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
    assert.equal(events[0]?.object.data?.greeting, 'héllo wörld €🙂');
    assert.equal(events[1]?.object.data?.greeting, '日本語');
  });

  it('handles several events in one chunk, blank lines, and a last line without a newline', async () => {
    const path = watchPath((s) => {
      s.write(`${event('ADDED', 'a', '1')}\n\n${event('ADDED', 'b', '2')}\n${event('BOOKMARK', '', '5')}\n${event('ADDED', 'c', '6')}`);
      s.end();
    });
    const events = await collect(watchEvents<{ metadata: { name: string; resourceVersion: string } }>(transport, path, { timeoutSeconds: 30 }));
    assert.deepEqual(events.map((e) => `${e.type}:${e.object.metadata.name}`), ['ADDED:a', 'ADDED:b', 'BOOKMARK:', 'ADDED:c']);
    assert.equal(events[2]?.object.metadata.resourceVersion, '5', 'bookmarks pass through with their resourceVersion');
  });

  it('an ERROR event with a 410 Status throws a KubeApiError that isResourceExpired', async () => {
    const path = watchPath((s) => {
      s.write(`${event('ADDED', 'a', '1')}\n`);
      s.write({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version: 1 (20)', reason: 'Expired', code: 410 } });
    });
    const seen: WatchEvent[] = [];
    await assert.rejects(async () => {
      for await (const e of watchEvents(transport, path, { resourceVersion: '1', timeoutSeconds: 30 })) seen.push(e);
    }, (err: unknown) => {
      assert.ok(err instanceof KubeApiError);
      assert.ok(isResourceExpired(err));
      assert.equal(err.code, 410);
      assert.match(err.message, /too old resource version/);
      return true;
    });
    assert.equal(seen.length, 1, 'events before the error were delivered');
  });

  it('a line that is not JSON is an InvalidResponse error, never skipped', async () => {
    const path = watchPath((s) => {
      s.write(`${event('ADDED', 'a', '1')}\n<html>oops</html>\n${event('ADDED', 'b', '2')}\n`);
      s.end();
    });
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const e of watchEvents<{ metadata: { name: string } }>(transport, path, { timeoutSeconds: 30 })) seen.push(e.object.metadata.name);
    }, (err: unknown) => err instanceof KubeTransportError && err.reason === 'InvalidResponse');
    assert.deepEqual(seen, ['a']);
  });

  it('an unknown event type or a missing object is an InvalidResponse error', async () => {
    for (const bad of ['{"type":"SURPRISE","object":{}}', '{"type":"ADDED"}']) {
      const path = watchPath((s) => {
        s.write(`${bad}\n`);
        s.end();
      });
      await assert.rejects(collect(watchEvents(transport, path, { timeoutSeconds: 30 })),
        (err: unknown) => err instanceof KubeTransportError && err.reason === 'InvalidResponse');
    }
  });

  it('a non-2xx answer to the watch request throws a KubeApiError', async () => {
    const path = '/api/v1/namespaces/forbidden/configmaps';
    server.on('GET', path, (_req, res) => sendStatus(res, 403, 'Forbidden', 'no watching here'));
    await assert.rejects(collect(watchEvents(transport, path, { timeoutSeconds: 30 })),
      (err: unknown) => err instanceof KubeApiError && err.code === 403);
  });

  it('a stream that breaks mid-event is a Network error', async () => {
    const path = watchPath(async (s) => {
      s.write(`${event('ADDED', 'a', '1')}\n{"type":"ADD`);
      await tick();
      s.destroy();
    });
    await assert.rejects(collect(watchEvents(transport, path, { timeoutSeconds: 30 })),
      (err: unknown) => err instanceof KubeTransportError && err.reason === 'Network');
  });

  it('sends watch=true, allowWatchBookmarks=true, resourceVersion, timeoutSeconds and selectors', async () => {
    const path = watchPath((s) => s.end());
    await collect(watchEvents(transport, path, { resourceVersion: '1234', timeoutSeconds: 17, labelSelector: 'app=a', fieldSelector: 'metadata.name=x' }));
    const q = server.requestsTo(path)[0]!.query;
    assert.equal(q.get('watch'), 'true');
    assert.equal(q.get('allowWatchBookmarks'), 'true');
    assert.equal(q.get('resourceVersion'), '1234');
    assert.equal(q.get('timeoutSeconds'), '17');
    assert.equal(q.get('labelSelector'), 'app=a');
    assert.equal(q.get('fieldSelector'), 'metadata.name=x');

    const path2 = watchPath((s) => s.end());
    await collect(watchEvents(transport, path2, { allowWatchBookmarks: false }));
    const q2 = server.requestsTo(path2)[0]!.query;
    assert.equal(q2.has('allowWatchBookmarks'), false);
    assert.equal(q2.has('resourceVersion'), false, 'no resourceVersion means "from now"');
    const secs = Number(q2.get('timeoutSeconds'));
    assert.ok(secs >= 300 && secs < 600, `default timeoutSeconds ${secs}`);
  });

  it('aborting the signal ends the iteration promptly', async () => {
    let closed: Promise<void> | undefined;
    const path = watchPath((s) => {
      closed = s.closed;
      s.write(`${event('ADDED', 'a', '1')}\n`);
    });
    const ac = new AbortController();
    const started = Date.now();
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const e of watchEvents<{ metadata: { name: string } }>(transport, path, { signal: ac.signal, timeoutSeconds: 300 })) {
        seen.push(e.object.metadata.name);
        setTimeout(() => ac.abort(new Error('stop watching')), 10);
      }
    }, /stop watching/);
    assert.deepEqual(seen, ['a']);
    assert.ok(Date.now() - started < 5000, 'sanity bound: the abort did not wait for the server');
    await closed; // the server saw the connection go away
  });

  it('breaking out of the loop releases the connection', async () => {
    let closed: Promise<void> | undefined;
    const path = watchPath((s) => {
      closed = s.closed;
      s.write(`${event('ADDED', 'a', '1')}\n${event('ADDED', 'b', '2')}\n`);
    });
    for await (const e of watchEvents(transport, path, { timeoutSeconds: 300 })) {
      assert.equal(e.type, 'ADDED');
      break;
    }
    await closed;
  });
});
