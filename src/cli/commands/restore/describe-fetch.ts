/** @module cli/commands/restore/describe-fetch — gathers what `restore describe` shows: pod volume restores and the restore's files. */
import type { DownloadTargetKind, Restore } from '../../../api/index.ts';
import { listPodVolumes, type DescribeFetchOptions, type SidecarFetcher } from '../backup/describe-fetch.ts';
import { MISSING, SKIPPED, type Fetched, type ResourceListFile, type RestoreOperation, type ResultsFile } from '../backup/describe-types.ts';
import type { RestoreDescribeInput, RestoreVolumeInfo } from './describe-types.ts';

/** Phases in which the server has written no file of the restore yet: asking would only wait. */
const NOTHING_UPLOADED = new Set(['', 'New', 'FailedValidation', 'InProgress']);

/** Everything renderRestoreDescription needs for one restore. */
export async function gatherRestoreDescribeInput(o: DescribeFetchOptions, files: SidecarFetcher, r: Restore): Promise<RestoreDescribeInput> {
  const name = r.metadata.name ?? '';
  const s = r.status ?? {};
  const uploaded = !NOTHING_UPLOADED.has(s.phase ?? '');
  const get = <T>(kind: DownloadTargetKind, wanted: boolean): Promise<Fetched<T>> => (!wanted ? Promise.resolve(SKIPPED) : uploaded ? files.fetch<T>(kind, name) : Promise.resolve(MISSING));
  const podVolumes = await listPodVolumes(o, 'restore', name);
  const results = await get<ResultsFile>('RestoreResults', (s.warnings ?? 0) > 0 || (s.errors ?? 0) > 0);
  const volumeInfos = await get<RestoreVolumeInfo[]>('RestoreVolumeInfo', true);
  const itemOperations = await get<RestoreOperation[]>('RestoreItemOperations', o.details && (s.restoreItemOperationsAttempted ?? 0) > 0);
  const resourceList = await get<ResourceListFile>('RestoreResourceList', o.details);
  return { restore: r, details: o.details, colorized: o.colorized, podVolumes, results, resourceList, volumeInfos, itemOperations };
}
