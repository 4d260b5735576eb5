/**
 * @module restore/resolver: the API resource an item is created through. Each item is restored in the
 * version it was backed up with; if the target cluster does not serve that version, or the resource at
 * all (a custom resource whose CRD is neither in the cluster nor in the backup), the item fails — said
 * once per resource, not once per item.
 */
import { groupVersion, parseApiVersion, type Discovery, type KubeObject, type ResourceInfo } from '../kube/index.ts';
import type { LogFields, OperationLog } from '../backup/index.ts';

/** The problem was logged already; the item is recorded as failed without another line. */
export class AlreadyReportedError extends Error {}

export class ResourceResolver {
  readonly #discovery: Discovery;
  readonly #log: OperationLog;
  readonly #reported = new Set<string>();

  constructor(discovery: Discovery, log: OperationLog) {
    this.#discovery = discovery;
    this.#log = log;
  }

  /** The resource for an item of `groupResource` with the item's apiVersion and kind; throws when there is none. */
  resolve(groupResource: string, obj: KubeObject, where: LogFields): ResourceInfo {
    const { group, version } = parseApiVersion(obj.apiVersion ?? '');
    const dot = groupResource.indexOf('.');
    const resource = dot < 0 ? groupResource : groupResource.slice(0, dot);
    const all = this.#discovery.allResources();
    const exact = all.find((r) => r.group === group && r.version === version && r.resource === resource);
    if (exact && exact.kind === obj.kind) return exact;
    // An item action may have changed the kind: then the kind decides.
    const byKind = obj.kind ? this.#discovery.forKind(group, version, obj.kind) : undefined;
    if (byKind) return byKind;
    const served = all.filter((r) => r.group === group && r.resource === resource).map((r) => r.version);
    const gv = groupVersion({ group, version });
    if (served.length === 0) {
      this.#once(`none:${groupResource}`, () =>
        this.#log.warn(`the cluster does not serve ${groupResource} (is its CustomResourceDefinition missing?): its items are not restored`, where),
      );
    } else {
      this.#once(`version:${groupResource}:${gv}`, () =>
        this.#log.error(
          `${groupResource} was backed up as ${gv}, which the cluster does not serve (it serves ${served.join(', ')}): its items are not restored; a backup taken with the EnableAPIGroupVersions feature holds every version, and a restore with that feature picks one the cluster serves`,
          where,
        ),
      );
    }
    throw new AlreadyReportedError(`${groupResource} ${gv} is not served`);
  }

  #once(key: string, report: () => void): void {
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    report();
  }
}
