/** @module kube/pager: LIST as an async iterator of pages over limit/continue, surviving expired tokens. */
import type { Transport, QueryValue } from './transport.ts';
import type { KubeList, KubeObject } from './types.ts';
import { isResourceExpired, KubeApiError } from './errors.ts';
import { objectKey } from './paths.ts';

export interface ListOptions {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Page size; 500 is client-go's default and what the benchmark floor uses. */
  limit?: number | undefined;
  resourceVersion?: string | undefined;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan' | undefined;
  signal?: AbortSignal | undefined;
  /**
   * What to do when a continue token expires (410) mid-list, after etcd compacted its revision:
   * - 'continue' (default): keep going from where we were, at a newer revision. Nothing is returned
   *   twice and nothing that existed throughout is missed; the result is just not one snapshot.
   * - 'restart': start over from the first page (for callers that need one consistent snapshot).
   * - 'fail': throw the 410.
   */
  onExpired?: 'continue' | 'restart' | 'fail' | undefined;
}

/** One page, plus whether the list stopped being a single consistent snapshot before it. */
export interface ListPage<T> extends KubeList<T> {
  /** True once a 410 forced the pager to continue at a newer revision. */
  inconsistent: boolean;
  /** True on the first page after a 'restart' (callers that accumulate must discard what they had). */
  restarted: boolean;
}

/**
 * Pages of a LIST, in the server's key order. After a 410 with 'continue', the server's own new
 * token is used when the Status carries one; otherwise the list restarts and skips every object up
 * to the last one already returned (etcd returns objects in key order: `namespace/name`).
 */
export async function* listPages<T extends KubeObject = KubeObject>(
  transport: Transport,
  path: string,
  opts: ListOptions = {},
): AsyncGenerator<ListPage<T>> {
  const limit = opts.limit ?? 500;
  const onExpired = opts.onExpired ?? 'continue';
  let token: string | undefined;
  let skipThrough: string | undefined;
  let lastKey: string | undefined;
  let inconsistent = false;
  let restarted = false;
  // After resuming past a 410, the caller's resourceVersion is older than what expired: asking for it
  // again (with Exact) could only fail, so the resumed list is read at the newest revision.
  let pinned = true;
  for (;;) {
    const query: Record<string, QueryValue> = {
      limit: limit > 0 ? limit : undefined,
      continue: token,
      labelSelector: opts.labelSelector || undefined,
      fieldSelector: opts.fieldSelector || undefined,
      // resourceVersion may only accompany the first page; the continue token carries it afterwards.
      resourceVersion: token || !pinned ? undefined : opts.resourceVersion,
      resourceVersionMatch: token || !pinned ? undefined : opts.resourceVersionMatch,
    };
    let page: KubeList<T>;
    try {
      page = await transport.json<KubeList<T>>({ method: 'GET', path, query, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (err) {
      if (!token || !isResourceExpired(err) || onExpired === 'fail') throw err;
      const fresh = err instanceof KubeApiError ? err.status.metadata?.continue : undefined;
      if (onExpired === 'continue') {
        inconsistent = true;
        if (fresh) token = fresh;
        else {
          token = undefined;
          skipThrough = lastKey;
          pinned = false;
        }
      } else {
        token = undefined;
        skipThrough = undefined;
        lastKey = undefined;
        restarted = true;
      }
      continue;
    }
    let items = withTypeMeta(page);
    if (skipThrough !== undefined) {
      const after = skipThrough;
      items = items.filter((o) => objectKey(o.metadata ?? {}) > after);
      if (items.length > 0 || !page.metadata?.continue) skipThrough = undefined;
    }
    const last = items[items.length - 1];
    if (last) lastKey = objectKey(last.metadata ?? {});
    yield { ...page, items, metadata: page.metadata ?? {}, inconsistent, restarted };
    restarted = false;
    token = page.metadata?.continue || undefined;
    if (!token) return;
  }
}

/**
 * The API server leaves `apiVersion` and `kind` out of list items (they sit on the List). client-go's
 * dynamic client puts them back on every item, and everything downstream — Velero's restore above
 * all — relies on them, so do the same: `ConfigMapList` in `v1` → items of kind `ConfigMap`, `v1`.
 */
function withTypeMeta<T extends KubeObject>(page: KubeList<T>): T[] {
  const items = page.items ?? [];
  const kind = page.kind?.endsWith('List') ? page.kind.slice(0, -4) : undefined;
  if (!kind || !page.apiVersion) return items;
  for (const item of items) {
    if (!item.kind) item.kind = kind;
    if (!item.apiVersion) item.apiVersion = page.apiVersion;
  }
  return items;
}
