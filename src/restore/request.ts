/**
 * @module restore/request: validate and default a Restore the way Velero's controller does before it
 * starts, producing either field-named errors or a resolved request. Everything that can be refused is
 * refused here, before the archive is opened and long before anything is created.
 */
import type { Discovery, KubeObject, LabelSelector } from '../kube/index.ts';
import { IncludesExcludes, namespaceListErrors, oldListErrors, resolveResource, selectorErrors, type BackupLike, type LocationLike } from '../backup/index.ts';
import { formatGoDuration, parseGoDuration } from '../util/index.ts';
import { LABEL_SCHEDULE_NAME as SCHEDULE_NAME_LABEL } from '../api/index.ts';
import { loadResourceModifiersFromConfigMap, type ResourceModifiers } from './modifiers/index.ts';
import type { RestoreHookSpecLike, RestoreLike, RestoreSpecLike } from './types.ts';

/** Resources a restore never creates, whatever the user asks (Velero's non-restorable list). */
export const NON_RESTORABLE_RESOURCES: readonly string[] = [
  'nodes',
  'events',
  'events.events.k8s.io',
  'backups.velero.io',
  'restores.velero.io',
  'resticrepositories.velero.io',
  'csinodes.storage.k8s.io',
  'volumeattachments.storage.k8s.io',
  'backuprepositories.velero.io',
];

const DEFAULT_ITEM_OPERATION_TIMEOUT = '4h0m0s';
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface RestorePrepareContext {
  /** The Backup objects of the server's namespace. */
  backups: readonly BackupLike[];
  locations: readonly LocationLike[];
  discovery: Discovery;
  /** Reads a ConfigMap of the server's namespace (for the resource modifier); undefined when absent. */
  getConfigMap: (name: string) => Promise<KubeObject | undefined>;
  defaults?: { itemOperationTimeout?: string };
}

export type ExistingPolicy = 'none' | 'update' | undefined;

/** What the engine needs, resolved once. */
export interface RestoreRequest {
  name: string;
  backup: BackupLike;
  location: LocationLike;
  namespaces: IncludesExcludes;
  resources: IncludesExcludes;
  includeClusterResources: boolean | undefined;
  labelSelector: LabelSelector | undefined;
  orLabelSelectors: LabelSelector[] | undefined;
  namespaceMapping: Readonly<Record<string, string>>;
  existingPolicy: ExistingPolicy;
  /** Resources whose `.status` is restored; undefined means none. */
  statusResources: IncludesExcludes | undefined;
  restorePVs: boolean | undefined;
  preserveNodePorts: boolean;
  modifiers: ResourceModifiers | undefined;
  hooks: readonly RestoreHookSpecLike[];
}

export type PreparedRestore = { ok: true; restore: RestoreLike; request: RestoreRequest } | { ok: false; restore: RestoreLike; errors: string[] };

export async function prepareRestore(input: RestoreLike, ctx: RestorePrepareContext): Promise<PreparedRestore> {
  const restore = structuredClone(input);
  const spec = (restore.spec ??= {});
  const errors: string[] = [];
  const backup = chooseBackup(spec, ctx.backups, errors);
  const location = backup ? backupLocation(backup, ctx.locations, errors) : undefined;
  if (backup && !spec.scheduleName && backup.metadata.labels?.[SCHEDULE_NAME_LABEL]) spec.scheduleName = backup.metadata.labels[SCHEDULE_NAME_LABEL];

  if (!spec.includedNamespaces?.length) spec.includedNamespaces = ['*'];
  errors.push(...namespaceListErrors(spec.includedNamespaces, spec.excludedNamespaces ?? []));
  const resources = resourceLists(spec, ctx.discovery, errors);
  errors.push(...mappingErrors(spec.namespaceMapping));
  if (spec.labelSelector && spec.orLabelSelectors?.length) errors.push('spec.labelSelector, spec.orLabelSelectors: only one of them may be set');
  if (spec.labelSelector) errors.push(...selectorErrors('spec.labelSelector', spec.labelSelector));
  (spec.orLabelSelectors ?? []).forEach((sel, i) => errors.push(...selectorErrors(`spec.orLabelSelectors[${i}]`, sel)));
  const policy = spec.existingResourcePolicy ?? '';
  if (policy !== '' && policy !== 'none' && policy !== 'update') errors.push(`spec.existingResourcePolicy: "${policy}" is not one of none, update`);
  const statusResources = statusFilter(spec, ctx.discovery, errors);
  errors.push(...hookErrors(spec.hooks?.resources ?? []));
  spec.itemOperationTimeout = itemOperationTimeout(spec.itemOperationTimeout, ctx.defaults?.itemOperationTimeout, errors);
  const modifiers = await resourceModifiers(spec, ctx, errors);

  if (errors.length > 0 || !backup || !location) return { ok: false, restore, errors };
  return {
    ok: true,
    restore,
    request: {
      name: restore.metadata.name!,
      backup,
      location,
      namespaces: new IncludesExcludes(spec.includedNamespaces, spec.excludedNamespaces ?? []),
      resources,
      includeClusterResources: spec.includeClusterResources ?? undefined,
      // Both were checked by selectorErrors above: their operators are the four Kubernetes knows.
      labelSelector: (spec.labelSelector ?? undefined) as LabelSelector | undefined,
      orLabelSelectors: spec.orLabelSelectors?.length ? (spec.orLabelSelectors as LabelSelector[]) : undefined,
      // No prototype: a namespace named "constructor" must not find Object's.
      namespaceMapping: Object.assign(Object.create(null) as Record<string, string>, spec.namespaceMapping),
      existingPolicy: policy === '' ? undefined : (policy as ExistingPolicy),
      statusResources,
      restorePVs: spec.restorePVs ?? undefined,
      preserveNodePorts: spec.preserveNodePorts === true,
      modifiers,
      hooks: spec.hooks?.resources ?? [],
    },
  };
}

