/** @module cli/commands/backup/describe-fetch — gathers what `backup describe` shows: related objects and sidecar files. */
import {
  LABEL_BACKUP_NAME,
  LABEL_BACKUP_UID,
  LABEL_RESTORE_NAME,
  labelSafeName,
  VeleroResources,
  type Backup,
  type DeleteBackupRequest,
  type DownloadTargetKind,
  type PodVolumeBackup,
  type PodVolumeRestore,
} from '../../../api/index.ts';
import type { KubeClient } from '../../../kube/index.ts';
import type { OutputStream } from '../../context.ts';
import { DownloadTimeoutError, downloadJson } from '../../download.ts';
import { apiMessage } from './common.ts';
import {
  MISSING,
  SKIPPED,
  type BackupDescribeInput,
  type BackupOperation,
  type Fetched,
  type NativeSnapshot,
  type PodVolumeEntry,
  type ResourceListFile,
  type ResultsFile,
  type VolumeInfo,
} from './describe-types.ts';

/** Velero's describe waits 30s for each file. */
export const DESCRIBE_DOWNLOAD_TIMEOUT_MS = 30_000;

/** Phases in which the server has written nothing to the bucket yet: asking would only wait. */
const NOTHING_UPLOADED = new Set(['', 'New', 'Queued', 'ReadyToStart', 'FailedValidation']);

export interface DescribeFetchOptions {
  client: KubeClient;
  namespace: string;
  details: boolean;
  colorized: boolean;
  timeoutMs?: number;
  insecureSkipTlsVerify?: boolean;
  caCertFile?: string;
  /** Warnings (a list that failed, a server that did not answer) go here, as velero prints them on stderr. */
  stderr: OutputStream;
  /** The kind described, for the warning when the server does not answer; default Backup. */
  kind?: 'Backup' | 'Restore';
}

/**
 * Downloads sidecars for one describe run. After one timeout the server is taken as absent and later files
 * are not asked for, so describing several backups without a server costs one timeout, not one per file.
 */
export class SidecarFetcher {
  readonly #opts: DescribeFetchOptions;
  #unavailable: string | undefined;

  constructor(opts: DescribeFetchOptions) {
    this.#opts = opts;
  }

