/**
 * @module cli/commands/server: `skiff server` — runs the controllers, in a cluster or locally against a
 * kubeconfig. It accepts every flag Velero's server defines, so Velero's Deployment arguments work.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { CliContext } from '../context.ts';
import { resolveGlobals } from '../globals.ts';
import { commaListArg, durationArg, boolArg, formatGoDuration } from '../flags.ts';
import { UsageError } from '../errors.ts';
import { DEFAULT_SERVER_CONFIG as D, runServer, type ServerConfig } from '../../server/index.ts';

const int = (flag: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`invalid argument "${value}" for "${flag}" flag: must be an integer`);
  return n;
};

const duration = (flag: string, description: string, defaultMs: number): Option =>
  new Option(`--${flag} <duration>`, description).argParser(durationArg).default(defaultMs, formatGoDuration(defaultMs));

/** The parsed flags (commander's inference does not reach through the option builders above). */
interface ServerFlags {
  logLevel: string;
  logFormat: 'text' | 'json';
  metricsAddress: string;
  defaultBackupStorageLocation: string;
  backupSyncPeriod: number;
  storeValidationFrequency: number;
  defaultBackupTtl: string;
  garbageCollectionFrequency: number;
  resourceTimeout: string;
  terminatingResourceTimeout: number;
  concurrentBackups: number;
  concurrentRestores: number;
  leaderElect?: boolean;
  leaderElectResourceName: string;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
  clientQps: number;
  clientBurst: number;
  clientPageSize: number;
  maxConcurrentK8sConnections: number;
  itemBlockWorkerCount: number;
  defaultVolumesToFsBackup: boolean;
  defaultSnapshotMoveData: boolean;
  defaultItemOperationTimeout: string;
  disableControllers: string[];
  restoreResourcePriorities?: string;
  scheduleSkipImmediately?: boolean;
  uploaderType: string;
  restoreOnly?: boolean;
}

