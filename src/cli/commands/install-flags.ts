/**
 * @module cli/commands/install-flags — `skiff install`'s flags (Velero's names, defaults and value syntax)
 * and reading them into install's options. Files named by flags are read later, after validation.
 */
import { Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import {
  DEFAULT_KUBELET_ROOT_DIR,
  DEFAULT_NODE_AGENT_RESOURCES,
  DEFAULT_SERVER_RESOURCES,
  defaultInstallOptions,
  RBAC_MODES,
  type ContainerResources,
  type InstallOptions,
} from '../../install/index.ts';
import { boolArg, durationArg } from '../flags.ts';
import { enumArg, intArg, mapArg, optBool, optMap, optNumber, optString, stringArrayArg } from './backup/flag-values.ts';

const bool = (flags: string, text: string): Option => new Option(`${flags} [bool]`, text).argParser(boolArg);
const map = (flag: string, text: string): Option => new Option(`--${flag} <key=value,...>`, text).argParser(mapArg);
const text = (flags: string, what: string): Option => new Option(flags, what);
const int = (flag: string, what: string): Option => new Option(`--${flag} <n>`, what).argParser(intArg);
const duration = (flag: string, what: string): Option => new Option(`--${flag} <duration>`, what).argParser(durationArg);

/** Velero's `--no-secret`-style flags are plain booleans, not commander's negations of a `--secret` flag. */
function literalNo(flag: string, what: string): Option {
  const option = bool(flag, what);
  option.negate = false;
  return option;
}

/** Deprecated flags that are accepted, warned about and not passed on (the server would refuse them, §6). */
export const IGNORED_DEPRECATED_FLAGS = [
  'keep-latest-maintenance-jobs',
  'maintenance-job-cpu-request',
  'maintenance-job-mem-request',
  'maintenance-job-cpu-limit',
  'maintenance-job-mem-limit',
] as const;

function resourceFlags(cmd: CommandUnknownOpts, prefix: string, who: string, d: ContainerResources): void {
  for (const [part, key] of [['cpu-request', 'cpuRequest'], ['mem-request', 'memRequest'], ['cpu-limit', 'cpuLimit'], ['mem-limit', 'memLimit']] as const) {
    const [resource, kind] = part.split('-') as [string, string];
    cmd.addOption(text(`--${prefix}-${part} <quantity>`, `${resource === 'cpu' ? 'CPU' : 'Memory'} ${kind} of the ${who} pod; 0 means none`).default(d[key]));
  }
}

/** Adds every install flag except `-o` (added by the command with the shared output flags). */
export function addInstallFlags(cmd: CommandUnknownOpts, defaultImage: string): void {
  cmd
    .addOption(text('--provider <name>', "Object storage (and volume snapshot) provider: 'aws' (S3 and S3-compatible stores such as MinIO, Ceph, R2) or 'local' (a directory). Both are built into Skiff"))
    .addOption(text('--bucket <name>', 'Name of the object storage bucket where backups are stored'))
    .addOption(text('--prefix <prefix>', 'Prefix under which all Skiff data is stored within the bucket. Optional'))
    .addOption(text('--secret-file <file>', "File holding the object storage credentials (for 'aws', an AWS shared credentials file), stored in the Secret 'cloud-credentials'. Required unless --no-secret"))
    .addOption(literalNo('--no-secret', 'Create no credentials Secret: credentials come from elsewhere (workload identity, or a location\'s --credential)'))
    .addOption(literalNo('--no-default-backup-location', "Create no default backup location; add one later with 'skiff backup-location create'"))
    .addOption(map('backup-location-config', 'Configuration of the default backup location, e.g. region=minio,s3ForcePathStyle=true,s3Url=http://minio:9000'))
    .addOption(map('snapshot-location-config', 'Configuration of the default volume snapshot location'))
    .addOption(bool('--use-volume-snapshots', 'Create the default volume snapshot location').default(true))
    .addOption(text('--cacert <file>', 'File holding the certificate bundle used to verify the object store\'s TLS certificate'))
    .addOption(new Option('--plugins <images>', "Plugin images. Accepted so Velero commands work, but not run: Skiff's 'aws' and 'local' providers are built in").argParser(stringArrayArg))
    .addOption(text('--image <image>', 'Image of the Skiff server').default(defaultImage))
    .addOption(map('pod-annotations', 'Annotations to add to the server and node agent pods'))
    .addOption(map('pod-labels', 'Labels to add to the server and node agent pods'))
    .addOption(map('sa-annotations', 'Annotations to add to the ServiceAccount (e.g. for workload identity)'))
    .addOption(text('--service-account-name <name>', 'Run as this existing ServiceAccount; install then creates no ServiceAccount and no RBAC'))
    .addOption(new Option('--rbac <mode>', "What the server's ServiceAccount may do: 'cluster-admin' (Velero's binding) or 'least-privilege' (read everything, create/update/patch for restores, delete only in its own namespace; see docs/in-cluster.md)").argParser(enumArg(RBAC_MODES)).default('cluster-admin'))
    .addOption(int('replicas', 'Server pods. More than 1 for high availability: one leads (Lease skiff-server), the others take over when it fails (default 1)'));
  resourceFlags(cmd, 'velero-pod', 'server', DEFAULT_SERVER_RESOURCES);
  resourceFlags(cmd, 'node-agent-pod', 'node agent', DEFAULT_NODE_AGENT_RESOURCES);
  cmd
    .addOption(text('--server-priority-class-name <name>', 'Priority class of the server pods'))
    .addOption(text('--node-agent-priority-class-name <name>', 'Priority class of the node agent pods'))
    .addOption(bool('--use-node-agent', 'Create the node agent DaemonSet (file-system backup)'))
    .addOption(bool('--use-node-agent-windows', 'Create the node agent DaemonSet for Windows nodes (not available in Skiff)'))
    .addOption(bool('--privileged-node-agent', 'Run the node agent privileged'))
    .addOption(bool('--node-agent-disable-host-path', "Do not mount the kubelet's pod and plugin directories into the node agent"))
    .addOption(text('--kubelet-root-dir <dir>', "The kubelet's root directory on the nodes").default(DEFAULT_KUBELET_ROOT_DIR))
    .addOption(text('--node-agent-configmap <name>', 'ConfigMap with the node agent configuration'))
    .addOption(bool('--default-volumes-to-fs-backup', 'Back up all pod volumes with file-system backup by default (requires --use-node-agent)'))
    .addOption(bool('--default-snapshot-move-data', 'Move snapshot data to the object store by default'))
    .addOption(bool('--disable-informer-cache', 'Restores read objects from the API server rather than a cache'))
    .addOption(bool('--schedule-skip-immediately', 'Skip the first backup of a schedule that is created or unpaused'))
    .addOption(duration('garbage-collection-frequency', 'How often expired backups are looked for (server default 1h)'))
    .addOption(duration('default-repo-maintain-frequency', 'How often backup repositories are maintained (server default)'))
    .addOption(duration('pod-volume-operation-timeout', 'How long a file-system backup or restore of pod volumes may take (server default 4h)'))
    .addOption(text('--uploader-type <type>', "Uploader for pod volume data; only 'kopia'"))
    .addOption(text('--backup-repository-configmap <name>', 'ConfigMap with backup repository settings'))
    .addOption(text('--repo-maintenance-job-configmap <name>', 'ConfigMap with repository maintenance job settings'))
    .addOption(int('item-block-worker-count', 'Resource types collected at once during a backup (server default)'))
    .addOption(int('concurrent-backups', 'Backups that may run at once (server default 1)'))
    .addOption(bool('--crds-only', 'Only the CustomResourceDefinitions: to update the CRDs of an existing Skiff or Velero install'))
    .addOption(bool('--apply', 'Accepted for compatibility: Skiff always applies (server-side), so a re-run updates what changed and nothing else'))
    .addOption(bool('--dry-run', "Generate the resources but do not send them to the cluster; use with -o"))
    .addOption(bool('--wait', 'Wait for the server Deployment (and node agent DaemonSet) to be ready'))
    .addOption(bool('--restore-only', 'Deprecated: run the server with only its restore controllers'));
  for (const flag of IGNORED_DEPRECATED_FLAGS) cmd.addOption(text(`--${flag} <value>`, 'Deprecated and ignored: configure maintenance jobs with --repo-maintenance-job-configmap'));
}

/** What the command does besides building manifests. */
export interface InstallControl {
  crdsOnly: boolean;
  dryRun: boolean;
  wait: boolean;
}

/** Reads the parsed flags into options for `namespace`, the control flags, and warnings to print. */
export function readInstallFlags(self: CommandUnknownOpts, namespace: string, features: string[], version: string): { options: InstallOptions; control: InstallControl; warnings: string[] } {
  const o = self.opts() as Record<string, unknown>;
  const str = (key: string): string | undefined => optString(o, key);
  const flag = (key: string): boolean => optBool(o, key) === true;
  const resources = (prefix: string): ContainerResources => ({
    cpuRequest: str(`${prefix}CpuRequest`) ?? '0',
    memRequest: str(`${prefix}MemRequest`) ?? '0',
    cpuLimit: str(`${prefix}CpuLimit`) ?? '0',
    memLimit: str(`${prefix}MemLimit`) ?? '0',
  });
  const options: InstallOptions = {
    ...defaultInstallOptions(namespace, version),
    image: str('image') ?? '',
    provider: str('provider'),
    bucket: str('bucket'),
    prefix: str('prefix'),
    secretFile: str('secretFile'),
    noSecret: flag('noSecret'),
    noDefaultBackupLocation: flag('noDefaultBackupLocation'),
    backupLocationConfig: optMap(o, 'backupLocationConfig') ?? {},
    snapshotLocationConfig: optMap(o, 'snapshotLocationConfig') ?? {},
    useVolumeSnapshots: optBool(o, 'useVolumeSnapshots') !== false,
    plugins: (o['plugins'] as string[] | undefined) ?? [],
    podAnnotations: optMap(o, 'podAnnotations') ?? {},
    podLabels: optMap(o, 'podLabels') ?? {},
    saAnnotations: optMap(o, 'saAnnotations') ?? {},
    serviceAccountName: str('serviceAccountName'),
    serverResources: resources('veleroPod'),
    nodeAgentResources: resources('nodeAgentPod'),
    kubeletRootDir: str('kubeletRootDir') ?? DEFAULT_KUBELET_ROOT_DIR,
    useNodeAgent: flag('useNodeAgent'),
    useNodeAgentWindows: flag('useNodeAgentWindows'),
    privilegedNodeAgent: flag('privilegedNodeAgent'),
    nodeAgentDisableHostPath: flag('nodeAgentDisableHostPath'),
    defaultVolumesToFsBackup: flag('defaultVolumesToFsBackup'),
    defaultSnapshotMoveData: flag('defaultSnapshotMoveData'),
    disableInformerCache: flag('disableInformerCache'),
    scheduleSkipImmediately: flag('scheduleSkipImmediately'),
    restoreOnly: flag('restoreOnly'),
    defaultRepoMaintainFrequencyMs: optNumber(o, 'defaultRepoMaintainFrequency'),
    garbageCollectionFrequencyMs: optNumber(o, 'garbageCollectionFrequency'),
    podVolumeOperationTimeoutMs: optNumber(o, 'podVolumeOperationTimeout'),
    uploaderType: str('uploaderType'),
    features,
    caCertFile: str('cacert'),
    backupRepositoryConfigMap: str('backupRepositoryConfigmap'),
    repoMaintenanceJobConfigMap: str('repoMaintenanceJobConfigmap'),
    nodeAgentConfigMap: str('nodeAgentConfigmap'),
    itemBlockWorkerCount: optNumber(o, 'itemBlockWorkerCount'),
    concurrentBackups: optNumber(o, 'concurrentBackups'),
    serverPriorityClassName: str('serverPriorityClassName'),
    nodeAgentPriorityClassName: str('nodeAgentPriorityClassName'),
    replicas: optNumber(o, 'replicas'),
    rbac: (str('rbac') ?? 'cluster-admin') as InstallOptions['rbac'],
  };
  const control = { crdsOnly: flag('crdsOnly'), dryRun: flag('dryRun'), wait: flag('wait') };
  return { options, control, warnings: installWarnings(o, options) };
}

/** Flags that are accepted but do less than a Velero user may expect. */
function installWarnings(o: Record<string, unknown>, options: InstallOptions): string[] {
  const w: string[] = [];
  if (options.plugins.length > 0) w.push("--plugins is accepted for compatibility and not used: Skiff's providers (aws, local) are built in");
  if (options.restoreOnly) w.push('--restore-only is deprecated: the server runs without its backup, schedule and garbage-collection controllers (use the server\'s --disable-controllers instead)');
  for (const flag of IGNORED_DEPRECATED_FLAGS) {
    if (o[flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())] !== undefined) w.push(`--${flag} is deprecated and ignored: configure maintenance jobs with --repo-maintenance-job-configmap`);
  }
  if (options.useNodeAgent) w.push('--use-node-agent: this Skiff version has no node agent yet (file-system backup), so the node-agent pods will not start until a version with one is installed');
  return w;
}
