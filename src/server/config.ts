/** @module server/config: `skiff server` settings — Velero's server flags, their defaults, and validation. */
import { parseGoDuration } from '../util/index.ts';
import { parseMetricsAddress } from '../metrics/index.ts';

export interface ServerConfig {
  /** Namespace the server works in (where its CRs live). */
  namespace: string;
  kubeconfig?: string | undefined;
  kubecontext?: string | undefined;
  features: string[];
  logLevel: string;
  logFormat: 'text' | 'json';
  metricsAddress: string;
  defaultBackupStorageLocation: string;
  backupSyncPeriodMs: number;
  storeValidationFrequencyMs: number;
  defaultBackupTTL: string;
  garbageCollectionFrequencyMs: number;
  resourceTimeout: string;
  terminatingResourceTimeoutMs: number;
  concurrentBackups: number;
  /** Restores run at once (Skiff; Velero runs one); restores into the same namespaces never overlap. */
  concurrentRestores: number;
  /** Leader election on a Lease, so that several replicas can run and one works. */
  leaderElect: boolean;
  leaderElectResourceName: string;
  leaderElectLeaseDurationMs: number;
  leaderElectRenewDeadlineMs: number;
  leaderElectRetryPeriodMs: number;
  /** 0 = no client-side rate limit (Skiff's default; Velero's is 100). */
  clientQps: number;
  clientBurst: number;
  clientPageSize: number;
  /** Kubernetes API requests in flight at once. */
  maxInFlight: number;
  /** Resource types listed at once during a backup. */
  itemBlockWorkerCount: number;
  defaultVolumesToFsBackup: boolean;
  defaultSnapshotMoveData: boolean;
  defaultItemOperationTimeout: string;
  disabledControllers: string[];
  restoreResourcePriorities: string | undefined;
  /** `--schedule-skip-immediately`: a schedule with `spec.skipImmediately` unset skips the run due when it is created or unpaused. */
  scheduleSkipImmediately: boolean;
}

export const CONTROLLER_NAMES = [
  'backup-queue', 'backup', 'backup-operations', 'backup-deletion', 'backup-finalizer', 'backup-sync', 'download-request',
  'gc', 'backup-repo', 'restore', 'restore-operations', 'schedule', 'server-status-request', 'restore-finalizer',
] as const;

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  namespace: 'velero',
  features: [],
  logLevel: 'info',
  logFormat: 'text',
  metricsAddress: ':8085',
  defaultBackupStorageLocation: 'default',
  backupSyncPeriodMs: 60_000,
  storeValidationFrequencyMs: 60_000,
  defaultBackupTTL: '720h0m0s',
  garbageCollectionFrequencyMs: 3_600_000,
  resourceTimeout: '10m0s',
  terminatingResourceTimeoutMs: 600_000,
  concurrentBackups: 1,
  concurrentRestores: 1,
  leaderElect: true,
  leaderElectResourceName: 'skiff-server',
  leaderElectLeaseDurationMs: 15_000,
  leaderElectRenewDeadlineMs: 10_000,
  leaderElectRetryPeriodMs: 2_000,
  clientQps: 0,
  clientBurst: 0,
  clientPageSize: 500,
  maxInFlight: 64,
  itemBlockWorkerCount: 8,
  defaultVolumesToFsBackup: false,
  defaultSnapshotMoveData: false,
  defaultItemOperationTimeout: '4h0m0s',
  disabledControllers: [],
  restoreResourcePriorities: undefined,
  scheduleSkipImmediately: false,
};

/** Problems with a configuration, each naming its flag. */
export function configErrors(c: ServerConfig): string[] {
  const errors: string[] = [];
  if (c.clientQps < 0) errors.push('--client-qps: must not be negative');
  if (c.clientBurst < 0) errors.push('--client-burst: must not be negative');
  if (c.clientPageSize < 0) errors.push('--client-page-size: must not be negative');
  if (!Number.isInteger(c.maxInFlight) || c.maxInFlight < 1) errors.push('--max-concurrent-k8s-connections: must be a positive integer');
  if (!Number.isInteger(c.concurrentBackups) || c.concurrentBackups < 1) errors.push('--concurrent-backups: must be a positive integer');
  if (!Number.isInteger(c.concurrentRestores) || c.concurrentRestores < 1) errors.push('--concurrent-restores: must be a positive integer');
  if (c.leaderElect) {
    if (!(c.leaderElectRenewDeadlineMs < c.leaderElectLeaseDurationMs)) errors.push('--leader-elect-renew-deadline: must be shorter than --leader-elect-lease-duration');
    if (!(c.leaderElectRetryPeriodMs > 0 && c.leaderElectRetryPeriodMs < c.leaderElectRenewDeadlineMs)) errors.push('--leader-elect-retry-period: must be positive and shorter than --leader-elect-renew-deadline');
    if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(c.leaderElectResourceName)) errors.push(`--leader-elect-resource-name: "${c.leaderElectResourceName}" is not a valid object name`);
  }
  if (!Number.isInteger(c.itemBlockWorkerCount) || c.itemBlockWorkerCount < 1) errors.push('--item-block-worker-count: must be a positive integer');
  for (const [flag, value] of [['--default-backup-ttl', c.defaultBackupTTL], ['--resource-timeout', c.resourceTimeout], ['--default-item-operation-timeout', c.defaultItemOperationTimeout]] as const) {
    try {
      parseGoDuration(value);
    } catch {
      errors.push(`${flag}: "${value}" is not a duration`);
    }
  }
  try {
    parseMetricsAddress(c.metricsAddress);
  } catch (err) {
    errors.push((err as Error).message);
  }
  for (const name of c.disabledControllers) {
    if (!(CONTROLLER_NAMES as readonly string[]).includes(name)) errors.push(`--disable-controllers: unknown controller "${name}" (known: ${CONTROLLER_NAMES.join(', ')})`);
  }
  return errors;
}
