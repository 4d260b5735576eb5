/**
 * @module install/options: what `skiff install` installs, as parsed options, with Velero's defaults and
 * Velero's validation rules (each problem names its flag).
 */
import { validLabelKey, validLabelValue } from '../kube/index.ts';
import { canonicalProvider, PROVIDERS } from '../storage/index.ts';
import { isUnbounded, parseQuantity } from './quantity.ts';

/** Where the image is published; the tag is the CLI's own version, so client and server match. */
export const IMAGE_REPOSITORY = 'ghcr.io/skiff-backup/skiff';

/** `ghcr.io/skiff-backup/skiff:v<package.json version>`, or `:latest` for a build without a version. */
export function defaultImage(version: string): string {
  return `${IMAGE_REPOSITORY}:${/^v\d/.test(version) && !version.includes('unknown') ? version : 'latest'}`;
}

/** How the server's ServiceAccount is authorised (docs/adr/0012-install-and-rbac.md). */
export const RBAC_MODES = ['cluster-admin', 'least-privilege'] as const;
export type RbacMode = (typeof RBAC_MODES)[number];

/** Requests and limits of one container, as quantities; `0` leaves one out (Velero's "unbounded"). */
export interface ContainerResources {
  cpuRequest: string;
  memRequest: string;
  cpuLimit: string;
  memLimit: string;
}

/** Everything the manifests depend on. Files are read by the CLI; their contents arrive here. */
export interface InstallOptions {
  namespace: string;
  image: string;
  provider?: string | undefined;
  bucket?: string | undefined;
  prefix?: string | undefined;
  /** The `--secret-file` path (for validation and messages) and its contents (for the Secret). */
  secretFile?: string | undefined;
  secretData?: Uint8Array | undefined;
  noSecret: boolean;
  noDefaultBackupLocation: boolean;
  backupLocationConfig: Record<string, string>;
  snapshotLocationConfig: Record<string, string>;
  useVolumeSnapshots: boolean;
  /** Accepted for compatibility; Skiff's providers are built in, so plugin images are never run. */
  plugins: string[];
  podAnnotations: Record<string, string>;
  podLabels: Record<string, string>;
  saAnnotations: Record<string, string>;
  /** An existing ServiceAccount: then install creates no account and no RBAC. */
  serviceAccountName?: string | undefined;
  serverResources: ContainerResources;
  nodeAgentResources: ContainerResources;
  kubeletRootDir: string;
  useNodeAgent: boolean;
  useNodeAgentWindows: boolean;
  privilegedNodeAgent: boolean;
  nodeAgentDisableHostPath: boolean;
  defaultVolumesToFsBackup: boolean;
  defaultSnapshotMoveData: boolean;
  disableInformerCache: boolean;
  scheduleSkipImmediately: boolean;
  restoreOnly: boolean;
  /** Milliseconds; undefined (or 0) leaves the server's default. */
  defaultRepoMaintainFrequencyMs?: number | undefined;
  garbageCollectionFrequencyMs?: number | undefined;
  podVolumeOperationTimeoutMs?: number | undefined;
  uploaderType?: string | undefined;
  features: string[];
  caCertFile?: string | undefined;
  caCert?: Uint8Array | undefined;
  backupRepositoryConfigMap?: string | undefined;
  repoMaintenanceJobConfigMap?: string | undefined;
  nodeAgentConfigMap?: string | undefined;
  /** 0 or undefined: the server's default. */
  itemBlockWorkerCount?: number | undefined;
  concurrentBackups?: number | undefined;
  serverPriorityClassName?: string | undefined;
  nodeAgentPriorityClassName?: string | undefined;
  /** Server pods; more than one needs the server's leader election (Lease `skiff-server`). Unset: Velero's 1. */
  replicas?: number | undefined;
  rbac: RbacMode;
}

