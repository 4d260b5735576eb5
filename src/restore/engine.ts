/**
 * @module restore/engine: a restore from the archive in object storage into the cluster. The first pass
 * reads and checks the whole archive (nothing is created from a hostile or corrupt one) and indexes it;
 * then tier after tier — CRDs (waited for until Established), namespaces, Velero's high priorities, all
 * other resources together, admission configuration, the low priorities — the items of a tier are
 * created in parallel with a bound, CREATE first and 409 meaning "exists".
 */
import type { Readable } from 'node:stream';
import { matchesLabelSelector, Resources, type KubeClient, type KubeObject } from '../kube/index.ts';
import { globMatch, resolveResource, type OperationLog } from '../backup/index.ts';
import { PREFERRED_SUFFIX, type ArchiveLimits, type ItemEntry } from '../archive/index.ts';
import { mapLimit, sleep, throwIfAborted } from '../util/index.ts';
import { BUILT_IN_RESTORE_ACTIONS } from './actions/index.ts';
import type { RestoreItemAction } from './actions/types.ts';
import { ExistingObjects } from './existing.ts';
import { restoreLabels, type VolumeInfoLike } from './item.ts';
import { NamespaceEnsurer } from './namespaces.ts';
import { parsePriorities, planTiers, type Priorities, type Tier } from './priorities.ts';
import type { RestoreRequest } from './request.ts';
import { ResourceResolver } from './resolver.ts';
import { fields, ItemRestorer } from './restore-item.ts';
import { RestoreResults, type RestoreProgress } from './results.ts';
import { BackupSource, type Classification, type IndexedItem } from './source.ts';
import type { ItemOutcome, RestoreLike } from './types.ts';
import { chooseRestoreVersion } from './versions.ts';

export interface RestoreEngineOptions {
  client: KubeClient;
  /** The server's namespace (plugin configuration ConfigMaps live there). */
  serverNamespace: string;
  actions?: readonly RestoreItemAction[];
  priorities?: Priorities;
  /** Velero's `--features`; `EnableAPIGroupVersions` changes which version of an item is read. */
  features?: readonly string[];
  /** From the `enableapigroupversions` ConfigMap: group-resource → versions in the user's order. */
  versionPriorities?: ReadonlyMap<string, string[]>;
  pageSize?: number;
  /** Items restored at once (the client's own in-flight bound applies as well). */
  concurrency?: number;
  /** Raw JSON bytes of the archive held in memory at most. */
  retainBytes?: number;
  terminatingTimeoutMs?: number;
  /** How long a restored CRD may take to become Established. */
  resourceTimeoutMs?: number;
  archiveLimits?: Partial<ArchiveLimits>;
}

export interface RunRestoreInput {
  restore: RestoreLike;
  request: RestoreRequest;
  openArchive: () => Promise<Readable>;
  /** The backup's volume-info sidecar (empty for old backups). */
  volumeInfo: readonly VolumeInfoLike[];
  log: OperationLog;
  onProgress?: (p: RestoreProgress) => void;
  signal?: AbortSignal;
}

export interface RestoreOutcome extends RestoreProgress {
  resourceList: Record<string, string[]>;
  counts: Readonly<Record<ItemOutcome, number>>;
  /** Extra reads of the archive (backups larger than the memory budget) and LISTs made to find existing objects. */
  rereads: number;
  lists: number;
}

export const DEFAULT_RETAIN_BYTES = 64 * 1024 * 1024;
const DEFAULT_CONCURRENCY = 64;
/** Always held from the first pass: namespaces (to recreate them) and what item actions usually ask for. */
const ALWAYS_RETAINED = new Set(['namespaces', 'persistentvolumes', 'persistentvolumeclaims', 'priorityclasses.scheduling.k8s.io']);
/** Restored whatever the filters say (Velero's must-have resources). */
const MUST_HAVE = new Set(['volumesnapshotcontents.snapshot.storage.k8s.io']);
/** Never created from a backup: Velero turns them into ConfigMaps for its data mover, which Skiff does not have yet. */
const NOT_CREATED = new Set(['datauploads.velero.io']);

export async function runRestore(opts: RestoreEngineOptions, input: RunRestoreInput): Promise<RestoreOutcome> {
  return new RestoreRun(opts, input).run();
}

class RestoreRun {
  readonly #opts: RestoreEngineOptions;
  readonly #in: RunRestoreInput;
  readonly #results = new RestoreResults();
  readonly #groupVersions: boolean;
  readonly #dirs = new Map<string, string | undefined>();

  constructor(opts: RestoreEngineOptions, input: RunRestoreInput) {
    this.#opts = opts;
    this.#in = input;
    this.#groupVersions = (opts.features ?? []).includes('EnableAPIGroupVersions');
  }

