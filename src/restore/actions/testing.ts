/**
 * @module restore/actions/testing: an in-memory ClusterView and a context builder for action unit tests.
 */
import type { KubeObject, ResourceRef } from '../../kube/index.ts';
import type { ClusterView, RestoreItemActionContext } from './types.ts';

const KNOWN: Record<string, ResourceRef> = {
  configmaps: { group: '', version: 'v1', resource: 'configmaps', namespaced: true },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts', namespaced: true },
  nodes: { group: '', version: 'v1', resource: 'nodes', namespaced: false },
  storageclasses: { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', namespaced: false },
};

/** Objects by resource (`resource` or `resource.group`); every call is recorded in `calls`. */
export class FakeCluster implements ClusterView {
  readonly calls: string[] = [];
  readonly #objects = new Map<string, KubeObject[]>();

  constructor(objects: Record<string, KubeObject[]> = {}) {
    for (const [resource, list] of Object.entries(objects)) this.#objects.set(resource, [...list]);
  }

  resource(name: string): ResourceRef | undefined {
    return KNOWN[name.split('.')[0]!];
  }

  async list(ref: ResourceRef, namespace?: string): Promise<KubeObject[]> {
    this.calls.push(`list ${ref.resource} ${namespace ?? ''}`.trim());
    return this.#of(ref).filter((o) => namespace === undefined || o.metadata.namespace === namespace);
  }

  async get(ref: ResourceRef, name: string, namespace?: string): Promise<KubeObject | undefined> {
    this.calls.push(`get ${ref.resource} ${namespace ? `${namespace}/` : ''}${name}`);
    return this.#of(ref).find((o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  }

  #of(ref: ResourceRef): KubeObject[] {
    return this.#objects.get(ref.group ? `${ref.resource}.${ref.group}` : ref.resource) ?? [];
  }
}

export interface TestContext extends RestoreItemActionContext {
  warnings: string[];
  cluster: FakeCluster;
}

/** A context for `item` (also its itemFromBackup unless given), server namespace `velero`. */
export function makeContext(item: KubeObject, opts: Partial<RestoreItemActionContext> & { objects?: Record<string, KubeObject[]> } = {}): TestContext {
  const { objects, ...rest } = opts;
  const warnings: string[] = [];
  return {
    restore: { metadata: { name: 'r1', uid: 'uid-r1', namespace: 'velero' }, spec: {} },
    backup: { metadata: { name: 'b1', uid: 'uid-b1' }, spec: {} },
    itemFromBackup: structuredClone(item),
    namespaceMapping: {},
    serverNamespace: 'velero',
    warn: (m) => warnings.push(m),
    ...rest,
    cluster: new FakeCluster(objects),
    warnings,
  };
}

/** A plugin configuration ConfigMap for `plugin` in the `velero` namespace. */
export function pluginConfigMap(plugin: string, data: Record<string, string>, name = `${plugin.split('/')[1]}-config`): KubeObject {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, namespace: 'velero', labels: { 'velero.io/plugin-config': '', [plugin]: 'RestoreItemAction' } },
    data,
  };
}

/** A deep-frozen copy: an action that changes its input throws (modules are strict) instead of passing. */
export function frozen<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