/** Velero's defaults (§7.2): server 500m/128Mi requests, 1000m/512Mi limits; node agent unbounded. */
export const DEFAULT_SERVER_RESOURCES: ContainerResources = { cpuRequest: '500m', memRequest: '128Mi', cpuLimit: '1000m', memLimit: '512Mi' };
export const DEFAULT_NODE_AGENT_RESOURCES: ContainerResources = { cpuRequest: '0', memRequest: '0', cpuLimit: '0', memLimit: '0' };
export const DEFAULT_KUBELET_ROOT_DIR = '/var/lib/kubelet';

/** The options of a bare `skiff install -n <namespace>`, before any flag. */
export function defaultInstallOptions(namespace: string, version: string): InstallOptions {
  return {
    namespace,
    image: defaultImage(version),
    noSecret: false,
    noDefaultBackupLocation: false,
    backupLocationConfig: {},
    snapshotLocationConfig: {},
    useVolumeSnapshots: true,
    plugins: [],
    podAnnotations: {},
    podLabels: {},
    saAnnotations: {},
    serverResources: { ...DEFAULT_SERVER_RESOURCES },
    nodeAgentResources: { ...DEFAULT_NODE_AGENT_RESOURCES },
    kubeletRootDir: DEFAULT_KUBELET_ROOT_DIR,
    useNodeAgent: false,
    useNodeAgentWindows: false,
    privilegedNodeAgent: false,
    nodeAgentDisableHostPath: false,
    defaultVolumesToFsBackup: false,
    defaultSnapshotMoveData: false,
    disableInformerCache: false,
    scheduleSkipImmediately: false,
    restoreOnly: false,
    features: [],
    rbac: 'cluster-admin',
  };
}

/** Labels install sets itself on pods; a `--pod-labels` entry may not replace them (two are selectors). */
export const RESERVED_POD_LABELS = ['component', 'deploy', 'name', 'role'] as const;

/** Every problem with the options, each naming its flag; empty when they are fine. */
export function installProblems(o: InstallOptions): string[] {
  return [...storageProblems(o), ...podProblems(o), ...serverProblems(o)];
}

function storageProblems(o: InstallOptions): string[] {
  const p: string[] = [];
  if (o.secretFile !== undefined && o.noSecret) p.push('--secret-file and --no-secret cannot be used together');
  if (o.secretFile === undefined && !o.noSecret) p.push('one of --secret-file or --no-secret is required');
  if (o.noDefaultBackupLocation) {
    if (o.bucket) p.push('--bucket cannot be used with --no-default-backup-location');
    if (o.prefix) p.push('--prefix cannot be used with --no-default-backup-location');
    if (Object.keys(o.backupLocationConfig).length > 0) p.push('--backup-location-config cannot be used with --no-default-backup-location');
    if (o.caCertFile !== undefined) p.push('--cacert cannot be used with --no-default-backup-location');
  } else if (!o.bucket) {
    p.push('--bucket is required (or --no-default-backup-location)');
  } else if (o.bucket.startsWith('-')) {
    p.push(`--bucket: ${JSON.stringify(o.bucket)} is not a bucket name (it starts with "-")`);
  }
  const needsProvider = !o.noDefaultBackupLocation || o.useVolumeSnapshots;
  if (needsProvider && !o.provider) {
    p.push('--provider is required (unless --no-default-backup-location and --use-volume-snapshots=false)');
  } else if (o.provider && canonicalProvider(o.provider) === undefined) {
    const known = Object.values(PROVIDERS).flat().join(', ');
    p.push(`--provider: Skiff has no provider ${JSON.stringify(o.provider)} (built in: ${known})`);
  }
  if (!o.useVolumeSnapshots && Object.keys(o.snapshotLocationConfig).length > 0) {
    p.push('--snapshot-location-config must be empty when --use-volume-snapshots=false');
  }
  return p;
}

