/**
 * @module install/manifests: every object `skiff install` creates, in Velero's order (§7.1): CRDs, the
 * Namespace, RBAC, the ServiceAccount, the credentials Secret, the default locations, the server, the node
 * agent. Pure: the same options give the same objects, so re-applying them changes nothing.
 */
import { crdManifests, newBackupStorageLocation, newVolumeSnapshotLocation, type BackupStorageLocationSpec } from '../api/index.ts';
import type { KubeObject } from '../kube/index.ts';
import { componentLabels, CREDENTIALS_KEY, CREDENTIALS_SECRET, DEFAULT_LOCATION, SERVICE_ACCOUNT } from './names.ts';
import type { InstallOptions } from './options.ts';
import { clusterRbacObjects, namespaceRbacObjects } from './rbac.ts';
import { nodeAgentDaemonSet, serverDeployment } from './workloads.ts';

const POD_SECURITY_MODES = ['enforce', 'audit', 'warn'] as const;

/**
 * Pod Security for the namespace: `restricted` when only the server runs there (its pod meets it), and
 * Velero's `privileged` when the node agent does (host paths, root).
 */
export function podSecurityLevel(o: InstallOptions): 'restricted' | 'privileged' {
  return o.useNodeAgent ? 'privileged' : 'restricted';
}

function namespaceObject(o: InstallOptions): KubeObject {
  const labels: Record<string, string> = componentLabels();
  for (const mode of POD_SECURITY_MODES) {
    labels[`pod-security.kubernetes.io/${mode}`] = podSecurityLevel(o);
    labels[`pod-security.kubernetes.io/${mode}-version`] = 'latest';
  }
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels } };
}

function serviceAccount(o: InstallOptions): KubeObject[] {
  if (o.serviceAccountName !== undefined) return [];
  const annotations = Object.keys(o.saAnnotations).length > 0 ? { annotations: { ...o.saAnnotations } } : {};
  return [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SERVICE_ACCOUNT, namespace: o.namespace, labels: componentLabels(), ...annotations } }];
}

/** `cloud-credentials`, key `cloud`: the `--secret-file` contents, mounted into the pods. */
function credentialsSecret(o: InstallOptions): KubeObject[] {
  if (o.secretData === undefined) return [];
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: CREDENTIALS_SECRET, namespace: o.namespace, labels: componentLabels() },
      type: 'Opaque',
      data: { [CREDENTIALS_KEY]: Buffer.from(o.secretData).toString('base64') },
    },
  ];
}

function locations(o: InstallOptions): KubeObject[] {
  const out: KubeObject[] = [];
  // name, namespace, labels: the order kubectl and Velero print.
  const meta = (obj: KubeObject): KubeObject => ({ ...obj, metadata: { name: DEFAULT_LOCATION, namespace: o.namespace, labels: componentLabels() } });
  if (!o.noDefaultBackupLocation) {
    const objectStorage: BackupStorageLocationSpec['objectStorage'] = { bucket: o.bucket ?? '' };
    if (o.prefix) objectStorage.prefix = o.prefix;
    if (o.caCert !== undefined && o.caCert.length > 0) objectStorage.caCert = Buffer.from(o.caCert).toString('base64');
    const spec: BackupStorageLocationSpec = { provider: o.provider ?? '', objectStorage, default: true };
    if (Object.keys(o.backupLocationConfig).length > 0) spec.config = { ...o.backupLocationConfig };
    out.push(meta(newBackupStorageLocation(DEFAULT_LOCATION, o.namespace, spec)));
  }
  if (o.useVolumeSnapshots) {
    const config = Object.keys(o.snapshotLocationConfig).length > 0 ? { config: { ...o.snapshotLocationConfig } } : {};
    out.push(meta(newVolumeSnapshotLocation(DEFAULT_LOCATION, o.namespace, { provider: o.provider ?? '', ...config })));
  }
  return out;
}

/** The objects after the CRDs, in creation order. */
export function resourceManifests(o: InstallOptions): KubeObject[] {
  return [
    namespaceObject(o),
    ...clusterRbacObjects(o),
    ...serviceAccount(o),
    ...namespaceRbacObjects(o),
    ...credentialsSecret(o),
    ...locations(o),
    serverDeployment(o),
    ...(o.useNodeAgent ? [nodeAgentDaemonSet(o)] : []),
  ];
}

/** Everything install creates: the 13 CRDs first, then resourceManifests(). */
export function installManifests(o: InstallOptions): KubeObject[] {
  return [...crdManifests(), ...resourceManifests(o)];
}
