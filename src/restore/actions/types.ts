/**
 * @module restore/actions/types: the RestoreItemAction contract — what built-in actions (and, later,
 * plugins) receive and return for each item a restore is about to create.
 */
import type { KubeObject, ResourceRef } from '../../kube/index.ts';
import type { AppliesTo, ResourceIdentifier } from '../../backup/index.ts';

export type { AppliesTo, ResourceIdentifier };

/** Read access to the target cluster, answered from one cached LIST per resource and namespace. */
export interface ClusterView {
  get(ref: ResourceRef, name: string, namespace?: string): Promise<KubeObject | undefined>;
  list(ref: ResourceRef, namespace?: string): Promise<KubeObject[]>;
  /** Resolves a resource name (plural, kind, short name, `resource.group`) through discovery. */
  resource(name: string): ResourceRef | undefined;
}

export interface RestoreItemActionContext {
  /** The Restore being carried out (spec fields such as preserveNodePorts, namespaceMapping). */
  restore: { metadata: { name?: string; uid?: string; namespace?: string }; spec?: Record<string, unknown> };
  backup: { metadata: { name?: string; uid?: string }; spec?: Record<string, unknown> };
  /** The item exactly as it is in the backup (the action's input may already be changed). */
  itemFromBackup: KubeObject;
  /** Source namespace → target namespace. */
  namespaceMapping: Readonly<Record<string, string>>;
  /** The server's namespace, where plugin-configuration ConfigMaps live. */
  serverNamespace: string;
  cluster: ClusterView;
  warn(message: string): void;
}

export interface RestoreItemActionResult {
  /** The item to create (possibly changed). */
  item: KubeObject;
  /** Do not restore this item at all (Velero's skipRestore). */
  skip?: boolean;
  /** Objects from the backup to restore along with this one, even if the restore's filters leave them out. */
  additionalItems?: ResourceIdentifier[];
}

export interface RestoreItemAction {
  /** e.g. `velero.io/pod`. */
  name: string;
  /** Group-resources (`pods`, `jobs.batch`), namespaces and a label selector; empty means all. */
  appliesTo: AppliesTo;
  execute(item: KubeObject, ctx: RestoreItemActionContext): Promise<RestoreItemActionResult>;
}
