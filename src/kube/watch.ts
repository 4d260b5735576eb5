/** @module kube/watch: a watch as an async iterator of events, with bookmarks and an idle timeout. */
import { StringDecoder } from 'node:string_decoder';
import type { Transport, QueryValue } from './transport.ts';
import type { Status, WatchEvent, WatchEventType, KubeObject } from './types.ts';
import { KubeApiError, KubeTransportError } from './errors.ts';

export interface WatchOptions {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Start after this resourceVersion; '' or undefined means "from now" (the server picks). */
  resourceVersion?: string | undefined;
  /** Bookmarks keep our resourceVersion fresh on quiet resources, so a reconnect rarely needs a re-list. */
  allowWatchBookmarks?: boolean | undefined;
  /** Server-side duration of this watch; callers reconnect when it ends. Default 5–10 min, randomised as client-go does. */
  timeoutSeconds?: number | undefined;
  signal?: AbortSignal | undefined;
}

const KNOWN_TYPES = new Set<string>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);

/**
 * Streams the events of one watch request. Ends when the server closes the watch (its timeout),
 * throws KubeApiError for an ERROR event (410 Expired means: re-list) and KubeTransportError when
 * the stream breaks or carries a line that is not JSON — never silently skipping data.
 */
export async function* watchEvents<T = KubeObject>(
  transport: Transport,
  path: string,
  opts: WatchOptions = {},
): AsyncGenerator<WatchEvent<T>> {
  const timeoutSeconds = opts.timeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
  const query: Record<string, QueryValue> = {
    watch: 'true',
    allowWatchBookmarks: opts.allowWatchBookmarks === false ? undefined : 'true',
    labelSelector: opts.labelSelector || undefined,
    fieldSelector: opts.fieldSelector || undefined,
    resourceVersion: opts.resourceVersion || undefined,
    timeoutSeconds,
  };
  const res = await transport.stream({ method: 'GET', path, query, ...(opts.signal ? { signal: opts.signal } : {}) });
  const body = res.body;
  // A half-open TCP connection would otherwise stall us silently until the kernel's keepalive gives up.
  const idleMs = (timeoutSeconds + 30) * 1000;
  let idle = setTimeout(onIdle, idleMs);
  function onIdle(): void {
    body.destroy(new KubeTransportError('Timeout', 'GET', path, `the watch sent nothing for ${idleMs / 1000}s`));
  }
  const decoder = new StringDecoder('utf8');
  let pending = '';
  try {
    for await (const chunk of body) {
      idle.refresh();
      pending += decoder.write(chunk as Buffer);
      let start = 0;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
        const line = pending.slice(start, nl);
        start = nl + 1;
        if (line.trim() !== '') yield parseEvent<T>(line, path);
      }
      pending = pending.slice(start);
    }
    pending += decoder.end();
    if (pending.trim() !== '') yield parseEvent<T>(pending, path);
  } catch (err) {
    if (err instanceof KubeApiError || err instanceof KubeTransportError) throw err;
    if (opts.signal?.aborted) throw err;
    throw new KubeTransportError('Network', 'GET', path, `the watch stream broke: ${(err as Error).message}`, err);
  } finally {
    clearTimeout(idle);
    idle = undefined as never;
    body.destroy();
  }
}

function parseEvent<T>(line: string, path: string): WatchEvent<T> {
  let parsed: { type?: string; object?: unknown };
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new KubeTransportError('InvalidResponse', 'GET', path, 'the watch stream carried a line that is not JSON', err);
  }
  if (parsed.type === 'ERROR') throw KubeApiError.fromStatus('WATCH', path, (parsed.object ?? {}) as Status);
  if (!parsed.type || !KNOWN_TYPES.has(parsed.type) || typeof parsed.object !== 'object' || parsed.object === null) {
    throw new KubeTransportError('InvalidResponse', 'GET', path, `the watch stream carried an unknown event type "${parsed.type}"`);
  }
  return { type: parsed.type as WatchEventType, object: parsed.object as T };
}
