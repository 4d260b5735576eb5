/**
 * @module restore/actions/init-restore-hook: `velero.io/init-restore-hook` — add restore init
 * containers to pods, from the pod's `init.hook.restore.velero.io/*` annotations or, when it has
 * none, from every matching `restore.spec.hooks.resources[].postHooks[].init`.
 */
import { randomUUID } from 'node:crypto';
import { globMatch } from '../../backup/index.ts';
import { matchesLabelSelector, type KubeObject, type LabelSelector } from '../../kube/index.ts';
import type { RestoreItemAction, RestoreItemActionContext } from './types.ts';
import { dig, isRecord, records, targetNamespace } from './support.ts';

const ANNOTATION_PREFIX = 'init.hook.restore.velero.io/';

/** Init containers the pod-volume restore puts first; hooks must run after the data is back. */
const WAIT_CONTAINERS = new Set(['restore-wait', 'restic-wait']);

export const initRestoreHookAction: RestoreItemAction = {
  name: 'velero.io/init-restore-hook',
  appliesTo: { includedResources: ['pods'] },
  async execute(item, ctx) {
    const hooks = annotationHook(item) ?? specHooks(item, ctx);
    if (hooks.length === 0) return { item };
    const pod = structuredClone(item);
    const spec = dig(pod, ['spec']);
    if (!spec) return { item };
    const existing: unknown[] = Array.isArray(spec.initContainers) ? spec.initContainers : [];
    const first = existing[0];
    const waitFirst = isRecord(first) && typeof first.name === 'string' && WAIT_CONTAINERS.has(first.name);
    spec.initContainers = waitFirst ? [first, ...hooks, ...existing.slice(1)] : [...hooks, ...existing];
    return { item: pod };
  },
};

/**
 * The hook the pod's annotations describe, or undefined when it names no image. Without a command
 * the image's entrypoint runs; without a name one is generated, unique enough within a pod.
 */
function annotationHook(pod: KubeObject): Record<string, unknown>[] | undefined {
  const annotations = pod.metadata.annotations ?? {};
  const image = annotations[`${ANNOTATION_PREFIX}container-image`];
  if (!image) return undefined;
  const name = annotations[`${ANNOTATION_PREFIX}container-name`] || `velero-restore-init-${randomUUID().slice(0, 8)}`;
  const command = annotations[`${ANNOTATION_PREFIX}command`];
  return [command ? { name, image, command: parseCommand(command) } : { name, image }];
}

/** A JSON array of strings (`["/bin/sh","-c","echo hi"]`), or else the whole text as one argument. */
export function parseCommand(text: string): string[] {
  if (text.trimStart().startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed;
    } catch {
      // Not JSON after all: fall through to the single-argument form.
    }
  }
  return [text];
}

/** Init containers of every spec hook whose namespace and label selector match the pod, in order. */
function specHooks(pod: KubeObject, ctx: RestoreItemActionContext): Record<string, unknown>[] {
  // Hooks are written against the cluster the user restores into, so they see the mapped namespace.
  const namespace = targetNamespace(ctx, pod.metadata.namespace) ?? '';
  const out: Record<string, unknown>[] = [];
  for (const hook of records(dig(ctx.restore.spec, ['hooks'])?.resources)) {
    if (!namespaceMatches(hook, namespace)) continue;
    if (!matchesLabelSelector(pod.metadata.labels, dig(hook, ['labelSelector']) as LabelSelector | undefined)) continue;
    for (const post of records(hook.postHooks)) {
      for (const container of records(dig(post, ['init'])?.initContainers)) out.push(validContainer(container, hook));
    }
  }
  return out;
}

function namespaceMatches(hook: Record<string, unknown>, namespace: string): boolean {
  const patterns = (v: unknown): string[] => (Array.isArray(v) ? v.filter((p): p is string => typeof p === 'string') : []);
  const included = patterns(hook.includedNamespaces);
  if (patterns(hook.excludedNamespaces).some((p) => globMatch(p, namespace))) return false;
  return included.length === 0 || included.some((p) => globMatch(p, namespace));
}

/**
 * A copy of a hook's init container, after checking what restore validation also checks: a pod
 * created with a nameless or imageless container would be rejected with a less helpful message.
 */
function validContainer(container: Record<string, unknown>, hook: Record<string, unknown>): Record<string, unknown> {
  const absent = (v: unknown): boolean => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
  const missing = ['name', 'image', 'command'].filter((f) => absent(container[f]));
  if (missing.length > 0) {
    const where = typeof hook.name === 'string' && hook.name ? `restore hook "${hook.name}"` : 'a restore hook';
    throw new Error(`${where} has an init container without ${missing.join(', ')}`);
  }
  return structuredClone(container);
}
