/** @module cli/commands/restore/build — the Restore `skiff restore create` sends, built from its flags without touching a cluster. */
import { InvalidArgumentError } from '@commander-js/extra-typings';
import {
  EXISTING_RESOURCE_POLICIES,
  newRestore,
  type Backup,
  type ExistingResourcePolicy,
  type LabelSelector,
  type Restore,
  type RestoreSpec,
} from '../../../api/index.ts';
import type { ObjectMeta } from '../../../kube/index.ts';
import { formatGoDuration } from '../../../util/duration.ts';
import { nameFirst, namespaceFlagProblem, selectorFlagProblem, sendable, timestampedName } from '../backup/build.ts';
import { splitCsv } from '../backup/flag-values.ts';

/**
 * The flags of `restore create` after parsing. Absent means "not given": lists and tri-state bools stay out of
 * the spec then, so the server applies its defaults, as with velero.
 */
export interface RestoreCreateOptions {
  name?: string;
  fromBackup?: string;
  fromSchedule?: string;
  includeNamespaces?: string[];
  excludeNamespaces?: string[];
  includeResources?: string[];
  excludeResources?: string[];
  namespaceMappings?: Record<string, string>;
  includeClusterResources?: boolean;
  selector?: LabelSelector;
  orSelector?: LabelSelector[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  existingResourcePolicy?: ExistingResourcePolicy;
  statusIncludeResources?: string[];
  statusExcludeResources?: string[];
  restoreVolumes?: boolean;
  preserveNodePorts?: boolean;
  /** Milliseconds; absent or 0 is sent as `0s`, which the server replaces with its default (4h). */
  itemOperationTimeoutMs?: number;
  resourceModifierConfigmap?: string;
  writeSparseFiles?: boolean;
  parallelFilesDownload?: number;
  /** With --from-schedule: restore the newest Completed or PartiallyFailed backup (the caller finds it). */
  allowPartiallyFailed?: boolean;
}

export interface RestoreBuildContext {
  /** The server namespace the Restore lives in. */
  namespace: string;
  /** For the default name. */
  now?: Date;
  /** With --allow-partially-failed: the schedule's backup to restore, sent instead of the schedule's name. */
  scheduleBackup?: string;
}

// A namespace name: a DNS-1123 label.
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function namespaceNameProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name.length > 63) return 'must be no more than 63 characters';
  if (!NAMESPACE_NAME.test(name)) return "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  return undefined;
}

/**
 * `--namespace-mappings src1:dst1,src2:dst2` (CSV entries, so a repeated flag adds more). Both sides must be
 * valid namespace names and a source may be mapped once; commander names the flag in the error.
 */
export function namespaceMappingsArg(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const out = { ...(previous ?? {}) };
  for (const entry of splitCsv(value)) {
    const colon = entry.indexOf(':');
    if (colon < 0) throw new InvalidArgumentError(`"${entry}" is not a mapping: expected source:target`);
    const [source, target] = [entry.slice(0, colon), entry.slice(colon + 1)];
    for (const [side, name] of [['source', source], ['target', target]] as const) {
      const problem = namespaceNameProblem(name);
      if (problem !== undefined) throw new InvalidArgumentError(`${side} namespace "${name}" in "${entry}" ${problem}`);
    }
    if (Object.hasOwn(out, source)) throw new InvalidArgumentError(`namespace "${source}" is mapped more than once`);
    out[source] = target;
  }
  return out;
}

/** `--existing-resource-policy none|update`; an empty value means "not given", as velero reads it. */
export function existingResourcePolicyArg(value: string): ExistingResourcePolicy | undefined {
  if (value === '') return undefined;
  const found = EXISTING_RESOURCE_POLICIES.find((p) => p === value);
  if (found === undefined) throw new InvalidArgumentError(`valid values are ${EXISTING_RESOURCE_POLICIES.join(', ')}`);
  return found;
}

/** Thrown for flag combinations refused before talking to the server; the message names the flags. */
export class RestoreFlagError extends Error {
  override readonly name = 'RestoreFlagError';
}

/** The client-side checks, velero's first; the first problem, or undefined. */
export function restoreFlagProblem(o: RestoreCreateOptions): string | undefined {
  if (!o.fromBackup === !o.fromSchedule) return 'either a backup (--from-backup) or a schedule (--from-schedule) must be specified, but not both';
  const selectors = selectorFlagProblem(o);
  if (selectors !== undefined) return selectors;
  if ((o.parallelFilesDownload ?? 0) < 0) return '--parallel-files-download cannot be negative';
  return namespaceFlagProblem(o.includeNamespaces, o.excludeNamespaces);
}

