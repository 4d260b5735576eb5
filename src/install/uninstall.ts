/**
 * @module install/uninstall: removes what install created (§5.10): stops the server, releases the
 * finalizers only a server removes, deletes the namespace and waits until it is gone, deletes the
 * cluster-wide RBAC and the velero.io CRDs. Object storage is never touched: backups stay in the bucket.
 */
import {
  API_GROUP,
  COMPONENT_VELERO,
  FINALIZER_DATA_UPLOAD_DOWNLOAD,
  FINALIZER_POD_VOLUME,
  FINALIZER_RESTORE_EXTERNAL_RESOURCES,
  LABEL_COMPONENT,
  LABEL_DEPLOY,
  LABEL_NAME,
  VELERO_KINDS,
  VeleroResources,
  resourceRefOf,
} from '../api/index.ts';
import { isConflict, isNotFound, Resources, type KubeClient, type KubeObject, type ResourceRef } from '../kube/index.ts';
import { formatGoDuration, sleep } from '../util/index.ts';
import type { Progress } from './apply.ts';
import { DEPLOYMENT, NODE_AGENT_DAEMONSET } from './names.ts';
import { clusterBindingName } from './rbac.ts';
import { InstallResources } from './refs.ts';

/** Finalizers Skiff's (and Velero's) controllers put on their objects; foreign finalizers are left alone. */
export const SERVER_FINALIZERS: readonly string[] = [FINALIZER_RESTORE_EXTERNAL_RESOURCES, FINALIZER_DATA_UPLOAD_DOWNLOAD, FINALIZER_POD_VOLUME];

export interface UninstallOptions {
  namespace: string;
  out: Progress;
  /** Leave the CRDs in place. Not a CLI flag: tests on a shared cluster use it, since other tests need the CRDs. */
  keepCrds?: boolean;
  /** How long to wait for the namespace to be gone (default 10 minutes). */
  namespaceTimeoutMs?: number;
  /** How long to wait for the server's pods to stop before going on without them (default 2 minutes). */
  podsTimeoutMs?: number;
  pollMs?: number;
}

const ignoreNotFound = (err: unknown): undefined => {
  if (isNotFound(err)) return undefined;
  throw err;
};

/** Uninstalls the server of `opts.namespace`. */
export async function uninstall(client: KubeClient, opts: UninstallOptions): Promise<void> {
  const { namespace, out } = opts;
  if (await client.getIfExists(Resources.namespaces, namespace)) {
    await stopServer(client, opts);
    const released = await releaseFinalizers(client, namespace);
    if (released > 0) out.write(`Removed the server's finalizers from ${released} object${released === 1 ? '' : 's'}.\n`);
    await deleteNamespace(client, opts);
  } else {
    out.write(`Skiff namespace "${namespace}" does not exist, skipping deletion.\n`);
  }
  await deleteClusterRbac(client, namespace, out);
  if (!opts.keepCrds) await deleteCrds(client, namespace, out);
  out.write('Skiff uninstalled ⛵\n');
}

/**
 * Deletes the server Deployment and the node-agent DaemonSet and waits for their pods to go, so no server
 * can put a finalizer back after they are released. A pod stuck on a lost node is not waited for forever.
 */
async function stopServer(client: KubeClient, opts: UninstallOptions): Promise<void> {
  const { namespace, out } = opts;
  const deleted = await Promise.all([
    client.delete(Resources.deployments, DEPLOYMENT, { namespace }).catch(ignoreNotFound),
    client.delete(Resources.daemonSets, NODE_AGENT_DAEMONSET, { namespace }).catch(ignoreNotFound),
  ]);
  if (deleted.every((d) => d === undefined)) return;
  out.write('Stopping the Skiff server...\n');
  const timeoutMs = opts.podsTimeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [server, agents] = await Promise.all([
      client.list(Resources.pods, { namespace, labelSelector: `${LABEL_DEPLOY}=${DEPLOYMENT}` }),
      client.list(Resources.pods, { namespace, labelSelector: `${LABEL_NAME}=${NODE_AGENT_DAEMONSET}` }),
    ]);
    const left = server.items.length + agents.items.length;
    if (left === 0) return;
    if (Date.now() >= deadline) {
      out.write(`Warning: ${left} server pod${left === 1 ? '' : 's'} still running after ${formatGoDuration(timeoutMs)}; going on without them.\n`);
      return;
    }
    await sleep(opts.pollMs ?? 1000);
  }
}

/** Removes SERVER_FINALIZERS from every velero.io object of the namespace (one LIST per kind); returns how many changed. */
export async function releaseFinalizers(client: KubeClient, namespace: string): Promise<number> {
  let changed = 0;
  for (const info of VELERO_KINDS) {
    const ref = resourceRefOf(info.kind);
    const list = await client.list(ref, { namespace }).catch(ignoreNotFound);
    for (const obj of list?.items ?? []) {
      if ((obj.metadata.finalizers ?? []).some((f) => SERVER_FINALIZERS.includes(f)) && (await dropFinalizers(client, ref, obj))) changed++;
    }
  }
  return changed;
}

