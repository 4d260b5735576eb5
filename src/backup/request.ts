/**
 * @module backup/request: validate and default a Backup the way Velero's controller does before it
 * starts (prepareBackupRequest), producing either field-named errors or a resolved request.
 */
import { groupResource, validLabelKey, validLabelValue, type Discovery, type KubeObject, type LabelSelector } from '../kube/index.ts';
import { formatGoDuration, parseGoDuration } from '../util/index.ts';
import { labelSafeName } from '../api/index.ts';
import { IncludesExcludes, OldResourceFilter, ScopedResourceFilter, type ResourceFilter } from './filters.ts';
import { namespaceListErrors, oldListErrors, scopedListErrors } from './list-rules.ts';
import type { BackupLike, LocationLike } from './types.ts';

export const AUTO_EXCLUDED_NAMESPACED = 'volumesnapshots.snapshot.storage.k8s.io';
export const AUTO_EXCLUDED_CLUSTER = 'volumesnapshotcontents.snapshot.storage.k8s.io';

export interface ServerDefaults {
  defaultBackupTTL: string;
  defaultBackupLocation: string;
  defaultVolumesToFsBackup: boolean;
  defaultSnapshotMoveData: boolean;
  csiSnapshotTimeout: string;
  itemOperationTimeout: string;
  resourceTimeout: string;
  volumeGroupSnapshotLabelKey: string;
}

export const SERVER_DEFAULTS: ServerDefaults = {
  defaultBackupTTL: '720h0m0s',
  defaultBackupLocation: 'default',
  defaultVolumesToFsBackup: false,
  defaultSnapshotMoveData: false,
  csiSnapshotTimeout: '10m0s',
  itemOperationTimeout: '4h0m0s',
  resourceTimeout: '10m0s',
  volumeGroupSnapshotLabelKey: 'velero.io/volume-group',
};

export interface PrepareContext {
  locations: readonly LocationLike[];
  discovery: Discovery;
  /** Every Namespace object of the cluster (for the exclude label). */
  namespaces: readonly KubeObject[];
  serverVersion: { gitVersion: string; major: string; minor: string };
  now: Date;
  defaults?: Partial<ServerDefaults>;
}

/** What the engine needs, resolved once. */
export interface BackupRequest {
  name: string;
  location: LocationLike;
  namespaces: IncludesExcludes;
  /** The user asked for every namespace (their own lists; namespaces excluded by label do not count). */
  allNamespaces: boolean;
  resources: ResourceFilter;
  labelSelector: LabelSelector | undefined;
  orLabelSelectors: LabelSelector[] | undefined;
  /** plural resource (no group) → ordered `ns/name` or `name` entries. */
  orderedResources: Map<string, string[]>;
  snapshotVolumes: boolean | undefined;
}

export type Prepared = { ok: true; backup: BackupLike; request: BackupRequest } | { ok: false; backup: BackupLike; errors: string[] };

/**
 * Returns the defaulted Backup (spec completed, labels, annotations and status fields set as Velero
 * sets them) with the resolved request, or every validation error at once.
 */