export function serverCommand(ctx: CliContext): CommandUnknownOpts {
  const cmd = new Command('server')
    .description('Run the skiff server: the controllers that carry out backups (in a cluster, or locally against a kubeconfig)')
    .addOption(new Option('--log-level <level>', 'the level at which to log: debug, info, warning, error').default(D.logLevel))
    .addOption(new Option('--log-format <format>', 'the format for log output').choices(['text', 'json']).default(D.logFormat))
    .addOption(new Option('--metrics-address <address>', 'the address to expose prometheus metrics at /metrics: host:port (":8085" listens on every interface, "127.0.0.1:0" on a free loopback port); empty disables metrics').default(D.metricsAddress))
    .addOption(new Option('--default-backup-storage-location <name>', 'name of the default backup storage location (deprecated: mark a location with --default)').default(D.defaultBackupStorageLocation))
    .addOption(duration('backup-sync-period', 'how often to ensure all backups in object storage exist as Backup API objects in the cluster', D.backupSyncPeriodMs))
    .addOption(duration('store-validation-frequency', 'how often to verify that backup storage locations are valid; 0 disables', D.storeValidationFrequencyMs))
    .addOption(new Option('--default-backup-ttl <duration>', 'how long to wait by default before backups can be garbage-collected').default(D.defaultBackupTTL))
    .addOption(duration('garbage-collection-frequency', 'how often garbage collection checks for expired backups', D.garbageCollectionFrequencyMs))
    .addOption(new Option('--resource-timeout <duration>', 'how long to wait for resource processes which are not covered by other timeouts').default(D.resourceTimeout))
    .addOption(duration('terminating-resource-timeout', 'how long to wait on persistent volumes and namespaces to terminate during a restore', D.terminatingResourceTimeoutMs))
    .addOption(new Option('--concurrent-backups <n>', 'the number of backups that may run at once').argParser(int('--concurrent-backups')).default(D.concurrentBackups))
    .addOption(new Option('--concurrent-restores <n>', 'the number of restores that may run at once (restores into the same namespaces never overlap)').argParser(int('--concurrent-restores')).default(D.concurrentRestores))
    .addOption(new Option('--leader-elect [bool]', 'elect a leader on a Lease before working, so that several replicas can run; false runs at once').argParser(boolArg).default(D.leaderElect))
    .addOption(new Option('--leader-elect-resource-name <name>', 'name of the Lease in the server namespace').default(D.leaderElectResourceName))
    .addOption(duration('leader-elect-lease-duration', 'how long a leader holds the lease without renewing it; a standby takes over after this', D.leaderElectLeaseDurationMs))
    .addOption(duration('leader-elect-renew-deadline', 'the leader stops working when it could not renew the lease for this long', D.leaderElectRenewDeadlineMs))
    .addOption(duration('leader-elect-retry-period', 'how often the leader renews and standbys retry', D.leaderElectRetryPeriodMs))
    .addOption(new Option('--client-qps <qps>', 'an optional client-side rate limit for Kubernetes API requests; 0 (the default) leaves pacing to the API server').argParser(Number).default(D.clientQps))
    .addOption(new Option('--client-burst <n>', 'burst for --client-qps').argParser(int('--client-burst')).default(D.clientBurst))
    .addOption(new Option('--client-page-size <n>', 'page size of LIST requests during backups; 0 disables paging').argParser(int('--client-page-size')).default(D.clientPageSize))
    .addOption(new Option('--max-concurrent-k8s-connections <n>', 'Kubernetes API requests in flight at once').argParser(int('--max-concurrent-k8s-connections')).default(64))
    .addOption(new Option('--item-block-worker-count <n>', 'resource types collected at once during a backup').argParser(int('--item-block-worker-count')).default(D.itemBlockWorkerCount))
    .addOption(new Option('--default-volumes-to-fs-backup [bool]', 'back up all pod volumes with file-system backup by default').argParser(boolArg).default(false))
    .addOption(new Option('--default-snapshot-move-data [bool]', 'move CSI snapshot data by default').argParser(boolArg).default(false))
    .addOption(new Option('--default-item-operation-timeout <duration>', 'how long to wait on asynchronous item operations by default').default(D.defaultItemOperationTimeout))
    .addOption(new Option('--disable-controllers <names>', 'controllers not to run (comma-separated)').argParser(commaListArg).default([] as string[]))
    .addOption(new Option('--restore-resource-priorities <list>', 'the order in which resource types are restored'))
    .addOption(new Option('--uploader-type <type>', 'the uploader for pod volume data').default('kopia'))
    .addOption(new Option('--fs-backup-timeout <duration>', 'how long pod volume file-system backups and restores may take').default('4h0m0s'))
    .addOption(new Option('--plugin-dir <dir>', 'directory of Velero plugins (not used: Skiff has its plugins built in)').default('/plugins'))
    .addOption(new Option('--profiler-address <address>', 'accepted for compatibility; Skiff has no pprof endpoint').default('localhost:6060'))
    .addOption(new Option('--default-volume-snapshot-locations <list>', 'provider:location pairs'))
    .addOption(new Option('--volume-group-snapshot-label-key <key>', 'label key that groups PVCs into a volume group snapshot').default('velero.io/volume-group'))
    .addOption(new Option('--backup-repository-configmap <name>', 'name of the backup repository ConfigMap'))
    .addOption(new Option('--repo-maintenance-job-configmap <name>', 'name of the repository maintenance job ConfigMap'))
    .addOption(new Option('--default-repo-maintain-frequency <duration>', 'how often repository maintenance runs'))
    .addOption(new Option('--item-operation-sync-frequency <duration>', 'how often asynchronous item operations are checked'))
    .addOption(new Option('--disable-informer-cache [bool]', 'accepted for compatibility').argParser(boolArg))
    .addOption(new Option('--schedule-skip-immediately [bool]', 'skip the first scheduled backup after a schedule is created or unpaused').argParser(boolArg))
    .addOption(new Option('--restore-only [bool]', 'deprecated: run only restore controllers').argParser(boolArg))
    .action(async (_opts, self) => {
      const opts = self.opts() as unknown as ServerFlags;
      const g = resolveGlobals(self, ctx);
      if (opts.uploaderType !== 'kopia') throw new UsageError(`invalid argument "${opts.uploaderType}" for "--uploader-type" flag: only kopia is supported`);
      const config: ServerConfig = {
        ...D,
        namespace: g.namespace,
        kubeconfig: g.kubeconfig,
        kubecontext: g.kubecontext,
        features: g.features,
        logLevel: opts.logLevel,
        logFormat: opts.logFormat,
        metricsAddress: opts.metricsAddress,
        defaultBackupStorageLocation: opts.defaultBackupStorageLocation,
        backupSyncPeriodMs: opts.backupSyncPeriod,
        storeValidationFrequencyMs: opts.storeValidationFrequency,
        defaultBackupTTL: opts.defaultBackupTtl,
        garbageCollectionFrequencyMs: opts.garbageCollectionFrequency,
        resourceTimeout: opts.resourceTimeout,
        terminatingResourceTimeoutMs: opts.terminatingResourceTimeout,
        concurrentBackups: opts.concurrentBackups,
        concurrentRestores: opts.concurrentRestores,
        leaderElect: opts.leaderElect !== false,
        leaderElectResourceName: opts.leaderElectResourceName,
        leaderElectLeaseDurationMs: opts.leaderElectLeaseDuration,
        leaderElectRenewDeadlineMs: opts.leaderElectRenewDeadline,
        leaderElectRetryPeriodMs: opts.leaderElectRetryPeriod,
        clientQps: opts.clientQps,
        clientBurst: opts.clientBurst,
        clientPageSize: opts.clientPageSize,
        maxInFlight: opts.maxConcurrentK8sConnections,
        itemBlockWorkerCount: opts.itemBlockWorkerCount,
        defaultVolumesToFsBackup: opts.defaultVolumesToFsBackup === true,
        defaultSnapshotMoveData: opts.defaultSnapshotMoveData === true,
        defaultItemOperationTimeout: opts.defaultItemOperationTimeout,
        disabledControllers: opts.restoreOnly ? [...opts.disableControllers, 'backup', 'schedule', 'gc'] : opts.disableControllers,
        restoreResourcePriorities: opts.restoreResourcePriorities,
        scheduleSkipImmediately: opts.scheduleSkipImmediately === true,
      };
      await runServer({ config, env: ctx.env, homeDir: ctx.homeDir, write: (line) => void ctx.stderr.write(`${line}\n`) });
    });
  return cmd;
}
