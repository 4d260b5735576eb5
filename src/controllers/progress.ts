/**
 * @module controllers/progress: the status of a Backup or Restore as its execution writes it — phase changes
 * with the (possibly normalised) spec, and `status.progress` patched at most once a second, as Velero does.
 */
import { isNotFound, type KubeClient, type KubeObject, type ResourceRef } from '../kube/index.ts';

/** A Backup or a Restore: a spec, and a status the execution merges into. */
export type Executed = KubeObject & { spec?: unknown; status?: object | null };

/**
 * Merges `status` into the object's status and writes it with the object's spec, labels and annotations (a
 * merge patch: only what is sent changes, so what others set elsewhere stays). With `missingOk`, an object
 * deleted meanwhile is not an error: there is nothing left to report to.
 */
export async function patchStatus<T extends Executed>(client: KubeClient, resource: ResourceRef, obj: T, status: Record<string, unknown>, opts: { missingOk?: boolean; ifUnchanged?: boolean } = {}): Promise<T> {
  const { labels, annotations } = obj.metadata;
  // With ifUnchanged, the object's resourceVersion is a precondition: a 409 if anyone wrote it since it was read.
  const metadata = { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}), ...(opts.ifUnchanged ? { resourceVersion: obj.metadata.resourceVersion } : {}) };
  const body = { metadata, spec: obj.spec, status: { ...obj.status, ...status } } as unknown as KubeObject;
  try {
    return await client.patch<T>(resource, obj.metadata.name!, 'merge', body, { namespace: obj.metadata.namespace });
  } catch (err) {
    if (opts.missingOk && isNotFound(err)) return obj;
    throw err;
  }
}

export interface ThrottledProgress<P> {
  report: (progress: P) => void;
  /** Waits for the last patch sent. */
  flush: () => Promise<void>;
}

export function throttledProgress<P>(client: KubeClient, resource: ResourceRef, obj: KubeObject, now: () => Date): ThrottledProgress<P> {
  let last = 0;
  let pending: Promise<unknown> = Promise.resolve();
  return {
    report: (progress) => {
      const t = now().getTime();
      if (t - last < 1000) return;
      last = t;
      // Progress is best effort: a failed patch is followed by the next one a second later.
      pending = pending.then(() => client.patch(resource, obj.metadata.name!, 'merge', { status: { progress } } as unknown as KubeObject, { namespace: obj.metadata.namespace })).catch(() => undefined);
    },
    flush: () => pending.then(() => undefined),
  };
}
