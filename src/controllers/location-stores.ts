/**
 * @module controllers/location-stores: turns a BackupStorageLocation into a BackupStore — provider,
 * bucket, prefix, config, CA and the credential Secret it names — cached per version of the location.
 */
import { Resources, type KubeClient } from '../kube/index.ts';
import { BackupStore, createObjectStore } from '../storage/index.ts';
import type { LocationLike } from '../backup/index.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export class LocationError extends Error {
  override readonly name = 'LocationError';
}

export class LocationStores {
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #env: Env;
  readonly #cache = new Map<string, { version: string; store: Promise<BackupStore> }>();

  constructor(opts: { client: KubeClient; namespace: string; env: Env }) {
    this.#client = opts.client;
    this.#namespace = opts.namespace;
    this.#env = opts.env;
  }

  /** The store of a location; rebuilt when the location (or its credential reference) changes. */
  forLocation(location: LocationLike): Promise<BackupStore> {
    const name = location.metadata.name!;
    const version = `${location.metadata.uid}/${location.metadata.resourceVersion}/${JSON.stringify(location.spec)}`;
    const hit = this.#cache.get(name);
    if (hit && hit.version === version) return hit.store;
    const store = this.#build(location);
    store.catch(() => this.#cache.delete(name));
    this.#cache.set(name, { version, store });
    return store;
  }

  async #build(location: LocationLike): Promise<BackupStore> {
    const spec = location.spec ?? {};
    const bucket = spec.objectStorage?.bucket;
    if (!spec.provider) throw new LocationError(`backup storage location "${location.metadata.name}": spec.provider is required`);
    if (!bucket) throw new LocationError(`backup storage location "${location.metadata.name}": spec.objectStorage.bucket is required`);
    const credential = await this.#credential(location);
    const caCert = spec.objectStorage?.caCert ? Buffer.from(spec.objectStorage.caCert, 'base64') : undefined;
    const objectStore = await createObjectStore({
      provider: spec.provider,
      bucket,
      config: spec.config ?? {},
      env: this.#env,
      ...(credential ? { credential } : {}),
      ...(caCert ? { caCert } : {}),
    });
    return new BackupStore(objectStore, { bucket, prefix: spec.objectStorage?.prefix ?? '' });
  }

  /** `spec.credential` names a key of a Secret in the server's namespace (Velero's per-location credentials). */
  async #credential(location: LocationLike): Promise<Buffer | undefined> {
    const ref = (location.spec as { credential?: { name?: string; key?: string; optional?: boolean } } | undefined)?.credential;
    if (!ref?.name || !ref.key) return undefined;
    const secret = await this.#client.getIfExists(Resources.secrets, ref.name, { namespace: this.#namespace });
    const value = (secret?.data as Record<string, string> | undefined)?.[ref.key];
    if (value === undefined) {
      if (ref.optional) return undefined;
      throw new LocationError(`backup storage location "${location.metadata.name}": spec.credential names key "${ref.key}" of Secret ${this.#namespace}/${ref.name}, which does not exist`);
    }
    return Buffer.from(value, 'base64');
  }
}
