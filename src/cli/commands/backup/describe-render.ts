/** @module cli/commands/backup/describe-render — `backup describe` text from a Backup and its fetched files (pure). */
import type { Backup, BackupResourceHookSpec, BackupSpec } from '../../../api/index.ts';
import type { ObjectMeta } from '../../../kube/index.ts';
import { DescribeWriter } from '../../output/describe.ts';
import { colour } from './common.ts';
import type { BackupDescribeInput, Fetched, ResultBucket, ResultsFile } from './describe-types.ts';
import { describeStatus } from './describe-status.ts';
import { formatSelector } from './table.ts';

const NONE = '<none>';

/** velero's BoolPointerString: three words for false, true and unset. */
export function triState(value: boolean | null | undefined, no: string, yes: string, unset: string): string {
  if (value === null || value === undefined) return unset;
  return value ? yes : no;
}

export function joined(list: readonly string[] | null | undefined, empty: string): string {
  return list && list.length > 0 ? list.join(', ') : empty;
}

/** `Key:  first` then each further entry on its own line, aligned under the first (DescribeMap). */
export function describeMap(d: DescribeWriter, key: string, map: Record<string, string> | null | undefined): void {
  const keys = Object.keys(map ?? {}).sort();
  if (keys.length === 0) {
    d.line(key, NONE);
    return;
  }
  keys.forEach((k, i) => (i === 0 ? d.line(key, `${k}=${map?.[k] ?? ''}`) : d.text(`${k}=${map?.[k] ?? ''}`, 1)));
}

export function describeMetadata(d: DescribeWriter, meta: ObjectMeta, colorized: boolean): void {
  d.line('Name', colour(colorized, 'bold', meta.name ?? ''));
  d.line('Namespace', meta.namespace ?? '');
  describeMap(d, 'Labels', meta.labels);
  describeMap(d, 'Annotations', meta.annotations);
}

/**
 * The `Phase:` value of a backup or restore: green when Completed, red when it failed, with a pointer to the
 * logs after Failed and PartiallyFailed. `suffix` (a restore's " (Deleting)") is painted with the phase.
 */
export function phaseText(noun: 'backup' | 'restore', name: string, phase: string, colorized: boolean, suffix = ''): string {
  const text = `${phase}${suffix}`;
  const painted =
    phase === 'Completed' ? colour(colorized, 'green', text) : ['FailedValidation', 'PartiallyFailed', 'Failed'].includes(phase) ? colour(colorized, 'red', text) : text;
  // Velero quotes the command with backticks for a backup but with single quotes for a restore.
  const q = noun === 'restore' ? "'" : '`';
  const hint = phase === 'Failed' || phase === 'PartiallyFailed' ? ` (run ${q}skiff ${noun} logs ${name}${q} for more information)` : '';
  return `${painted}${hint}`;
}

function describePhase(d: DescribeWriter, b: Backup, colorized: boolean): void {
  const phase = b.status?.phase || 'New';
  d.line('Phase', phaseText('backup', b.metadata.name ?? '', phase, colorized));
  if (phase === 'Queued' && b.status?.queuePosition) d.line('Queue position', b.status.queuePosition);
}

/** `Validation errors:` with the first error beside it and the rest aligned below, in red. */
export function describeValidationErrors(d: DescribeWriter, errors: readonly string[], colorized: boolean): void {
  errors.forEach((e, i) => (i === 0 ? d.line('Validation errors', colour(colorized, 'red', e)) : d.text(colour(colorized, 'red', e), 1)));
}

/**
 * A list with its first entry beside the key and the rest below it (DescribeSlice). Velero prints an empty
 * list as an extra empty column before `<none>`: two more spaces, reproduced here.
 */
function describeSlice(d: DescribeWriter, indent: number, key: string, list: readonly string[] | null | undefined): void {
  if (!list || list.length === 0) {
    d.line(key, `  ${NONE}`, indent);
    return;
  }
  list.forEach((item, i) => (i === 0 ? d.line(key, item, indent) : d.text(item, indent + 1)));
}

function describeResult(d: DescribeWriter, title: string, r: ResultBucket | undefined): void {
  d.heading(title);
  describeSlice(d, 1, 'Velero', r?.velero);
  describeSlice(d, 1, 'Cluster', r?.cluster);
  const namespaces = Object.keys(r?.namespaces ?? {}).sort();
  if (namespaces.length === 0) {
    d.text(`Namespaces: ${NONE}`, 1);
    return;
  }
  d.heading('Namespaces', 1);
  for (const ns of namespaces) describeSlice(d, 2, ns, r?.namespaces?.[ns]);
}

/** The warning and error counts a Backup or Restore status records. */
export interface ResultCounts {
  warnings?: number;
  errors?: number;
}

/** Warnings and errors from the results file; only the counts when it is missing or unreachable. */
export function describeResults(d: DescribeWriter, counts: ResultCounts | null | undefined, results: Fetched<ResultsFile>): void {
  const warnings = counts?.warnings ?? 0;
  const errors = counts?.errors ?? 0;
  if (warnings === 0 && errors === 0) return;
  d.blank();
  if (results.state !== 'ok') {
    d.line('Errors', errors);
    d.line('Warnings', warnings);
    return;
  }
  if (warnings > 0) describeResult(d, 'Warnings', results.value.warnings);
  if (warnings > 0 && errors > 0) d.blank();
  if (errors > 0) describeResult(d, 'Errors', results.value.errors);
}

