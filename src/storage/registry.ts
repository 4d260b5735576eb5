/** @module storage/registry: builds the ObjectStore a BackupStorageLocation names, by provider. */
import { StorageError } from './errors.ts';
import type { ObjectStore } from './object-store.ts';
import type { AwsObjectStoreOptions, AwsTuning } from './aws/aws-object-store.ts';
import { LocalObjectStore } from './local/local-object-store.ts';
import { parseGoBool } from './aws/config.ts';

/** A location to open (its bucket with leading and trailing `/` ignored, as in Velero): what the S3 provider takes, less its tuning, for whichever provider the BSL names. */
export interface CreateObjectStoreOptions extends Omit<AwsObjectStoreOptions, keyof AwsTuning> {
  /** The BSL's `spec.provider`: `aws` or `velero.io/aws`; `local` or `skiff.io/local`. */
  provider: string;
  /** local: the directory holding bucket directories when `config.path` is not set. */
  localRoot?: string;
  /** aws: upload tuning (tests use small parts). */
  aws?: AwsTuning;
}

/** Providers and the names a BSL may use for them. */
export const PROVIDERS = {
  aws: ['aws', 'velero.io/aws'],
  local: ['local', 'skiff.io/local'],
} as const;
export type ProviderName = keyof typeof PROVIDERS;

const NOT_YET = ['gcp', 'velero.io/gcp', 'azure', 'velero.io/azure'];

/** `local` provider config keys. */
export const LOCAL_CONFIG_KEYS = ['path', 'createBucket', 'bucket', 'prefix'] as const;

/** The canonical provider for a BSL's provider string, or undefined when Skiff has none. */
export function canonicalProvider(name: string): ProviderName | undefined {
  for (const [canonical, names] of Object.entries(PROVIDERS)) {
    if ((names as readonly string[]).includes(name)) return canonical as ProviderName;
  }
  return undefined;
}

/** The object store for one location: validates the provider, bucket and config before any request. */
export async function createObjectStore(opts: CreateObjectStoreOptions): Promise<ObjectStore> {
  const bucket = opts.bucket.replace(/^\/+|\/+$/g, '');
  const provider = canonicalProvider(opts.provider);
  if (!provider) throw unknownProvider(opts.provider, bucket);
  if (!bucket) throw new StorageError({ reason: 'InvalidConfig', provider, bucket, message: 'objectStorage.bucket is required' });
  // Velero: a `/` inside the bucket is a prefix put in the wrong field (S3 Multi-Region Access Point ARNs excepted).
  if (bucket.includes('/') && !bucket.startsWith('arn:aws:s3:')) {
    throw new StorageError({ reason: 'InvalidConfig', provider, bucket, message: `the bucket name ${JSON.stringify(opts.bucket)} must not contain a '/' (put a prefix in objectStorage.prefix instead)` });
  }
  if (provider === 'aws') {
    // Loaded on first use: the AWS SDK costs ~80 MB and ~0.3 s, which commands on local stores never need.
    const { AwsObjectStore } = await import('./aws/aws-object-store.ts');
    return AwsObjectStore.create({
      bucket,
      env: opts.env,
      ...(opts.config ? { config: opts.config } : {}),
      ...(opts.caCert !== undefined ? { caCert: opts.caCert } : {}),
      ...(opts.credential !== undefined ? { credential: opts.credential } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
      ...opts.aws,
    });
  }
  return createLocal(bucket, opts);
}

/**
 * local: `config.path` is the directory that holds bucket directories (else `localRoot`); the bucket is the
 * directory `<path>/<bucket>`, created on first use only with `createBucket: "true"`.
 */
async function createLocal(bucket: string, opts: CreateObjectStoreOptions): Promise<ObjectStore> {
  const config = opts.config ?? {};
  const fail = (message: string): never => {
    throw new StorageError({ reason: 'InvalidConfig', provider: 'local', bucket, message: `local provider: ${message}` });
  };
  const unknown = Object.keys(config).filter((k) => !(LOCAL_CONFIG_KEYS as readonly string[]).includes(k));
  if (unknown.length) fail(`unknown config key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known keys: ${LOCAL_CONFIG_KEYS.join(', ')})`);
  const root = config['path'] || opts.localRoot;
  if (!root) fail('config.path (the directory that holds bucket directories) is required');
  const createBucket = config['createBucket'] ? parseGoBool(config['createBucket']) : false;
  if (createBucket === undefined) fail(`could not parse createBucket ${JSON.stringify(config['createBucket'])} (expected a boolean)`);
  return LocalObjectStore.open({ root: root!, bucket, createBucket: createBucket === true });
}

function unknownProvider(name: string, bucket: string): StorageError {
  const known = Object.values(PROVIDERS).flat().join(', ');
  const later = NOT_YET.includes(name) ? ` Provider ${JSON.stringify(name)} is not available yet.` : '';
  return new StorageError({ reason: 'InvalidConfig', provider: name, bucket, message: `unknown object storage provider ${JSON.stringify(name)}.${later} Known providers: ${known} (gcp and azure are not available yet)` });
}