/**
 * Exactly one of backupName and scheduleName. A schedule resolves to its newest Completed backup. The
 * backup must have finished with its data in storage: Skiff refuses New, InProgress, Failed and deleting
 * backups (Velero's server does not check, and restores half a backup — docs/adr/0009).
 */
function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = (a[i] ?? '').localeCompare(b[i] ?? '');
    if (c !== 0) return c;
  }
  return 0;
}

function chooseBackup(spec: RestoreSpecLike, backups: readonly BackupLike[], errors: string[]): BackupLike | undefined {
  if (!spec.backupName === !spec.scheduleName) {
    errors.push('spec.backupName, spec.scheduleName: exactly one of them must be set');
    return undefined;
  }
  if (spec.scheduleName) {
    const ofSchedule = backups.filter((b) => b.metadata.labels?.[SCHEDULE_NAME_LABEL] === spec.scheduleName);
    if (ofSchedule.length === 0) {
      errors.push(`spec.scheduleName: schedule "${spec.scheduleName}" has no backups`);
      return undefined;
    }
    // Newest start first; timestamps have one-second resolution, so ties go to the later-created, then to the
    // later name (a schedule's backup names carry their time).
    const newest = (b: BackupLike): string[] => [b.status?.startTimestamp ?? '', b.metadata.creationTimestamp ?? '', b.metadata.name ?? ''];
    const completed = ofSchedule.filter((b) => b.status?.phase === 'Completed').sort((a, b) => compareKeys(newest(b), newest(a)));
    if (!completed[0]) {
      errors.push(`spec.scheduleName: schedule "${spec.scheduleName}" has no Completed backup`);
      return undefined;
    }
    spec.backupName = completed[0].metadata.name!;
    return completed[0];
  }
  const backup = backups.find((b) => b.metadata.name === spec.backupName);
  if (!backup) {
    errors.push(`spec.backupName: backup "${spec.backupName}" does not exist`);
    return undefined;
  }
  const phase = backup.status?.phase || 'New';
  if (backup.metadata.deletionTimestamp) errors.push(`spec.backupName: backup "${spec.backupName}" is being deleted`);
  else if (phase !== 'Completed' && phase !== 'PartiallyFailed') {
    errors.push(`spec.backupName: backup "${spec.backupName}" is ${phase}; only Completed and PartiallyFailed backups can be restored`);
  }
  return backup;
}

function backupLocation(backup: BackupLike, locations: readonly LocationLike[], errors: string[]): LocationLike | undefined {
  const name = backup.spec?.storageLocation ?? '';
  const location = locations.find((l) => l.metadata.name === name);
  if (!location) {
    errors.push(`spec.backupName: the storage location "${name}" of backup "${backup.metadata.name}" does not exist`);
    return undefined;
  }
  if (location.status?.phase !== 'Available') {
    const why = location.status?.message ? `: ${location.status.message}` : '';
    errors.push(`spec.backupName: the storage location "${name}" of backup "${backup.metadata.name}" is ${location.status?.phase ?? 'not yet validated'}${why}`);
  }
  return location;
}