export function prepareBackup(input: BackupLike, ctx: PrepareContext): Prepared {
  const d = { ...SERVER_DEFAULTS, ...ctx.defaults };
  const backup = structuredClone(input);
  const spec = (backup.spec ??= {});
  const errors: string[] = [];

  const ttl = spec.ttl && spec.ttl !== '0s' ? spec.ttl : d.defaultBackupTTL;
  let ttlMs = 0;
  try {
    ttlMs = parseGoDuration(ttl);
    if (ttlMs < 0) errors.push(`spec.ttl: must not be negative, got "${ttl}"`);
    spec.ttl = formatGoDuration(ttlMs);
  } catch {
    errors.push(`spec.ttl: "${ttl}" is not a duration (examples: 720h, 24h0m0s, 90m)`);
  }
  for (const field of ['csiSnapshotTimeout', 'itemOperationTimeout'] as const) {
    const fallback = field === 'csiSnapshotTimeout' ? d.csiSnapshotTimeout : d.itemOperationTimeout;
    spec[field] = normaliseDuration(spec[field], fallback, `spec.${field}`, errors);
  }
  spec.volumeGroupSnapshotLabelKey ||= d.volumeGroupSnapshotLabelKey;
  if (spec.defaultVolumesToRestic === true) spec.defaultVolumesToFsBackup = true;
  spec.defaultVolumesToFsBackup ??= d.defaultVolumesToFsBackup;
  spec.snapshotMoveData ??= d.defaultSnapshotMoveData;
  unsupported(spec, errors);

  const location = chooseLocation(spec.storageLocation, ctx.locations, d.defaultBackupLocation, errors);
  if (location) spec.storageLocation = location.metadata.name;

  const excludedByLabel = ctx.namespaces.filter((n) => n.metadata.labels?.['velero.io/exclude-from-backup'] === 'true').map((n) => n.metadata.name!);
  const userExcludes = spec.excludedNamespaces ?? [];
  spec.excludedNamespaces = unique([...userExcludes, ...excludedByLabel]);
  if (!spec.includedNamespaces || spec.includedNamespaces.length === 0) spec.includedNamespaces = ['*'];
  errors.push(...namespaceListErrors(spec.includedNamespaces, userExcludes));
  const namespaces = new IncludesExcludes(spec.includedNamespaces, spec.excludedNamespaces);
  // Whether this is an all-namespaces backup is decided on the user's own lists (docs/adr/0008).
  const userNamespaces = new IncludesExcludes(spec.includedNamespaces, userExcludes);

  if (spec.labelSelector && spec.orLabelSelectors?.length) {
    errors.push('spec.labelSelector, spec.orLabelSelectors: only one of them may be set');
  }
  if (spec.labelSelector) errors.push(...selectorErrors('spec.labelSelector', spec.labelSelector));
  (spec.orLabelSelectors ?? []).forEach((sel, i) => errors.push(...selectorErrors(`spec.orLabelSelectors[${i}]`, sel)));
  const resources = resourceFilter(spec, ctx.discovery, userNamespaces, errors);

  stampMetadata(backup, location, ctx, d);
  const status = (backup.status ??= {});
  status.version = 1;
  status.formatVersion = '1.1.0';
  status.expiration = new Date(ctx.now.getTime() + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (errors.length > 0 || !location) return { ok: false, backup, errors };
  return {
    ok: true,
    backup,
    request: {
      name: backup.metadata.name!,
      location,
      namespaces,
      allNamespaces: userNamespaces.includesEverything(),
      resources,
      // Both were checked by selectorErrors above: their operators are the four Kubernetes knows.
      labelSelector: (spec.labelSelector ?? undefined) as LabelSelector | undefined,
      orLabelSelectors: spec.orLabelSelectors?.length ? (spec.orLabelSelectors as LabelSelector[]) : undefined,
      orderedResources: orderedResources(spec.orderedResources ?? undefined),
      snapshotVolumes: spec.snapshotVolumes ?? undefined,
    },
  };
}

function normaliseDuration(value: string | undefined, fallback: string, field: string, errors: string[]): string {
  if (!value || value === '0s') return fallback;
  try {
    return formatGoDuration(parseGoDuration(value));
  } catch {
    errors.push(`${field}: "${value}" is not a duration`);
    return value;
  }
}

/**
 * Features this Skiff version cannot honour yet fail the backup instead of being ignored: a backup
 * that silently skips a quiesce hook or a policy that excludes secrets is worse than no backup.
 */
function unsupported(spec: NonNullable<BackupLike['spec']>, errors: string[]): void {
  if ((spec.hooks?.resources ?? []).length > 0) errors.push('spec.hooks.resources: backup hooks are not supported by this Skiff version yet');
  if (spec.resourcePolicy) errors.push('spec.resourcePolicy: resource policies are not supported by this Skiff version yet');
  if (spec.defaultVolumesToFsBackup) errors.push('spec.defaultVolumesToFsBackup: file-system backup of pod volumes is not available in this Skiff version yet');
  if (spec.snapshotMoveData) errors.push('spec.snapshotMoveData: CSI snapshot data movement is not available in this Skiff version yet');
}

function chooseLocation(named: string | undefined, locations: readonly LocationLike[], serverDefault: string, errors: string[]): LocationLike | undefined {
  const byName = (n: string): LocationLike | undefined => locations.find((l) => l.metadata.name === n);
  let location: LocationLike | undefined;
  if (named) {
    location = byName(named);
    if (!location) errors.push(`spec.storageLocation: backup storage location "${named}" does not exist`);
  } else {
    location = locations.find((l) => l.spec?.default === true) ?? byName(serverDefault);
    if (!location) {
      errors.push(`spec.storageLocation: no storage location was given, none is marked default, and the server default "${serverDefault}" does not exist`);
    }
  }
  if (!location) return undefined;
  if (location.spec?.accessMode === 'ReadOnly') {
    errors.push(`spec.storageLocation: backup storage location "${location.metadata.name}" is read-only; backups cannot be written to it`);
  }
  if (location.status?.phase !== 'Available') {
    const why = location.status?.message ? `: ${location.status.message}` : '';
    errors.push(`spec.storageLocation: backup storage location "${location.metadata.name}" is ${location.status?.phase ?? 'not yet validated'}${why}`);
  }
  return location;
}

function resourceFilter(spec: NonNullable<BackupLike['spec']>, discovery: Discovery, namespaces: IncludesExcludes, errors: string[]): ResourceFilter {
  const resolve = (list: readonly string[] | undefined | null): string[] => unique((list ?? []).map((r) => resolveResource(r, discovery)));
  const usesOld = !!(spec.includedResources?.length || spec.excludedResources?.length || (spec.includeClusterResources !== undefined && spec.includeClusterResources !== null));
  const scoped = [spec.includedClusterScopedResources, spec.excludedClusterScopedResources, spec.includedNamespaceScopedResources, spec.excludedNamespaceScopedResources];
  const userScoped = scoped.some((l) => (l ?? []).some((r) => r !== AUTO_EXCLUDED_CLUSTER && r !== AUTO_EXCLUDED_NAMESPACED));
  if (usesOld && userScoped) {
    errors.push('spec: includedResources/excludedResources/includeClusterResources cannot be combined with the cluster-scoped and namespace-scoped resource filters');
  }
  if (usesOld) {
    const inc = resolve(spec.includedResources);
    const exc = resolve(spec.excludedResources);
    errors.push(...oldListErrors('spec.includedResources', 'spec.excludedResources', inc, exc));
    spec.excludedResources = unique([...(spec.excludedResources ?? []), AUTO_EXCLUDED_NAMESPACED, AUTO_EXCLUDED_CLUSTER]);
    const excAll = unique([...exc, AUTO_EXCLUDED_NAMESPACED, AUTO_EXCLUDED_CLUSTER]);
    return new OldResourceFilter(new IncludesExcludes(inc.filter((r) => !excAll.includes(r)), excAll), spec.includeClusterResources, namespaces);
  }
  const cInc = resolve(spec.includedClusterScopedResources);
  const cExc = resolve(spec.excludedClusterScopedResources).filter((r) => r !== AUTO_EXCLUDED_CLUSTER);
  const nInc = resolve(spec.includedNamespaceScopedResources);
  const nExc = resolve(spec.excludedNamespaceScopedResources).filter((r) => r !== AUTO_EXCLUDED_NAMESPACED);
  errors.push(...scopedListErrors('spec.includedClusterScopedResources', 'spec.excludedClusterScopedResources', cInc, cExc));
  errors.push(...scopedListErrors('spec.includedNamespaceScopedResources', 'spec.excludedNamespaceScopedResources', nInc, nExc));
  const fullBackup = cInc.length === 0 && cExc.length === 0 && namespaces.includesEverything() && nExc.length === 0 && (nInc.length === 0 || nInc.includes('*'));
  spec.excludedClusterScopedResources = unique([...(spec.excludedClusterScopedResources ?? []), AUTO_EXCLUDED_CLUSTER]);
  spec.excludedNamespaceScopedResources = unique([...(spec.excludedNamespaceScopedResources ?? []), AUTO_EXCLUDED_NAMESPACED]);
  return new ScopedResourceFilter({
    cluster: new IncludesExcludes(cInc.filter((r) => r !== AUTO_EXCLUDED_CLUSTER), [...cExc, AUTO_EXCLUDED_CLUSTER]),
    namespaced: new IncludesExcludes(nInc.filter((r) => r !== AUTO_EXCLUDED_NAMESPACED), [...nExc, AUTO_EXCLUDED_NAMESPACED]),
    fullBackup,
  });
}

/** `deploy`, `Deployment`, `deployments.apps` → `deployments.apps`; patterns and unknown names are kept as written. */
export function resolveResource(name: string, discovery: Discovery): string {
  if (name === '*' || /[*?[]/.test(name)) return name;
  const found = discovery.find(name);
  return found ? groupResource(found) : name.toLowerCase();
}

function stampMetadata(backup: BackupLike, location: LocationLike | undefined, ctx: PrepareContext, d: ServerDefaults): void {
  const meta = backup.metadata;
  if (location) meta.labels = { ...meta.labels, 'velero.io/storage-location': labelSafeName(location.metadata.name!) };
  meta.annotations = {
    ...meta.annotations,
    'velero.io/source-cluster-k8s-gitversion': ctx.serverVersion.gitVersion,
    'velero.io/source-cluster-k8s-major-version': ctx.serverVersion.major,
    'velero.io/source-cluster-k8s-minor-version': ctx.serverVersion.minor,
    'velero.io/resource-timeout': d.resourceTimeout,
  };
}

function orderedResources(spec: Record<string, string> | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [resource, list] of Object.entries(spec ?? {})) {
    out.set(resource.toLowerCase(), list.split(',').map((s) => s.trim()).filter(Boolean));
  }
  return out;
}

function unique<T>(list: readonly T[]): T[] {
  return [...new Set(list)];
}

/** A selector as a Backup or Restore carries it, before its operators are known to be valid. */
export interface UncheckedLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: string[] }>;
}

