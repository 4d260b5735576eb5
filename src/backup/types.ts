/**
 * @module backup/types: the velero.io objects the backup engine reads and writes: the API's own types
 * (src/api) under the names the engine uses, and the parts of a location it needs.
 */
import type { Backup, BackupSpec, BackupStatus } from '../api/index.ts';
import type { KubeObject } from '../kube/index.ts';

export type BackupSpecLike = BackupSpec;
export type BackupStatusLike = BackupStatus;
export type BackupLike = Backup;

export interface LocationLike extends KubeObject {
  spec?: {
    provider?: string;
    default?: boolean;
    accessMode?: string;
    objectStorage?: { bucket?: string; prefix?: string; caCert?: string };
    config?: Record<string, string>;
    [key: string]: unknown;
  };
  status?: { phase?: string; message?: string; [key: string]: unknown };
}