/** Velero's default name: the backup's or schedule's, then the local time of the machine running the CLI. */
export function defaultRestoreName(o: RestoreCreateOptions, now: Date): string {
  return timestampedName(o.fromSchedule || o.fromBackup || '', now, 'local');
}

/**
 * The schedule's backup --allow-partially-failed restores: the newest by start time whose phase is Completed
 * or PartiallyFailed (a backup never started counts as oldest); undefined when there is none.
 */
export function newestRestorableBackup(backups: readonly Backup[]): Backup | undefined {
  const started = (b: Backup): number => Date.parse(b.status?.startTimestamp ?? '') || 0;
  return [...backups]
    .sort((a, b) => started(b) - started(a))
    .find((b) => b.status?.phase === 'Completed' || b.status?.phase === 'PartiallyFailed');
}

/** The source: the backup, or the schedule the server resolves, or the backup found for the schedule. */
function sourceFields(o: RestoreCreateOptions, ctx: RestoreBuildContext): Pick<RestoreSpec, 'backupName' | 'scheduleName'> {
  if (o.fromSchedule && ctx.scheduleBackup) return { backupName: ctx.scheduleBackup };
  return o.fromSchedule ? { scheduleName: o.fromSchedule } : { backupName: o.fromBackup ?? '' };
}

/** The spec in Velero's field order, so `-o json` reads like velero's. */
function specFromFlags(o: RestoreCreateOptions, ctx: RestoreBuildContext): RestoreSpec {
  const spec: RestoreSpec = { ...sourceFields(o, ctx), includedNamespaces: o.includeNamespaces ?? ['*'] };
  if (o.excludeNamespaces !== undefined) spec.excludedNamespaces = [...o.excludeNamespaces];
  if (o.includeResources !== undefined) spec.includedResources = [...o.includeResources];
  if (o.excludeResources !== undefined) spec.excludedResources = [...o.excludeResources];
  if (o.namespaceMappings !== undefined && Object.keys(o.namespaceMappings).length > 0) spec.namespaceMapping = { ...o.namespaceMappings };
  if (o.selector !== undefined) spec.labelSelector = o.selector;
  if (o.orSelector !== undefined) spec.orLabelSelectors = o.orSelector;
  if (o.restoreVolumes !== undefined) spec.restorePVs = o.restoreVolumes;
  // As velero: the status lists count only when something is included.
  if ((o.statusIncludeResources ?? []).length > 0) {
    spec.restoreStatus = { includedResources: [...(o.statusIncludeResources ?? [])], ...(o.statusExcludeResources ? { excludedResources: [...o.statusExcludeResources] } : {}) };
  }
  if (o.preserveNodePorts !== undefined) spec.preserveNodePorts = o.preserveNodePorts;
  if (o.includeClusterResources !== undefined) spec.includeClusterResources = o.includeClusterResources;
  spec.hooks = {};
  if (o.existingResourcePolicy) spec.existingResourcePolicy = o.existingResourcePolicy;
  spec.itemOperationTimeout = formatGoDuration(o.itemOperationTimeoutMs ?? 0);
  if (o.resourceModifierConfigmap) spec.resourceModifier = { apiGroup: '', kind: 'configmap', name: o.resourceModifierConfigmap };
  // Velero's CLI always sends the object, with only the settings given.
  spec.uploaderConfig = {
    ...(o.writeSparseFiles !== undefined ? { writeSparseFiles: o.writeSparseFiles } : {}),
    ...((o.parallelFilesDownload ?? 0) > 0 ? { parallelFilesDownload: o.parallelFilesDownload } : {}),
  };
  return spec;
}

function metaFromFlags(o: RestoreCreateOptions): ObjectMeta {
  const meta: ObjectMeta = {};
  if (o.labels !== undefined && Object.keys(o.labels).length > 0) meta.labels = { ...o.labels };
  if (o.annotations !== undefined && Object.keys(o.annotations).length > 0) meta.annotations = { ...o.annotations };
  return meta;
}

/**
 * The Restore `restore create` would send. Pure: the caller checked the source and, for
 * --allow-partially-failed, found the schedule's backup. Throws RestoreFlagError for refused flags.
 */
export function buildRestore(o: RestoreCreateOptions, ctx: RestoreBuildContext): Restore {
  const problem = restoreFlagProblem(o);
  if (problem !== undefined) throw new RestoreFlagError(problem);
  const name = o.name || defaultRestoreName(o, ctx.now ?? new Date());
  return nameFirst(newRestore(name, ctx.namespace, specFromFlags(o, ctx), metaFromFlags(o)));
}

/** buildRestore, then the schema check every object we send passes; throws with every field error. */
export function buildValidRestore(o: RestoreCreateOptions, ctx: RestoreBuildContext): Restore {
  return sendable('Restore', buildRestore(o, ctx));
}