function describeResources(d: DescribeWriter, spec: BackupSpec): void {
  d.heading('Resources');
  const scoped =
    spec.includedClusterScopedResources?.length ||
    spec.excludedClusterScopedResources?.length ||
    spec.includedNamespaceScopedResources?.length ||
    spec.excludedNamespaceScopedResources?.length;
  // Velero's rule: the old filters unless any scoped list is set.
  if (!scoped) {
    d.line('Included', joined(spec.includedResources, '*'), 1);
    d.line('Excluded', joined(spec.excludedResources, NONE), 1);
    d.line('Cluster-scoped', triState(spec.includeClusterResources, 'excluded', 'included', 'auto'), 1);
    return;
  }
  d.line('Included cluster-scoped', joined(spec.includedClusterScopedResources, NONE), 1);
  d.line('Excluded cluster-scoped', joined(spec.excludedClusterScopedResources, NONE), 1);
  d.line('Included namespace-scoped', joined(spec.includedNamespaceScopedResources, '*'), 1);
  d.line('Excluded namespace-scoped', joined(spec.excludedNamespaceScopedResources, NONE), 1);
}

function describeHook(d: DescribeWriter, hook: BackupResourceHookSpec): void {
  d.heading(hook.name, 2);
  d.heading('Namespaces', 3);
  d.line('Included', joined(hook.includedNamespaces, '*'), 4);
  d.line('Excluded', joined(hook.excludedNamespaces, NONE), 4);
  d.blank();
  d.heading('Resources', 3);
  d.line('Included', joined(hook.includedResources, '*'), 4);
  d.line('Excluded', joined(hook.excludedResources, NONE), 4);
  d.blank();
  d.line('Label selector', hook.labelSelector ? formatSelector(hook.labelSelector) : NONE, 3);
  for (const [title, hooks] of [['Pre Exec Hook', hook.pre], ['Post Exec Hook', hook.post]] as const) {
    for (const h of hooks ?? []) {
      d.blank();
      d.heading(title, 3);
      d.line('Container', h.exec.container ?? '', 4);
      d.line('Command', h.exec.command.join(' '), 4);
      d.line('On Error', h.exec.onError ?? '', 4);
      d.line('Timeout', h.exec.timeout ?? '0s', 4);
    }
  }
}

export function describeSpec(d: DescribeWriter, spec: BackupSpec): void {
  d.heading('Namespaces');
  d.line('Included', joined(spec.includedNamespaces, '*'), 1);
  d.line('Excluded', joined(spec.excludedNamespaces, NONE), 1);
  d.blank();
  describeResources(d, spec);
  d.blank();
  d.line('Label selector', spec.labelSelector ? formatSelector(spec.labelSelector) : NONE);
  d.blank();
  d.line('Or label selector', spec.orLabelSelectors?.length ? spec.orLabelSelectors.map(formatSelector).join(' or ') : NONE);
  d.blank();
  d.line('Storage Location', spec.storageLocation ?? '');
  d.blank();
  d.line('Velero-Native Snapshot PVs', triState(spec.snapshotVolumes, 'false', 'true', 'auto'));
  d.line('File System Backup (Default)', triState(spec.defaultVolumesToFsBackup, 'false', 'true', 'auto'));
  d.line('Snapshot Move Data', triState(spec.snapshotMoveData, 'false', 'true', 'auto'));
  d.line('Data Mover', spec.datamover || 'velero');
  d.blank();
  d.line('TTL', spec.ttl ?? '0s');
  d.blank();
  d.line('CSISnapshotTimeout', spec.csiSnapshotTimeout ?? '0s');
  d.line('ItemOperationTimeout', spec.itemOperationTimeout ?? '0s');
  d.blank();
  const hooks = spec.hooks?.resources ?? [];
  if (hooks.length === 0) d.line('Hooks', NONE);
  else {
    d.heading('Hooks');
    d.heading('Resources', 1);
    for (const h of hooks) describeHook(d, h);
  }
  if (spec.orderedResources) {
    d.blank();
    d.heading('OrderedResources');
    for (const k of Object.keys(spec.orderedResources).sort()) d.text(`${k}: ${spec.orderedResources[k] ?? ''}`, 1);
  }
}

/** The describe text of one backup, in velero's section order. */
export function renderBackupDescription(input: BackupDescribeInput): string {
  const { backup: b, colorized } = input;
  const d = new DescribeWriter();
  describeMetadata(d, b.metadata, colorized);
  d.blank();
  describePhase(d, b, colorized);
  const policy = b.spec?.resourcePolicy;
  if (policy) {
    d.blank();
    d.heading('Resource policies');
    d.line('Type', policy.kind, 1);
    d.line('Name', policy.name, 1);
  }
  const parallel = b.spec?.uploaderConfig?.parallelFilesUpload ?? 0;
  if (parallel > 0) {
    d.blank();
    d.heading('Uploader config');
    d.line('Parallel files upload', parallel, 1);
  }
  const validation = b.status?.validationErrors ?? [];
  if (validation.length > 0) {
    d.blank();
    describeValidationErrors(d, validation, colorized);
    d.blank();
  }
  describeResults(d, b.status, input.results);
  d.blank();
  describeSpec(d, b.spec ?? {});
  d.blank();
  describeStatus(d, input);
  return d.render();
}
