/**
 * @module install/workloads: the server Deployment and the node-agent DaemonSet. Velero's shape (names,
 * labels, volumes, environment, arguments appended only when set), with a locked-down server pod.
 */
import { ANNOTATION_PROMETHEUS_PATH, ANNOTATION_PROMETHEUS_PORT, ANNOTATION_PROMETHEUS_SCRAPE, LABEL_DEPLOY, LABEL_NAME, LABEL_ROLE } from '../api/index.ts';
import type { KubeObject } from '../kube/index.ts';
import { formatGoDuration } from '../util/index.ts';
import { componentLabels, CREDENTIALS_DIR, CREDENTIALS_KEY, CREDENTIALS_SECRET, DEPLOYMENT, METRICS_PORT, NODE_AGENT_DAEMONSET, SERVER_CONTAINER, SERVER_UID, SERVICE_ACCOUNT } from './names.ts';
import type { ContainerResources, InstallOptions } from './options.ts';
import { isUnbounded } from './quantity.ts';

const SCRATCH_DIR = '/scratch';

/** `Always` for an untagged or `latest` image (so it is refreshed), `IfNotPresent` for a fixed tag or digest. */
export function imagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const name = image.slice(image.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  return colon < 0 || name.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** `skiff server` and the flags install sets, in Velero's order, each only when set. */
export function serverArgs(o: InstallOptions): string[] {
  const args = ['server'];
  const add = (flag: string, value: string | number | undefined | false): void => {
    if (value !== undefined && value !== false && value !== '') args.push(`${flag}=${value}`);
  };
  const duration = (ms: number | undefined): string | undefined => (ms ? formatGoDuration(ms) : undefined);
  add('--features', o.features.join(','));
  add('--default-volumes-to-fs-backup', o.defaultVolumesToFsBackup && 'true');
  add('--default-snapshot-move-data', o.defaultSnapshotMoveData && 'true');
  add('--disable-informer-cache', o.disableInformerCache && 'true');
  add('--schedule-skip-immediately', o.scheduleSkipImmediately && 'true');
  add('--uploader-type', o.uploaderType);
  if (o.restoreOnly) args.push('--restore-only');
  add('--default-repo-maintain-frequency', duration(o.defaultRepoMaintainFrequencyMs));
  add('--garbage-collection-frequency', duration(o.garbageCollectionFrequencyMs));
  add('--fs-backup-timeout', duration(o.podVolumeOperationTimeoutMs));
  add('--backup-repository-configmap', o.backupRepositoryConfigMap);
  add('--repo-maintenance-job-configmap', o.repoMaintenanceJobConfigMap);
  add('--item-block-worker-count', o.itemBlockWorkerCount || undefined);
  add('--concurrent-backups', o.concurrentBackups || undefined);
  return args;
}

/** `node-agent server` and its flags, as Velero's DaemonSet runs it. */
export function nodeAgentArgs(o: InstallOptions): string[] {
  const args = ['node-agent', 'server'];
  if (o.features.length > 0) args.push(`--features=${o.features.join(',')}`);
  if (o.nodeAgentConfigMap) args.push(`--node-agent-configmap=${o.nodeAgentConfigMap}`);
  if (o.backupRepositoryConfigMap) args.push(`--backup-repository-configmap=${o.backupRepositoryConfigMap}`);
  return args;
}

/** Requests and limits, leaving out each `0` (Velero: unbounded); nothing at all when every one is 0. */
export function resourceRequirements(r: ContainerResources): Record<string, Record<string, string>> {
  const pick = (cpu: string, memory: string): Record<string, string> | undefined => {
    const out: Record<string, string> = {};
    if (!isUnbounded(cpu)) out['cpu'] = cpu;
    if (!isUnbounded(memory)) out['memory'] = memory;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const requests = pick(r.cpuRequest, r.memRequest);
  const limits = pick(r.cpuLimit, r.memLimit);
  return { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
}

/** The environment both pods share: namespace, scratch dir and, with a Secret, every provider's credentials variable. */
function commonEnv(o: InstallOptions): object[] {
  const env: object[] = [
    { name: 'VELERO_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'VELERO_SCRATCH_DIR', value: SCRATCH_DIR },
  ];
  if (o.secretData !== undefined) {
    const file = `${CREDENTIALS_DIR}/${CREDENTIALS_KEY}`;
    for (const name of ['GOOGLE_APPLICATION_CREDENTIALS', 'AWS_SHARED_CREDENTIALS_FILE', 'AZURE_CREDENTIALS_FILE', 'ALIBABA_CLOUD_CREDENTIALS_FILE']) env.push({ name, value: file });
  }
  return env;
}

/** Writable scratch space on a read-only root filesystem, and the credentials when there are any. */
function commonVolumes(o: InstallOptions): { volumes: object[]; mounts: object[] } {
  const volumes: object[] = [{ name: 'scratch', emptyDir: {} }, { name: 'tmp', emptyDir: {} }];
  const mounts: object[] = [{ name: 'scratch', mountPath: SCRATCH_DIR }, { name: 'tmp', mountPath: '/tmp' }];
  if (o.secretData !== undefined) {
    volumes.push({ name: CREDENTIALS_SECRET, secret: { secretName: CREDENTIALS_SECRET } });
    mounts.push({ name: CREDENTIALS_SECRET, mountPath: CREDENTIALS_DIR });
  }
  return { volumes, mounts };
}

const metricsPort = (): object[] => [{ name: 'metrics', containerPort: METRICS_PORT }];
const serviceAccount = (o: InstallOptions): string => o.serviceAccountName ?? SERVICE_ACCOUNT;
const nonEmpty = <K extends string>(key: K, value: object): Partial<Record<K, object>> => (Object.keys(value).length > 0 ? ({ [key]: value } as Record<K, object>) : {});
const optional = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> => (value ? ({ [key]: value } as Record<K, string>) : {});

/** Linux nodes only (the image is Linux), and with several replicas, spread over nodes when the scheduler can. */
function serverAffinity(o: InstallOptions): object {
  const nodeAffinity = {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'NotIn', values: ['windows'] }] }],
    },
  };
  if ((o.replicas ?? 1) <= 1) return { nodeAffinity };
  const spread = { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { [LABEL_DEPLOY]: DEPLOYMENT } } } };
  return { nodeAffinity, podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [spread] } };
}