function podProblems(o: InstallOptions): string[] {
  const p: string[] = [];
  if (!o.image.trim()) p.push('--image must not be empty');
  for (const [flag, map] of [['--pod-labels', o.podLabels], ['--pod-annotations', o.podAnnotations], ['--sa-annotations', o.saAnnotations]] as const) {
    for (const [key, value] of Object.entries(map)) {
      if (!validLabelKey(key)) p.push(`${flag}: ${JSON.stringify(key)} is not a valid key`);
      else if (flag === '--pod-labels' && !validLabelValue(value)) p.push(`${flag}: ${JSON.stringify(value)} is not a valid label value`);
      if (flag === '--pod-labels' && (RESERVED_POD_LABELS as readonly string[]).includes(key)) {
        p.push(`--pod-labels: ${JSON.stringify(key)} is set by install itself (its pods are selected by it)`);
      }
    }
  }
  p.push(...resourceProblems('velero-pod', o.serverResources), ...resourceProblems('node-agent-pod', o.nodeAgentResources));
  if (!o.kubeletRootDir.startsWith('/')) p.push(`--kubelet-root-dir: ${JSON.stringify(o.kubeletRootDir)} is not an absolute path`);
  if (o.useNodeAgentWindows) p.push('--use-node-agent-windows: Skiff has no Windows node agent');
  if (o.defaultVolumesToFsBackup && !o.useNodeAgent) p.push('--default-volumes-to-fs-backup requires --use-node-agent');
  if (o.replicas !== undefined && (!Number.isInteger(o.replicas) || o.replicas < 1)) p.push('--replicas must be a positive integer');
  if (o.serviceAccountName !== undefined && o.rbac === 'least-privilege') {
    p.push('--rbac least-privilege cannot be used with --service-account-name: install then creates no RBAC, so give the existing account the rules yourself (docs/in-cluster.md)');
  }
  return p;
}

/** `--<prefix>-cpu-request` and friends: quantities, and a request no larger than its limit. */
function resourceProblems(prefix: string, r: ContainerResources): string[] {
  const p: string[] = [];
  const flags = { cpuRequest: `--${prefix}-cpu-request`, memRequest: `--${prefix}-mem-request`, cpuLimit: `--${prefix}-cpu-limit`, memLimit: `--${prefix}-mem-limit` };
  for (const key of Object.keys(flags) as Array<keyof ContainerResources>) {
    const value = parseQuantity(r[key]);
    if (value === undefined) p.push(`${flags[key]}: ${JSON.stringify(r[key])} is not a quantity (examples: 500m, 1, 128Mi)`);
    else if (value < 0) p.push(`${flags[key]} must not be negative`);
  }
  if (p.length > 0) return p;
  for (const [req, lim] of [['cpuRequest', 'cpuLimit'], ['memRequest', 'memLimit']] as const) {
    if (isUnbounded(r[req]) || isUnbounded(r[lim])) continue;
    if ((parseQuantity(r[req]) ?? 0) > (parseQuantity(r[lim]) ?? 0)) p.push(`${flags[req]} (${r[req]}) must not be greater than ${flags[lim]} (${r[lim]})`);
  }
  return p;
}

function serverProblems(o: InstallOptions): string[] {
  const p: string[] = [];
  const durations = [
    ['--default-repo-maintain-frequency', o.defaultRepoMaintainFrequencyMs],
    ['--garbage-collection-frequency', o.garbageCollectionFrequencyMs],
    ['--pod-volume-operation-timeout', o.podVolumeOperationTimeoutMs],
  ] as const;
  for (const [flag, ms] of durations) if (ms !== undefined && ms < 0) p.push(`${flag} must not be negative`);
  for (const [flag, n] of [['--item-block-worker-count', o.itemBlockWorkerCount], ['--concurrent-backups', o.concurrentBackups]] as const) {
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) p.push(`${flag} must not be negative`);
  }
  if (o.uploaderType !== undefined && o.uploaderType !== 'kopia') p.push(`--uploader-type: ${JSON.stringify(o.uploaderType)} is not supported (only kopia)`);
  return p;
}