  async run(): Promise<RestoreOutcome> {
    const { client } = this.#opts;
    const { log, signal, request } = this.#in;
    await client.discovery.refresh(signal);
    const source = await BackupSource.index({
      open: this.#in.openArchive,
      limits: this.#opts.archiveLimits,
      retainBytes: this.#opts.retainBytes ?? DEFAULT_RETAIN_BYTES,
      classify: (e) => this.#classify(e),
    });
    log.info(`Read the backup archive (format ${source.summary.formatVersion}): ${source.groupResources().length} resource types, ${source.summary.namespaces.size} namespaces`);
    throwIfAborted(signal);
    this.#chooseVersions(source);
    this.#warnUnmatchedNamespaces(source);
    const namespaces = new NamespaceEnsurer({ client, terminatingTimeoutMs: this.#opts.terminatingTimeoutMs ?? 600_000, signal });
    const existing = new ExistingObjects(client, this.#opts.pageSize ?? 500, namespaces.created);
    const restorer = new ItemRestorer({
      client,
      request,
      restore: this.#in.restore,
      log,
      results: this.#results,
      source,
      namespaces,
      existing,
      resolver: new ResourceResolver(client.discovery, log),
      actions: this.#opts.actions ?? BUILT_IN_RESTORE_ACTIONS,
      volumeInfo: new Map(this.#in.volumeInfo.filter((v) => v.pvName).map((v) => [v.pvName!, v])),
      labels: restoreLabels(request.backup.metadata.name!, request.name),
      serverNamespace: this.#opts.serverNamespace,
      pageSize: this.#opts.pageSize ?? 500,
      dirFor: (gr) => this.#dirs.get(gr),
      signal,
    });
    const tiers = planTiers(source.groupResources(), this.#opts.priorities ?? parsePriorities(undefined), (n) => resolveResource(n, client.discovery));
    const selected = tiers.flatMap((t) => t.groupResources).reduce((n, gr) => n + this.#selectedItems(source, gr).length, 0);
    if (selected === 0) log.warn('zero items to be restored');
    this.#results.expect(selected);
    const ticker = setInterval(() => this.#in.onProgress?.(this.#results.progress()), 1000);
    try {
      for (const tier of tiers) {
        throwIfAborted(signal);
        restorer.freshView();
        if (tier.kind === 'namespaces') await this.#namespaceTier(source, namespaces);
        else await this.#tier(tier, source, restorer, existing);
        if (tier.kind === 'crds') await this.#crdsReady(restorer.crds);
      }
    } finally {
      clearInterval(ticker);
    }
    const progress = this.#results.progress();
    this.#in.onProgress?.(progress);
    const c = this.#results.counts;
    log.info(`Restore finished: ${c.created} created, ${c.updated} updated, ${c.skipped} skipped, ${c.failed} failed`);
    return { ...progress, resourceList: this.#results.resourceList(), counts: { ...c }, rereads: source.summary.rereads, lists: existing.listsMade };
  }

  /** Decides in the first pass, from the item's path and labels, whether the restore takes it. */
  #classify(e: ItemEntry): Classification | undefined {
    if (e.versionDir !== undefined && (!this.#groupVersions || e.versionDir.endsWith(PREFERRED_SUFFIX))) return undefined;
    const selected = this.#selects(e);
    return { selected, retain: selected || ALWAYS_RETAINED.has(e.groupResource) };
  }

  #selects(e: ItemEntry): boolean {
    const r = this.#in.request;
    const gr = e.groupResource;
    if (NOT_CREATED.has(gr)) return false;
    if (MUST_HAVE.has(gr)) return true;
    if (!r.resources.shouldInclude(gr)) return false;
    if (gr === 'namespaces') {
      if (!r.namespaces.shouldInclude(e.name)) return false;
    } else if (e.scope === 'namespaced') {
      if (!r.namespaces.shouldInclude(e.namespace!)) return false;
    } else if (r.includeClusterResources === false || (r.includeClusterResources === undefined && !r.namespaces.includesEverything())) {
      return false;
    }
    const labels = (e.object.metadata as { labels?: Record<string, string> } | undefined)?.labels;
    if (r.orLabelSelectors) return r.orLabelSelectors.some((s) => matchesLabelSelector(labels, s));
    return !r.labelSelector || matchesLabelSelector(labels, r.labelSelector);
  }

  /** Without EnableAPIGroupVersions every item is read at its legacy path; with it, Velero's version priorities decide. */
  #chooseVersions(source: BackupSource): void {
    if (!this.#groupVersions || compareFormat(source.summary.formatVersion, '1.1.0') < 0) return;
    const groups = new Map(this.#opts.client.discovery.groups().map((g) => [g.name, g]));
    for (const [gr, dirs] of source.summary.versionDirs) {
      const group = gr.includes('.') ? gr.slice(gr.indexOf('.') + 1) : '';
      const target = groups.get(group);
      const choice = chooseRestoreVersion({
        groupResource: gr,
        backupVersionDirs: [...dirs],
        targetVersions: target?.versions ?? [],
        targetPreferred: target?.preferredVersion,
        userPriorities: this.#opts.versionPriorities?.get(gr),
      });
      const legacy = choice.versionDir.endsWith(PREFERRED_SUFFIX);
      this.#dirs.set(gr, legacy ? undefined : choice.versionDir);
      this.#in.log.info(`${gr}: restoring version ${choice.version} (${choice.reason})`);
    }
  }

  /** A namespace pattern that matches nothing in the backup is worth a warning, not a failure (as in Velero). */
  #warnUnmatchedNamespaces(source: BackupSource): void {
    const inBackup = [...source.summary.namespaces];
    for (const pattern of this.#in.request.namespaces.includes) {
      if (pattern !== '*' && !inBackup.some((ns) => globMatch(pattern, ns))) this.#in.log.warn(`no namespace of the backup matches ${pattern}`);
    }
  }

  #selectedItems(source: BackupSource, gr: string): IndexedItem[] {
    return source.items(gr, this.#dirs.get(gr)).filter((i) => i.selected);
  }

  /**
   * Every namespace the restore writes into exists before the first item: created from the backed-up
   * Namespace when missing, waited for when still terminating.
   */
  async #namespaceTier(source: BackupSource, namespaces: NamespaceEnsurer): Promise<void> {
    const { request, log } = this.#in;
    const selectedNs = new Set(this.#selectedItems(source, 'namespaces').map((i) => i.name));
    const sources = new Set(selectedNs);
    for (const gr of source.groupResources()) {
      if (gr === 'namespaces') continue;
      for (const item of this.#selectedItems(source, gr)) if (item.namespace !== undefined) sources.add(item.namespace);
    }
    await mapLimit([...sources].sort(), 16, async (ns) => {
      const target = request.namespaceMapping[ns] ?? ns;
      const item = source.find('namespaces', this.#dirs.get('namespaces'), undefined, ns);
      const fromBackup = item?.raw ? (source.parse(item) as unknown as KubeObject) : undefined;
      try {
        const outcome = await namespaces.ensure(target, fromBackup);
        if (outcome === 'created') log.info(`Restored namespace ${target} (created)`, { namespace: target });
        if (outcome === 'created' && !selectedNs.has(ns)) this.#results.expect(1);
        if (outcome === 'created' || selectedNs.has(ns)) this.#results.record('v1/Namespace', undefined, target, outcome === 'created' ? 'created' : 'skipped');
      } catch (err) {
        log.error(`error restoring namespace ${target}: ${(err as Error).message}`, { namespace: target });
        if (selectedNs.has(ns)) this.#results.record('v1/Namespace', undefined, target, 'failed');
      }
    });
  }

  async #tier(tier: Tier, source: BackupSource, restorer: ItemRestorer, existing: ExistingObjects): Promise<void> {
    const items = tier.groupResources.flatMap((gr) => this.#selectedItems(source, gr)).filter((i) => !restorer.claimed(i));
    if (items.length === 0) return;
    this.#in.log.info(`Restoring ${tier.label}: ${items.length} items`);
    const mapping = this.#in.request.namespaceMapping;
    for (const gr of tier.groupResources) {
      const targets = new Set<string>();
      for (const i of items) if (i.groupResource === gr && i.namespace !== undefined) targets.add(mapping[i.namespace] ?? i.namespace);
      existing.plan(gr, targets);
    }
    try {
      for await (const chunk of source.chunks(items)) {
        await mapLimit(chunk, this.#opts.concurrency ?? DEFAULT_CONCURRENCY, (item) => (restorer.claimed(item) ? Promise.resolve() : restorer.restore(item)));
      }
    } finally {
      for (const gr of tier.groupResources) existing.release(gr);
    }
  }

  /** Custom resources need their CRD Established, and discovery must know it, before they can be created. */
  async #crdsReady(names: ReadonlySet<string>): Promise<void> {
    if (names.size === 0) return;
    const timeout = this.#opts.resourceTimeoutMs ?? 600_000;
    await mapLimit([...names], 16, async (name) => {
      const deadline = Date.now() + timeout;
      for (;;) {
        const crd = await this.#opts.client.getIfExists(Resources.customResourceDefinitions, name, { signal: this.#in.signal });
        const conditions = ((crd?.status as { conditions?: Array<{ type?: string; status?: string }> } | undefined)?.conditions) ?? [];
        if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return;
        if (Date.now() >= deadline) {
          this.#in.log.error(`CustomResourceDefinition ${name} did not become Established within ${Math.round(timeout / 1000)}s (--resource-timeout): its custom resources may fail`, fields(undefined));
          return;
        }
        await sleep(250, this.#in.signal);
      }
    });
    await this.#opts.client.discovery.refresh(this.#in.signal);
    this.#in.log.info(`${names.size} CustomResourceDefinitions are Established; discovery refreshed`);
  }
}

/** Compares `1.1.0`-style format versions numerically. */
function compareFormat(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

