/** @module cli/commands/backup/describe-json — `backup describe -o json`: velero's structured describe, from the same inputs as the text. */
import type { BackupSpec } from '../../../api/index.ts';
import { formatTimestamp } from '../../output/time.ts';
import { triState } from './describe-render.ts';
import type { BackupDescribeInput, PodVolumeEntry, ResultBucket } from './describe-types.ts';
import { formatSelector } from './table.ts';

const NONE = '<none>';
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const joined = (list: readonly string[] | null | undefined, empty: string): string => (list && list.length > 0 ? list.join(', ') : empty);

function specJson(spec: BackupSpec): Json {
  const out: { [key: string]: Json } = {
    namespaces: { included: joined(spec.includedNamespaces, '*'), excluded: joined(spec.excludedNamespaces, NONE) },
    resources: {
      included: joined(spec.includedResources, '*'),
      excluded: joined(spec.excludedResources, NONE),
      clusterScoped: triState(spec.includeClusterResources, 'excluded', 'included', 'auto'),
      includedClusterScoped: joined(spec.includedClusterScopedResources, NONE),
      excludedClusterScoped: joined(spec.excludedClusterScopedResources, NONE),
      includedNamespaceScoped: joined(spec.includedNamespaceScopedResources, '*'),
      excludedNamespaceScoped: joined(spec.excludedNamespaceScopedResources, NONE),
    },
    labelSelector: spec.labelSelector ? formatSelector(spec.labelSelector) : NONE,
    orLabelSelectors: spec.orLabelSelectors?.length ? spec.orLabelSelectors.map(formatSelector).join(' or ') : NONE,
    storageLocation: spec.storageLocation ?? '',
    veleroNativeSnapshotPVs: triState(spec.snapshotVolumes, 'false', 'true', 'auto'),
    fileSystemBackupDefault: triState(spec.defaultVolumesToFsBackup, 'false', 'true', 'auto'),
    snapshotMoveData: triState(spec.snapshotMoveData, 'false', 'true', 'auto'),
    dataMover: spec.datamover || 'velero',
    TTL: spec.ttl ?? '0s',
    CSISnapshotTimeout: spec.csiSnapshotTimeout ?? '0s',
    ItemOperationTimeout: spec.itemOperationTimeout ?? '0s',
  };
  const hooks = spec.hooks?.resources ?? [];
  if (hooks.length > 0) {
    const resources: { [key: string]: Json } = {};
    for (const h of hooks) {
      const exec = (list: typeof h.pre): Json =>
        (list ?? []).map((x) => ({ container: x.exec.container ?? '', command: x.exec.command.join(' '), onError: x.exec.onError ?? '', timeout: x.exec.timeout ?? '0s' }));
      resources[h.name] = {
        namespaces: { included: joined(h.includedNamespaces, '*'), excluded: joined(h.excludedNamespaces, NONE) },
        resources: { included: joined(h.includedResources, '*'), excluded: joined(h.excludedResources, NONE) },
        labelSelector: h.labelSelector ? formatSelector(h.labelSelector) : NONE,
        preExecHook: exec(h.pre),
        postExecHook: exec(h.post),
      };
    }
    out['hooks'] = { resources };
  }
  if (spec.orderedResources) out['orderedResources'] = { ...spec.orderedResources };
  return out;
}

function bucketJson(r: ResultBucket | undefined): Json {
  const out: { [key: string]: Json } = {};
  if (r?.velero?.length) out['velero'] = [...r.velero];
  if (r?.cluster?.length) out['cluster'] = [...r.cluster];
  if (r?.namespaces && Object.keys(r.namespaces).length > 0) out['namespaces'] = { ...r.namespaces };
  return out;
}