/** A merge patch guarded by resourceVersion, retried on a conflict with the object read again. */
async function dropFinalizers(client: KubeClient, ref: ResourceRef, obj: KubeObject): Promise<boolean> {
  let current: KubeObject | undefined = obj;
  const { name = '', namespace } = obj.metadata;
  for (let attempt = 0; current && attempt < 5; attempt++) {
    const finalizers: string[] = current.metadata.finalizers ?? [];
    const keep = finalizers.filter((f) => !SERVER_FINALIZERS.includes(f));
    if (keep.length === finalizers.length) return false;
    try {
      const patch = { metadata: { resourceVersion: current.metadata.resourceVersion, finalizers: keep.length > 0 ? keep : null } };
      await client.patch(ref, name, 'merge', patch, { namespace });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (!isConflict(err)) throw err;
      current = await client.getIfExists(ref, name, { namespace });
    }
  }
  throw new Error(`${ref.resource}/${name}: could not remove its finalizers (it kept changing)`);
}

async function deleteNamespace(client: KubeClient, opts: UninstallOptions): Promise<void> {
  const { namespace, out } = opts;
  await client.delete(Resources.namespaces, namespace).catch(ignoreNotFound);
  out.write(`Waiting for Skiff namespace "${namespace}" to be deleted\n`);
  const timeoutMs = opts.namespaceTimeoutMs ?? 600_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ns = await client.getIfExists(Resources.namespaces, namespace);
    if (ns === undefined) break;
    if (Date.now() >= deadline) throw new Error(`timed out after ${formatGoDuration(timeoutMs)} waiting for namespace "${namespace}" to be deleted${namespaceBlockers(ns)}`);
    await sleep(opts.pollMs ?? 1000);
  }
  out.write(`Skiff namespace "${namespace}" deleted\n`);
}

/** What the namespace controller says holds a namespace (remaining finalizers and content), for the timeout message. */
function namespaceBlockers(ns: KubeObject): string {
  const conditions = ((ns['status'] ?? {}) as { conditions?: Array<{ status?: string; message?: string }> }).conditions ?? [];
  const messages = conditions.filter((c) => c.status === 'True' && c.message).map((c) => c.message);
  const hint = ' (a Skiff or Velero server still running elsewhere, e.g. `skiff server` on a workstation, may be holding it)';
  return messages.length > 0 ? `: ${messages.join('; ')}${hint}` : hint;
}

/** The ClusterRoleBinding (`velero` or `velero-<ns>`), and the least-privilege ClusterRole of that name if install made it. */
async function deleteClusterRbac(client: KubeClient, namespace: string, out: Progress): Promise<void> {
  const name = clusterBindingName(namespace);
  if (await client.delete(InstallResources.clusterRoleBindings, name).catch(ignoreNotFound)) out.write(`ClusterRoleBinding "${name}" deleted\n`);
  const role = await client.getIfExists(InstallResources.clusterRoles, name);
  if (role?.metadata.labels?.[LABEL_COMPONENT] === COMPONENT_VELERO) {
    await client.delete(InstallResources.clusterRoles, name).catch(ignoreNotFound);
    out.write(`ClusterRole "${name}" deleted\n`);
  }
}

/**
 * The velero.io CRDs labelled `component=velero` — unless another namespace still has a backup storage
 * location: deleting the CRDs would delete that install's Backups, Schedules and locations with them.
 */
async function deleteCrds(client: KubeClient, namespace: string, out: Progress): Promise<void> {
  const locations = await client.list(VeleroResources.backupStorageLocations).catch(ignoreNotFound);
  const others = [...new Set((locations?.items ?? []).map((l) => l.metadata.namespace ?? '').filter((ns) => ns !== namespace))];
  if (others.length > 0) {
    out.write(`CustomResourceDefinitions kept: namespace${others.length === 1 ? '' : 's'} ${others.sort().join(', ')} still ${others.length === 1 ? 'has' : 'have'} backup storage locations (another install).\n`);
    return;
  }
  const crds = await client.list(Resources.customResourceDefinitions, { labelSelector: `${LABEL_COMPONENT}=${COMPONENT_VELERO}` });
  const ours = crds.items.filter((c) => (c['spec'] as { group?: string } | undefined)?.group === API_GROUP);
  for (const crd of ours) await client.delete(Resources.customResourceDefinitions, crd.metadata.name ?? '').catch(ignoreNotFound);
  if (ours.length > 0) out.write(`Deleted ${ours.length} velero.io CustomResourceDefinitions.\n`);
}
