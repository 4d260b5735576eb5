/** @module controllers/progress: `status.progress` of a Backup or Restore, patched at most once a second, as Velero does. */
import type { KubeClient, KubeObject, ResourceRef } from '../kube/index.ts';

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