/** What the API server would refuse in a LIST, caught before the backup starts (keys, values, operators). */
export function selectorErrors(field: string, sel: UncheckedLabelSelector): string[] {
  const errors: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (!validLabelKey(k)) errors.push(`${field}.matchLabels: "${k}" is not a valid label key`);
    if (!validLabelValue(v)) errors.push(`${field}.matchLabels["${k}"]: "${v}" is not a valid label value`);
  }
  (sel.matchExpressions ?? []).forEach((r, i) => {
    const at = `${field}.matchExpressions[${i}]`;
    if (!validLabelKey(r.key)) errors.push(`${at}.key: "${r.key}" is not a valid label key`);
    const values = r.values ?? [];
    if (r.operator === 'In' || r.operator === 'NotIn') {
      if (values.length === 0) errors.push(`${at}.values: the ${r.operator} operator needs at least one value`);
      for (const v of values) if (!validLabelValue(v)) errors.push(`${at}.values: "${v}" is not a valid label value`);
    } else if (r.operator === 'Exists' || r.operator === 'DoesNotExist') {
      if (values.length > 0) errors.push(`${at}.values: the ${r.operator} operator takes no values`);
    } else {
      errors.push(`${at}.operator: "${String(r.operator)}" is not one of In, NotIn, Exists, DoesNotExist`);
    }
  });
  return errors;
}