  async fetch<T>(kind: DownloadTargetKind, name: string): Promise<Fetched<T>> {
    if (this.#unavailable !== undefined) return { state: 'error', message: this.#unavailable };
    const o = this.#opts;
    try {
      const value = await downloadJson<T>({
        client: o.client,
        namespace: o.namespace,
        kind,
        name,
        timeoutMs: o.timeoutMs ?? DESCRIBE_DOWNLOAD_TIMEOUT_MS,
        ...(o.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
        ...(o.caCertFile ? { caCertFile: o.caCertFile } : {}),
      });
      return value === undefined ? MISSING : { state: 'ok', value };
    } catch (err) {
      const message = apiMessage(err);
      if (err instanceof DownloadTimeoutError) {
        this.#unavailable = message;
        o.stderr.write(`Warning: ${message}. Showing only what the ${o.kind ?? 'Backup'} object records.\n`);
      }
      return { state: 'error', message };
    }
  }
}

async function listDeleteRequests(o: DescribeFetchOptions, b: Backup): Promise<DeleteBackupRequest[]> {
  const selector = `${LABEL_BACKUP_NAME}=${labelSafeName(b.metadata.name ?? '')},${LABEL_BACKUP_UID}=${b.metadata.uid ?? ''}`;
  try {
    return (await o.client.list<DeleteBackupRequest>(VeleroResources.deleteBackupRequests, { namespace: o.namespace, labelSelector: selector })).items;
  } catch (err) {
    o.stderr.write(`error getting DeleteBackupRequests for backup ${b.metadata.name ?? ''}: ${apiMessage(err)}\n`);
    return [];
  }
}

/**
 * The PodVolumeBackups of a backup or the PodVolumeRestores of a restore (labelled with its name), as describe
 * entries; a failed list is reported on stderr and shows as none.
 */
export async function listPodVolumes(o: DescribeFetchOptions, owner: 'backup' | 'restore', name: string): Promise<PodVolumeEntry[]> {
  const [resource, label, plural] =
    owner === 'backup'
      ? [VeleroResources.podVolumeBackups, LABEL_BACKUP_NAME, 'PodVolumeBackups']
      : [VeleroResources.podVolumeRestores, LABEL_RESTORE_NAME, 'PodVolumeRestores'];
  try {
    const list = await o.client.list<PodVolumeBackup | PodVolumeRestore>(resource, { namespace: o.namespace, labelSelector: `${label}=${labelSafeName(name)}` });
    return list.items.map((p) => ({
      podNamespace: p.spec?.pod?.namespace ?? '',
      podName: p.spec?.pod?.name ?? '',
      volume: p.spec?.volume ?? '',
      phase: p.status?.phase ?? '',
      uploaderType: p.spec?.uploaderType ?? '',
      ...(p.status?.progress?.bytesDone !== undefined ? { bytesDone: p.status.progress.bytesDone } : {}),
      ...(p.status?.progress?.totalBytes !== undefined ? { totalBytes: p.status.progress.totalBytes } : {}),
    }));
  } catch (err) {
    o.stderr.write(`error getting ${plural} for ${owner} ${name}: ${apiMessage(err)}\n`);
    return [];
  }
}

/** Pod volumes recorded in the volume-info file, for when no PodVolumeBackup objects are in the cluster. */
export function podVolumesFromInfos(infos: readonly VolumeInfo[]): PodVolumeEntry[] {
  return infos
    .filter((i) => i.backupMethod === 'PodVolumeBackup' && i.pvbInfo !== undefined)
    .map((i) => ({
      podNamespace: i.pvbInfo?.podNamespace ?? '',
      podName: i.pvbInfo?.podName ?? '',
      volume: i.pvbInfo?.volumeName ?? '',
      phase: i.pvbInfo?.Phase ?? (i.result === 'succeeded' ? 'Completed' : i.result === 'failed' ? 'Failed' : ''),
      uploaderType: i.pvbInfo?.uploaderType ?? '',
    }));
}

/** Everything renderBackupDescription needs for one backup. */
export async function gatherDescribeInput(o: DescribeFetchOptions, files: SidecarFetcher, b: Backup): Promise<BackupDescribeInput> {
  const name = b.metadata.name ?? '';
  const s = b.status ?? {};
  const uploaded = !NOTHING_UPLOADED.has(s.phase ?? '');
  const get = <T>(kind: DownloadTargetKind, wanted: boolean): Promise<Fetched<T>> => (!wanted ? Promise.resolve(SKIPPED) : uploaded ? files.fetch<T>(kind, name) : Promise.resolve(MISSING));
  const [deleteRequests, crPodVolumes] = await Promise.all([listDeleteRequests(o, b), listPodVolumes(o, 'backup', b.metadata.name ?? '')]);
  const results = await get<ResultsFile>('BackupResults', (s.warnings ?? 0) > 0 || (s.errors ?? 0) > 0);
  const volumeInfos = await get<VolumeInfo[]>('BackupVolumeInfos', true);
  const itemOperations = await get<BackupOperation[]>(
    'BackupItemOperations',
    o.details && (s.backupItemOperationsAttempted ?? 0) > 0,
  );
  const resourceList = await get<ResourceListFile>('BackupResourceList', o.details);
  const nativeSnapshots = await get<NativeSnapshot[]>(
    'BackupVolumeSnapshots',
    volumeInfos.state === 'missing' && (s.volumeSnapshotsAttempted ?? 0) > 0,
  );
  const podVolumes = crPodVolumes.length > 0 || volumeInfos.state !== 'ok' ? crPodVolumes : podVolumesFromInfos(volumeInfos.value);
  return { backup: b, details: o.details, colorized: o.colorized, deleteRequests, podVolumes, results, resourceList, volumeInfos, itemOperations, nativeSnapshots };
}
