/**
 * @module controllers/location-controller: validates each BackupStorageLocation periodically (and at
 * once when its spec changes) and records Available or Unavailable with the reason; keeps a single
 * default location.
 */
import type { KubeClient, KubeObject } from '../kube/index.ts';
import { isNotFound } from '../kube/index.ts';
import { parseGoDuration } from '../util/index.ts';
import type { LocationLike } from '../backup/index.ts';
import { VeleroResources } from '../api/index.ts';
import type { Logger } from '../log/index.ts';
import { Controller } from './runtime/controller.ts';
import type { LocationStores } from './location-stores.ts';

/** The controller looks every 10 s whether a location is due, as Velero's does. */
const TICK_MS = 10_000;

export interface LocationControllerOptions {
  client: KubeClient;
  namespace: string;
  stores: LocationStores;
  /** Server default validation period (`--store-validation-frequency`); 0 disables periodic validation. */
  validationFrequencyMs: number;
  log: Logger;
  now?: () => Date;
}

export function locationController(opts: LocationControllerOptions): Controller<LocationLike> {
  const now = opts.now ?? (() => new Date());
  const log = opts.log.child({ controller: 'backup-storage-location' });
  // The spec each location was last validated with: a changed spec is validated at once.
  const validatedSpecs = new Map<string, string>();
  const controller: Controller<LocationLike> = new Controller<LocationLike>({
    name: 'backup-storage-location',
    client: opts.client,
    resource: VeleroResources.backupStorageLocations,
    namespace: opts.namespace,
    concurrency: 2,
    // Our own status writes change only status: no need to validate again for them.
    shouldEnqueue: (prev, cur) => !prev || JSON.stringify(prev.spec) !== JSON.stringify(cur.spec),
    onError: (key, err, retry) => log.warn(`reconciling ${key} failed; retrying in ${retry} ms: ${(err as Error).message}`),
    reconcile: async (bsl) => {
      if (!bsl) return;
      await keepOneDefault(opts.client, bsl, controller.informer.cache.list(), log);
      const frequency = frequencyOf(bsl, opts.validationFrequencyMs);
      const last = Date.parse((bsl.status as { lastValidationTime?: string } | undefined)?.lastValidationTime ?? '');
      const spec = JSON.stringify(bsl.spec ?? {});
      const specChanged = validatedSpecs.get(bsl.metadata.name!) !== spec;
      const due = Number.isNaN(last) || specChanged || (frequency > 0 && now().getTime() - last >= frequency);
      if (!due) return { requeueAfterMs: frequency > 0 ? Math.min(TICK_MS, frequency) : undefined };
      const { phase, message } = await validate(opts.stores, bsl);
      validatedSpecs.set(bsl.metadata.name!, spec);
      if (phase === 'Unavailable') log.warn(`backup storage location ${bsl.metadata.name} is unavailable: ${message}`);
      else if (bsl.status?.phase !== 'Available') log.info(`backup storage location ${bsl.metadata.name} is available`);
      await patchStatus(opts.client, bsl, { phase, message: message ?? null, lastValidationTime: now().toISOString().replace(/\.\d{3}Z$/, 'Z') });
      return frequency > 0 ? { requeueAfterMs: frequency } : undefined;
    },
  });
  return controller;
}

/** `spec.validationFrequency` wins when set (0 = validate once); a negative one falls back to the default. */
function frequencyOf(bsl: LocationLike, serverDefault: number): number {
  const own = (bsl.spec as { validationFrequency?: string } | undefined)?.validationFrequency;
  if (own === undefined || own === '') return serverDefault;
  try {
    const ms = parseGoDuration(own);
    return ms < 0 ? serverDefault : ms;
  } catch {
    return serverDefault;
  }
}

async function validate(stores: LocationStores, bsl: LocationLike): Promise<{ phase: 'Available' | 'Unavailable'; message?: string }> {
  try {
    const caCert = bsl.spec?.objectStorage?.caCert;
    const caRef = (bsl.spec?.objectStorage as { caCertRef?: unknown } | undefined)?.caCertRef;
    if (caCert && caRef) return { phase: 'Unavailable', message: 'spec.objectStorage.caCert and spec.objectStorage.caCertRef cannot both be set' };
    const store = await stores.forLocation(bsl);
    await store.isValid();
    return { phase: 'Available' };
  } catch (err) {
    return { phase: 'Unavailable', message: (err as Error).message };
  }
}

/** Several locations marked default: all but the most recently created lose the mark (Velero's rule). */
async function keepOneDefault(client: KubeClient, bsl: LocationLike, all: LocationLike[], log: Logger): Promise<void> {
  if (bsl.spec?.default !== true) return;
  const defaults = all.filter((l) => l.spec?.default === true);
  if (defaults.length < 2) return;
  const newest = defaults.reduce((a, b) => (Date.parse(b.metadata.creationTimestamp ?? '') > Date.parse(a.metadata.creationTimestamp ?? '') ? b : a));
  for (const l of defaults) {
    if (l === newest) continue;
    log.info(`backup storage location ${l.metadata.name} is no longer the default: ${newest.metadata.name} is newer`);
    await client.patch(VeleroResources.backupStorageLocations, l.metadata.name!, 'merge', { spec: { default: false } }, { namespace: l.metadata.namespace }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}

/** Velero's CRDs have no status subresource: status is patched through the object itself. */
async function patchStatus(client: KubeClient, obj: KubeObject, status: Record<string, unknown>): Promise<void> {
  await client.patch(VeleroResources.backupStorageLocations, obj.metadata.name!, 'merge', { status }, { namespace: obj.metadata.namespace });
}
