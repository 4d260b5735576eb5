/** @module cli/commands/backup-location/build — the BackupStorageLocation `backup-location create` sends, and its table columns. */
import { newBackupStorageLocation, type BackupStorageLocation, type BackupStorageLocationSpec } from '../../../api/index.ts';
import type { SecretKeySelector } from '../../../api/index.ts';
import type { Column } from '../../output/print.ts';
import { formatTimestamp } from '../../output/time.ts';
import { formatGoDuration } from '../../../util/duration.ts';

export interface LocationCreateOptions {
  name: string;
  provider?: string;
  bucket?: string;
  prefix?: string;
  config?: Record<string, string>;
  labels?: Record<string, string>;
  /** `secretName=key`: at most one pair. */
  credential?: Record<string, string>;
  default?: boolean;
  accessMode?: 'ReadWrite' | 'ReadOnly';
  /** Set only when the flag was given; 0 disables. */
  backupSyncPeriodMs?: number;
  validationFrequencyMs?: number;
  /** The PEM bundle's bytes (the command reads `--cacert FILE`). */
  caCert?: Buffer;
}

/** Velero's checks before anything is sent; the first problem, naming the flag. */
export function locationFlagProblem(o: LocationCreateOptions): string | undefined {
  if (!o.provider) return '--provider is required';
  if (!o.bucket) return '--bucket is required';
  if (o.backupSyncPeriodMs !== undefined && o.backupSyncPeriodMs < 0) return '--backup-sync-period must be non-negative';
  if (o.validationFrequencyMs !== undefined && o.validationFrequencyMs < 0) return '--validation-frequency must be non-negative';
  return credentialProblem(o.credential);
}

export function credentialProblem(credential: Record<string, string> | undefined): string | undefined {
  return credential !== undefined && Object.keys(credential).length > 1 ? '--credential can only contain 1 key/value pair' : undefined;
}

/** `{name: secret, key}` from `--credential secret=key`. */
export function credentialSelector(credential: Record<string, string> | undefined): SecretKeySelector | undefined {
  const [entry] = Object.entries(credential ?? {});
  return entry === undefined ? undefined : { name: entry[0], key: entry[1] };
}

/** The location in velero's field order; optional fields appear only when given. */
export function buildLocation(o: LocationCreateOptions, namespace: string): BackupStorageLocation {
  const objectStorage: BackupStorageLocationSpec['objectStorage'] = { bucket: o.bucket ?? '' };
  if (o.prefix) objectStorage.prefix = o.prefix;
  if (o.caCert && o.caCert.length > 0) objectStorage.caCert = o.caCert.toString('base64');
  const spec = { provider: o.provider ?? '' } as BackupStorageLocationSpec;
  if (o.config && Object.keys(o.config).length > 0) spec.config = { ...o.config };
  const credential = credentialSelector(o.credential);
  if (credential) spec.credential = credential;
  spec.objectStorage = objectStorage;
  if (o.default === true) spec.default = true;
  spec.accessMode = o.accessMode ?? 'ReadWrite';
  if (o.backupSyncPeriodMs !== undefined) spec.backupSyncPeriod = formatGoDuration(o.backupSyncPeriodMs);
  if (o.validationFrequencyMs !== undefined) spec.validationFrequency = formatGoDuration(o.validationFrequencyMs);
  const meta = o.labels && Object.keys(o.labels).length > 0 ? { labels: { ...o.labels } } : {};
  const bsl = newBackupStorageLocation(o.name, namespace, spec, meta);
  const { name, namespace: ns, ...rest } = bsl.metadata;
  return { ...bsl, metadata: { name, namespace: ns, ...rest } };
}

/** NAME PROVIDER BUCKET/PREFIX PHASE LAST VALIDATED ACCESS MODE DEFAULT, with velero's fallbacks. */
export function locationColumns(): Column<BackupStorageLocation>[] {
  return [
    { header: 'Name', value: (l) => l.metadata.name },
    { header: 'Provider', value: (l) => l.spec?.provider },
    {
      header: 'Bucket/Prefix',
      value: (l) => (l.spec?.objectStorage.prefix ? `${l.spec.objectStorage.bucket}/${l.spec.objectStorage.prefix}` : l.spec?.objectStorage.bucket),
    },
    { header: 'Phase', value: (l) => l.status?.phase || 'Unknown' },
    { header: 'Last Validated', value: (l) => (l.status?.lastValidationTime ? formatTimestamp(l.status.lastValidationTime) : 'Unknown') },
    { header: 'Access Mode', value: (l) => l.spec?.accessMode || 'ReadWrite' },
    { header: 'Default', value: (l) => (l.spec?.default === true ? 'true' : '') },
  ];
}