function resourceLists(spec: RestoreSpecLike, discovery: Discovery, errors: string[]): IncludesExcludes {
  const resolve = (list: readonly string[] | null | undefined): string[] => unique((list ?? []).map((r) => resolveResource(r, discovery)));
  const inc = resolve(spec.includedResources);
  const exc = resolve(spec.excludedResources);
  errors.push(...oldListErrors('spec.includedResources', 'spec.excludedResources', inc, exc));
  for (const r of inc) if (NON_RESTORABLE_RESOURCES.includes(r)) errors.push(`spec.includedResources: ${r} cannot be restored`);
  spec.excludedResources = unique([...(spec.excludedResources ?? []), ...NON_RESTORABLE_RESOURCES]);
  return new IncludesExcludes(inc, unique([...exc, ...NON_RESTORABLE_RESOURCES]));
}

function mappingErrors(mapping: Record<string, string> | undefined): string[] {
  const errors: string[] = [];
  for (const [from, to] of Object.entries(mapping ?? {})) {
    for (const [what, ns] of [['source', from], ['target', to]] as const) {
      if (!ns || ns.length > 63 || !NAMESPACE_NAME.test(ns)) errors.push(`spec.namespaceMapping["${from}"]: ${what} namespace "${ns}" is not a valid namespace name`);
    }
  }
  return errors;
}

function statusFilter(spec: RestoreSpecLike, discovery: Discovery, errors: string[]): IncludesExcludes | undefined {
  const s = spec.restoreStatus;
  if (!s) return undefined;
  const inc = unique((s.includedResources ?? []).map((r) => resolveResource(r, discovery)));
  const exc = unique((s.excludedResources ?? []).map((r) => resolveResource(r, discovery)));
  errors.push(...oldListErrors('spec.restoreStatus.includedResources', 'spec.restoreStatus.excludedResources', inc, exc));
  // Status is opt-in through restoreStatus being set at all; once set, an empty include list means every
  // resource (minus the excludes), as Velero's filter reads it. The CLI sets it only when something is included.
  return new IncludesExcludes(inc, exc);
}

function hookErrors(hooks: readonly RestoreHookSpecLike[]): string[] {
  const errors: string[] = [];
  hooks.forEach((h, i) => {
    if (h.labelSelector) errors.push(...selectorErrors(`spec.hooks.resources[${i}].labelSelector`, h.labelSelector));
    errors.push(...namespaceListErrors(h.includedNamespaces ?? [], h.excludedNamespaces ?? []).map((e) => e.replace(/spec\./g, `spec.hooks.resources[${i}].`)));
    (h.postHooks ?? []).forEach((p, j) => {
      (p.init?.initContainers ?? []).forEach((c, k) => {
        const at = `spec.hooks.resources[${i}].postHooks[${j}].init.initContainers[${k}]`;
        if (!c.name) errors.push(`${at}.name: required`);
        if (!c.image) errors.push(`${at}.image: required`);
        if (!Array.isArray(c.command) || c.command.length === 0) errors.push(`${at}.command: required`);
      });
      if (p.exec) errors.push(`spec.hooks.resources[${i}].postHooks[${j}].exec: restore exec hooks are not supported by this Skiff version yet`);
    });
  });
  return errors;
}

function itemOperationTimeout(value: string | undefined, fallback: string | undefined, errors: string[]): string {
  if (!value || value === '0s') return fallback ?? DEFAULT_ITEM_OPERATION_TIMEOUT;
  try {
    return formatGoDuration(parseGoDuration(value));
  } catch {
    errors.push(`spec.itemOperationTimeout: "${value}" is not a duration`);
    return value;
  }
}

async function resourceModifiers(spec: RestoreSpecLike, ctx: RestorePrepareContext, errors: string[]): Promise<ResourceModifiers | undefined> {
  const ref = spec.resourceModifier;
  if (!ref) return undefined;
  if ((ref.kind ?? '').toLowerCase() !== 'configmap') {
    errors.push(`spec.resourceModifier.kind: "${ref.kind ?? ''}" is not supported; only configmap`);
    return undefined;
  }
  if (!ref.name) {
    errors.push('spec.resourceModifier.name: required');
    return undefined;
  }
  const cm = await ctx.getConfigMap(ref.name);
  if (!cm) {
    errors.push(`spec.resourceModifier.name: ConfigMap "${ref.name}" does not exist in the server's namespace`);
    return undefined;
  }
  try {
    return loadResourceModifiersFromConfigMap(cm);
  } catch (err) {
    errors.push(`spec.resourceModifier: ConfigMap "${ref.name}": ${(err as Error).message}`);
    return undefined;
  }
}

function unique<T>(list: readonly T[]): T[] {
  return [...new Set(list)];
}
