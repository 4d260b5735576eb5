/** @module cli/commands/backup/build — the Backup `skiff backup create` sends, built from its flags without touching a cluster. */
import { newBackup, validate, formatFieldErrors, type Backup, type BackupSpec, type LabelSelector, type Schedule } from '../../../api/index.ts';
import type { ObjectMeta } from '../../../kube/index.ts';
import { namespaceListErrors } from '../../../backup/list-rules.ts';
import { backupFromSchedule, timestampedName } from '../../../schedule/index.ts';
import { formatGoDuration } from '../../../util/duration.ts';

// The name and metadata of a backup made from a schedule live with schedules (the controller makes them too).
export { timestampedName };

/**
 * The flags of `backup create` after parsing. Absent means "not given": string lists and tri-state bools
 * stay out of the spec then, so the server applies its defaults, as with velero.
 */
export interface BackupCreateOptions {
  name?: string;
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  includeResources?: string[];
  excludeResources?: string[];
  includeClusterScopedResources?: string[];
  excludeClusterScopedResources?: string[];
  includeNamespaceScopedResources?: string[];
  excludeNamespaceScopedResources?: string[];
  includeClusterResources?: boolean;
  selector?: LabelSelector;
  orSelector?: LabelSelector[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Milliseconds; 0 or absent means "server default" and is sent as `0s`, as velero sends it. */
  ttlMs?: number;
  csiSnapshotTimeoutMs?: number;
  itemOperationTimeoutMs?: number;
  storageLocation?: string;
  volumeSnapshotLocations?: string[];
  snapshotVolumes?: boolean;
  snapshotMoveData?: boolean;
  defaultVolumesToFsBackup?: boolean;
  dataMover?: string;
  orderedResources?: Record<string, string>;
  resourcePoliciesConfigmap?: string;
  parallelFilesUpload?: number;
  fromSchedule?: string;
}

export interface BuildContext {
  /** The server namespace the Backup lives in. */
  namespace: string;
  /** The Schedule named by `--from-schedule`, fetched by the caller. */
  schedule?: Schedule;
  /** For the default name of a backup made from a schedule. */
  now?: Date;
}

/** Thrown for flag combinations velero refuses before talking to the server; the message names the flags. */
export class CreateFlagError extends Error {
  override readonly name = 'CreateFlagError';
}

const OLD_FILTERS = '--include-resources, --exclude-resources and --include-cluster-resources';
const NEW_FILTERS =
  '--include-cluster-scoped-resources, --exclude-cluster-scoped-resources, --include-namespace-scoped-resources and --exclude-namespace-scoped-resources';

function usesOldFilters(o: BackupCreateOptions): boolean {
  return o.includeResources !== undefined || o.excludeResources !== undefined || o.includeClusterResources !== undefined;
}

function usesNewFilters(o: BackupCreateOptions): boolean {
  return (
    o.includeClusterScopedResources !== undefined ||
    o.excludeClusterScopedResources !== undefined ||
    o.includeNamespaceScopedResources !== undefined ||
    o.excludeNamespaceScopedResources !== undefined
  );
}

/** `-l` and `--or-selector` exclude each other, for backups and restores alike. */
export function selectorFlagProblem(o: { selector?: unknown; orSelector?: unknown }): string | undefined {
  if (o.selector !== undefined && o.orSelector !== undefined) return "either a '--selector' or an '--or-selector' can be specified, but not both";
  return undefined;
}

/** Velero's namespace-list rules, worded with the flags' names instead of the spec fields'. */
export function namespaceFlagProblem(includes: readonly string[] | undefined, excludes: readonly string[] | undefined): string | undefined {
  const nsErrors = namespaceListErrors(includes ?? ['*'], excludes ?? []);
  if (nsErrors.length === 0) return undefined;
  return nsErrors.map((e) => e.replace(/spec\.includedNamespaces/g, '--include-namespaces').replace(/spec\.excludedNamespaces/g, '--exclude-namespaces')).join('\n');
}

/** Velero's client-side checks, in its order; the first problem, or undefined. */
export function createFlagProblem(o: BackupCreateOptions): string | undefined {
  const selectors = selectorFlagProblem(o);
  if (selectors !== undefined) return selectors;
  if (o.fromSchedule !== undefined && o.fromSchedule.trim() === '') return 'flag must have a non-empty value: --from-schedule';
  if (o.fromSchedule === undefined && (o.name === undefined || o.name === '')) {
    return 'a backup name is required, unless you are creating based on a schedule';
  }
  const namespaces = namespaceFlagProblem(o.includeNamespaces, o.excludeNamespaces);
  if (namespaces !== undefined) return namespaces;
  if (usesOldFilters(o) && usesNewFilters(o)) {
    return `${OLD_FILTERS} are old filter parameters.\n${NEW_FILTERS} are new filter parameters.\nThey cannot be used together`;
  }
  return undefined;
}

/** Builds the spec in Velero's field order, so `-o json` reads like velero's (a schedule's template too). */
export function specFromFlags(o: BackupCreateOptions): BackupSpec {
  const spec: BackupSpec = { metadata: {}, includedNamespaces: o.includeNamespaces ?? ['*'] };
  const lists = [
    ['excludedNamespaces', o.excludeNamespaces],
    ['includedResources', o.includeResources],
    ['excludedResources', o.excludeResources],
    ['includedClusterScopedResources', o.includeClusterScopedResources],
    ['excludedClusterScopedResources', o.excludeClusterScopedResources],
    ['includedNamespaceScopedResources', o.includeNamespaceScopedResources],
    ['excludedNamespaceScopedResources', o.excludeNamespaceScopedResources],
  ] as const;
  for (const [field, value] of lists) if (value !== undefined) spec[field] = [...value];
  if (o.selector !== undefined) spec.labelSelector = o.selector;
  if (o.orSelector !== undefined) spec.orLabelSelectors = o.orSelector;
  if (o.snapshotVolumes !== undefined) spec.snapshotVolumes = o.snapshotVolumes;
  spec.ttl = formatGoDuration(o.ttlMs ?? 0);
  if (o.includeClusterResources !== undefined) spec.includeClusterResources = o.includeClusterResources;
  spec.hooks = {};
  if (o.storageLocation) spec.storageLocation = o.storageLocation;
  if (o.volumeSnapshotLocations !== undefined && o.volumeSnapshotLocations.length > 0) spec.volumeSnapshotLocations = [...o.volumeSnapshotLocations];
  if (o.defaultVolumesToFsBackup !== undefined) spec.defaultVolumesToFsBackup = o.defaultVolumesToFsBackup;
  if (o.orderedResources !== undefined) spec.orderedResources = { ...o.orderedResources };
  spec.csiSnapshotTimeout = formatGoDuration(o.csiSnapshotTimeoutMs ?? 0);
  spec.itemOperationTimeout = formatGoDuration(o.itemOperationTimeoutMs ?? 0);
  if (o.resourcePoliciesConfigmap) spec.resourcePolicy = { kind: 'configmap', name: o.resourcePoliciesConfigmap };
  if (o.snapshotMoveData !== undefined) spec.snapshotMoveData = o.snapshotMoveData;
  if (o.dataMover) spec.datamover = o.dataMover;
  if (o.parallelFilesUpload !== undefined && o.parallelFilesUpload > 0) spec.uploaderConfig = { parallelFilesUpload: o.parallelFilesUpload };
  return spec;
}

function withUserMeta(meta: ObjectMeta, o: BackupCreateOptions): ObjectMeta {
  const labels = { ...(meta.labels ?? {}), ...(o.labels ?? {}) };
  const annotations = { ...(meta.annotations ?? {}), ...(o.annotations ?? {}) };
  const out: ObjectMeta = { ...meta };
  delete out.labels;
  delete out.annotations;
  if (Object.keys(labels).length > 0) out.labels = labels;
  if (Object.keys(annotations).length > 0) out.annotations = annotations;
  return out;
}

/**
 * The Backup `backup create` would send. Pure: the caller fetched the schedule for `--from-schedule`.
 * Throws CreateFlagError for flag combinations velero refuses.
 */
export function buildBackup(o: BackupCreateOptions, ctx: BuildContext): Backup {
  const problem = createFlagProblem(o);
  if (problem !== undefined) throw new CreateFlagError(problem);
  if (o.fromSchedule !== undefined) {
    const schedule = ctx.schedule;
    if (schedule === undefined || schedule.metadata.name !== o.fromSchedule.trim()) {
      throw new Error(`buildBackup: the schedule "${o.fromSchedule}" must be fetched first`);
    }
    const name = o.name || timestampedName(o.fromSchedule.trim(), ctx.now ?? new Date());
    const backup = backupFromSchedule(schedule, name, ctx.namespace);
    return nameFirst({ ...backup, metadata: withUserMeta(backup.metadata, o) });
  }
  return nameFirst(newBackup(o.name ?? '', ctx.namespace, specFromFlags(o), withUserMeta({}, o)));
}

/** Name and namespace lead the metadata, as in velero's and kubectl's output. */
export function nameFirst<T extends { metadata: ObjectMeta }>(obj: T): T {
  const { name, namespace, ...rest } = obj.metadata;
  return { ...obj, metadata: { name, namespace, ...rest } };
}

/** The schema check every object the CLI sends passes; throws with every field error. */
export function sendable<T>(kind: 'Backup' | 'Restore' | 'Schedule', obj: T): T {
  const result = validate(kind, obj);
  if (!result.valid) throw new Error(`the ${kind.toLowerCase()} would be invalid:\n${formatFieldErrors(result.errors)}`);
  return obj;
}

/** buildBackup, then the schema check every object we send passes; throws with every field error. */
export function buildValidBackup(o: BackupCreateOptions, ctx: BuildContext): Backup {
  return sendable('Backup', buildBackup(o, ctx));
}
