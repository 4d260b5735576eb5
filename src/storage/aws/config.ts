/** @module storage/aws/config: a BSL's `spec.config` for the aws provider, validated into typed settings. */
import { StorageError } from '../errors.ts';

/** Every key velero-plugin-for-aws accepts (it rejects the rest), plus `bucket`/`prefix`, which Velero adds itself. */
export const AWS_CONFIG_KEYS = [
  'region',
  's3Url',
  'publicUrl',
  's3ForcePathStyle',
  'insecureSkipTLSVerify',
  'caCert',
  'profile',
  'credentialsFile',
  'checksumAlgorithm',
  'serverSideEncryption',
  'kmsKeyId',
  'customerKeyEncryptionFile',
  'tagging',
  'enableSharedConfig',
  'signatureVersion',
  'bucket',
  'prefix',
] as const;

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
export type ChecksumMode = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';

export interface AwsSettings {
  /** Undefined: discover it (no s3Url) or use us-east-1 (custom s3Url). */
  region: string | undefined;
  s3Url: string | undefined;
  publicUrl: string | undefined;
  forcePathStyle: boolean;
  insecureSkipTLSVerify: boolean;
  caCert: string | undefined;
  profile: string;
  credentialsFile: string | undefined;
  checksum: { request: ChecksumMode; response: ChecksumMode; algorithm: ChecksumAlgorithm | undefined };
  serverSideEncryption: string | undefined;
  kmsKeyId: string | undefined;
  customerKeyEncryptionFile: string | undefined;
  /** URL-query-encoded tags (`k1=v1&k2=v2`), sent as the x-amz-tagging header. */
  tagging: string | undefined;
  enableSharedConfig: boolean;
}

/** Validates `config` as velero-plugin-for-aws does; throws InvalidConfig naming the key (values of secrets never appear). */
export function parseAwsConfig(config: Readonly<Record<string, string>>, bucket?: string): AwsSettings {
  const fail = (message: string): never => {
    throw new StorageError({ reason: 'InvalidConfig', provider: 'aws', bucket, message: `aws provider: ${message}` });
  };
  const unknown = Object.keys(config).filter((k) => !(AWS_CONFIG_KEYS as readonly string[]).includes(k));
  if (unknown.length) fail(`unknown config key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known keys: ${AWS_CONFIG_KEYS.join(', ')})`);
  const str = (k: string): string | undefined => (config[k] === undefined || config[k] === '' ? undefined : config[k]);
  const bool = (k: string): boolean => {
    const v = config[k];
    if (v === undefined || v === '') return false;
    const parsed = parseGoBool(v);
    return parsed ?? fail(`could not parse ${k} ${JSON.stringify(v)} (expected a boolean such as "true" or "false")`);
  };
  const s3Url = str('s3Url');
  const publicUrl = str('publicUrl');
  for (const [k, v] of [['s3Url', s3Url], ['publicUrl', publicUrl]] as const) {
    if (v !== undefined && !isHttpUrl(v)) fail(`invalid ${k} ${JSON.stringify(v)}: it must be an http:// or https:// URL`);
  }
  const signature = str('signatureVersion');
  if (signature !== undefined && signature !== '4') fail(`signatureVersion ${JSON.stringify(signature)} is not supported (only "4"; Velero's "1" is for a few legacy stores)`);
  const kmsKeyId = str('kmsKeyId');
  const customerKeyEncryptionFile = str('customerKeyEncryptionFile');
  if (kmsKeyId && customerKeyEncryptionFile) fail('kmsKeyId and customerKeyEncryptionFile cannot be used together');
  const tagging = str('tagging');
  if (tagging !== undefined) checkTagging(tagging, fail);
  return {
    region: str('region'),
    s3Url: s3Url?.replace(/\/+$/, ''),
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    forcePathStyle: bool('s3ForcePathStyle'),
    insecureSkipTLSVerify: bool('insecureSkipTLSVerify'),
    caCert: str('caCert'),
    profile: str('profile') ?? 'default',
    credentialsFile: str('credentialsFile'),
    checksum: checksumSettings(config, s3Url !== undefined, fail),
    serverSideEncryption: str('serverSideEncryption'),
    kmsKeyId,
    customerKeyEncryptionFile,
    tagging,
    enableSharedConfig: bool('enableSharedConfig'),
  };
}

/**
 * The key absent: a custom s3Url gets checksums only where the API requires them, for both request and
 * response (ADR 0005: many S3-compatible stores reject the SDK's default CRC32 headers); AWS itself gets
 * CRC32, velero-plugin-for-aws's default. `""` turns request checksums off. An algorithm turns them on with
 * that algorithm; responses from a custom s3Url are then still not validated, since several stores return
 * composite or no checksums for multipart objects.
 */
function checksumSettings(config: Readonly<Record<string, string>>, customEndpoint: boolean, fail: (m: string) => never): AwsSettings['checksum'] {
  const response: ChecksumMode = customEndpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const value = config['checksumAlgorithm'];
  if (value === undefined) {
    return customEndpoint ? { request: 'WHEN_REQUIRED', response, algorithm: undefined } : { request: 'WHEN_SUPPORTED', response, algorithm: 'CRC32' };
  }
  if (value === '') return { request: 'WHEN_REQUIRED', response, algorithm: undefined };
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(value)) {
    fail(`invalid checksumAlgorithm ${JSON.stringify(value)} (one of "", ${CHECKSUM_ALGORITHMS.map((a) => `"${a}"`).join(', ')})`);
  }
  return { request: 'WHEN_SUPPORTED', response, algorithm: value as ChecksumAlgorithm };
}

/** Go's strconv.ParseBool, which Velero's plugins use for every boolean config value. */
export function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** `k1=v1&k2=v2`, as S3's x-amz-tagging header takes it: every pair needs a non-empty key. */
function checkTagging(tagging: string, fail: (m: string) => never): void {
  for (const pair of tagging.split('&')) {
    const key = pair.split('=')[0] ?? '';
    if (key === '') fail(`invalid tagging ${JSON.stringify(tagging)}: expected key=value pairs joined by "&"`);
    try {
      decodeURIComponent(pair);
    } catch {
      fail(`invalid tagging ${JSON.stringify(tagging)}: not URL-encoded`);
    }
  }
}