function statusJson(input: BackupDescribeInput): Json {
  const s = input.backup.status ?? {};
  const time = (t: string | null | undefined, unset: string): string => (t ? formatTimestamp(t) : unset);
  const out: { [key: string]: Json } = {
    backupFormatVersion: s.formatVersion ?? '',
    started: time(s.startTimestamp, '<n/a>'),
    completed: time(s.completionTimestamp, '<n/a>'),
    expiration: time(s.expiration, '<nil>'),
  };
  if (s.progress) {
    const running = s.phase === 'InProgress';
    out[running ? 'estimatedTotalItemsToBeBackedUp' : 'totalItemsToBeBackedUp'] = s.progress.totalItems ?? 0;
    out[running ? 'itemsBackedUpSoFar' : 'itemsBackedUp'] = s.progress.itemsBackedUp ?? 0;
  }
  if (input.details) {
    const list = input.resourceList;
    if (list.state === 'ok') out['resourceList'] = list.value;
    else if (list.state === 'missing') out['errorGettingResourceList'] = '<backup resource list not found>';
    else if (list.state === 'error') out['errorGettingResourceList'] = `<error getting backup resource list: ${list.message}>`;
  }
  if ((s.volumeSnapshotsAttempted ?? 0) > 0) {
    out['veleroNativeSnapshots'] = `${s.volumeSnapshotsCompleted ?? 0} of ${s.volumeSnapshotsAttempted ?? 0} snapshots completed successfully`;
  }
  if (s.hookStatus) out['hooksAttempted'] = s.hookStatus.hooksAttempted ?? 0;
  if (s.hookStatus) out['hooksFailed'] = s.hookStatus.hooksFailed ?? 0;
  return out;
}

function podVolumesJson(entries: readonly PodVolumeEntry[], details: boolean): Json {
  const groups: { [key: string]: Json } = {};
  const group = (phase: string): string => (phase === 'InProgress' ? 'In Progress' : phase === '' ? 'New' : phase);
  for (const e of entries) {
    const g = group(e.phase);
    if (!details) groups[g] = ((groups[g] as number | undefined) ?? 0) + 1;
    else groups[g] = [...((groups[g] as Json[] | undefined) ?? []), { [`${e.podNamespace}/${e.podName}`]: e.volume }];
  }
  return { type: entries[0]?.uploaderType ?? '', podVolumeBackupsDetails: groups };
}

/** The structured describe of one backup (keys sorted, 4-space indent, as velero's encoder writes it). */
export function renderBackupJson(input: BackupDescribeInput): string {
  const b = input.backup;
  const s = b.status ?? {};
  const doc: { [key: string]: Json } = {
    metadata: { name: b.metadata.name ?? '', namespace: b.metadata.namespace ?? '', labels: b.metadata.labels ?? null, annotations: b.metadata.annotations ?? null },
    phase: s.phase ?? '',
    spec: specJson(b.spec ?? {}),
    status: statusJson(input),
  };
  if (b.spec?.resourcePolicy) doc['resourcePolicies'] = { type: b.spec.resourcePolicy.kind, name: b.spec.resourcePolicy.name };
  if ((s.validationErrors ?? []).length > 0) doc['validationErrors'] = [...(s.validationErrors ?? [])];
  if ((s.warnings ?? 0) > 0 || (s.errors ?? 0) > 0) {
    if (input.results.state === 'ok') {
      if ((s.warnings ?? 0) > 0) doc['warnings'] = bucketJson(input.results.value.warnings);
      if ((s.errors ?? 0) > 0) doc['errors'] = bucketJson(input.results.value.errors);
    } else {
      doc['warnings'] = s.warnings ?? 0;
      doc['errors'] = s.errors ?? 0;
    }
  }
  if (input.deleteRequests.length > 0) {
    const failed = input.deleteRequests.filter((r) => r.status?.phase === 'Processed' && (r.status.errors ?? []).length > 0).length;
    doc['deletionAttempts'] = {
      ...(failed > 0 ? { failed } : {}),
      deleteBackupRequests: input.deleteRequests.map((r) => ({
        creationTimestamp: r.metadata.creationTimestamp ? formatTimestamp(r.metadata.creationTimestamp) : '<nil>',
        phase: r.status?.phase ?? '',
        ...((r.status?.errors ?? []).length > 0 ? { errors: [...(r.status?.errors ?? [])] } : {}),
      })),
    };
  }
  if (input.podVolumes.length > 0) doc['podVolumeBackups'] = podVolumesJson(input.podVolumes, input.details);
  return `${JSON.stringify(sortKeys(doc), null, 4)}\n`;
}

/** Go encodes maps with sorted keys. */
function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys(value[k] ?? null);
  return out;
}