/** The server: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp (Pod Security "restricted"). */
export function serverDeployment(o: InstallOptions): KubeObject {
  const { volumes, mounts } = commonVolumes(o);
  const container = {
    name: SERVER_CONTAINER,
    image: o.image,
    imagePullPolicy: imagePullPolicy(o.image),
    args: serverArgs(o),
    ports: metricsPort(),
    env: commonEnv(o),
    ...nonEmpty('resources', resourceRequirements(o.serverResources)),
    volumeMounts: mounts,
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
  };
  const podSecurity = { runAsNonRoot: true, runAsUser: SERVER_UID, runAsGroup: SERVER_UID, fsGroup: SERVER_UID, seccompProfile: { type: 'RuntimeDefault' } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: DEPLOYMENT, namespace: o.namespace, labels: componentLabels() },
    spec: {
      ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
      selector: { matchLabels: { [LABEL_DEPLOY]: DEPLOYMENT } },
      template: {
        metadata: {
          labels: { ...o.podLabels, ...componentLabels(), [LABEL_DEPLOY]: DEPLOYMENT },
          annotations: { [ANNOTATION_PROMETHEUS_SCRAPE]: 'true', [ANNOTATION_PROMETHEUS_PORT]: String(METRICS_PORT), [ANNOTATION_PROMETHEUS_PATH]: '/metrics', ...o.podAnnotations },
        },
        spec: {
          restartPolicy: 'Always',
          os: { name: 'linux' },
          serviceAccountName: serviceAccount(o),
          ...optional('priorityClassName', o.serverPriorityClassName),
          securityContext: podSecurity,
          affinity: serverAffinity(o),
          containers: [container],
          volumes,
        },
      },
    },
  };
}

/**
 * The node agent reads and writes pod volumes through the kubelet's directory, so it runs as root as
 * Velero's does (privileged only with --privileged-node-agent), keeping a read-only root filesystem.
 */
export function nodeAgentDaemonSet(o: InstallOptions): KubeObject {
  const { volumes, mounts } = commonVolumes(o);
  if (!o.nodeAgentDisableHostPath) {
    volumes.unshift(
      { name: 'host-pods', hostPath: { path: `${o.kubeletRootDir}/pods` } },
      { name: 'host-plugins', hostPath: { path: `${o.kubeletRootDir}/plugins` } },
    );
    mounts.unshift(
      { name: 'host-pods', mountPath: '/host_pods', mountPropagation: 'HostToContainer' },
      { name: 'host-plugins', mountPath: '/var/lib/kubelet/plugins', mountPropagation: 'HostToContainer' },
    );
  }
  const privileged = o.privilegedNodeAgent;
  const container = {
    name: NODE_AGENT_DAEMONSET,
    image: o.image,
    imagePullPolicy: imagePullPolicy(o.image),
    args: nodeAgentArgs(o),
    ports: metricsPort(),
    env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }, ...commonEnv(o)],
    ...nonEmpty('resources', resourceRequirements(o.nodeAgentResources)),
    volumeMounts: mounts,
    // A privileged container may escalate by definition; the API server refuses the two together.
    securityContext: { privileged, readOnlyRootFilesystem: true, ...(privileged ? {} : { allowPrivilegeEscalation: false }) },
  };
  const labels = { [LABEL_NAME]: NODE_AGENT_DAEMONSET };
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: NODE_AGENT_DAEMONSET, namespace: o.namespace, labels: componentLabels() },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels: { ...o.podLabels, ...labels, [LABEL_ROLE]: NODE_AGENT_DAEMONSET, ...componentLabels() },
          ...(Object.keys(o.podAnnotations).length > 0 ? { annotations: { ...o.podAnnotations } } : {}),
        },
        spec: {
          os: { name: 'linux' },
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          serviceAccountName: serviceAccount(o),
          ...optional('priorityClassName', o.nodeAgentPriorityClassName),
          securityContext: { runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [container],
          volumes,
        },
      },
    },
  };
}
