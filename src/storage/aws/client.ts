/** @module storage/aws/client: the S3 clients for one location: TLS, retries, checksums, addressing, region discovery. */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { GetBucketLocationCommand, HeadBucketCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { StorageError } from '../errors.ts';
import type { AwsSettings } from './config.ts';
import type { StaticCredentials } from './credentials.ts';
import { toStorageError } from './errors.ts';

/** Retries of throttling, 5xx and connection errors by the SDK's standard strategy (jittered exponential back-off). */
export const DEFAULT_MAX_ATTEMPTS = 5;
/** Socket connect budget; the request itself has none (a 16 MiB part on a slow link takes long). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Parallel part uploads of several backups plus listings; Node's default (Infinity) is unbounded. */
const MAX_SOCKETS = 64;

export interface ClientParams {
  settings: AwsSettings;
  region: string;
  /** Where requests go: s3Url, publicUrl (signing only), or undefined for AWS's own endpoints. */
  endpoint: string | undefined;
  credentials: StaticCredentials | undefined;
  /** PEM CA bundle trusted in addition to the system's roots. */
  caCert: string | undefined;
  maxAttempts: number;
  /** A client that only signs URLs: no checksum mode (it would become a required header of the URL). */
  presignOnly?: boolean;
}

export function buildS3Client(p: ClientParams): S3Client {
  const { settings } = p;
  const config: S3ClientConfig = {
    region: p.region,
    forcePathStyle: settings.forcePathStyle,
    maxAttempts: p.maxAttempts,
    retryMode: 'standard',
    requestChecksumCalculation: settings.checksum.request,
    responseChecksumValidation: p.presignOnly ? 'WHEN_REQUIRED' : settings.checksum.response,
  };
  if (p.endpoint) config.endpoint = p.endpoint;
  if (p.credentials) config.credentials = p.credentials;
  // The default chain reads the named profile from the SDK's own files (Velero's `profile` key).
  else if (settings.profile !== 'default') config.profile = settings.profile;
  if (!p.presignOnly) {
    // The SDK builds its NodeHttpHandler from these options: no direct dependency on @smithy packages.
    config.requestHandler = {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
      httpsAgent: httpsAgent(p.caCert, settings.insecureSkipTLSVerify),
    };
  }
  return new S3Client(config);
}

/** An https.Agent trusting the system roots plus `caCert`, or nothing at all with insecureSkipTLSVerify. */
export function httpsAgent(caCert: string | undefined, insecureSkipTLSVerify: boolean): HttpsAgent {
  if (caCert !== undefined && !/-----BEGIN CERTIFICATE-----/.test(caCert)) {
    throw new StorageError({ reason: 'InvalidConfig', provider: 'aws', message: 'aws provider: caCert is not a PEM certificate bundle (expected "-----BEGIN CERTIFICATE-----")' });
  }
  return new HttpsAgent({
    keepAlive: true,
    maxSockets: MAX_SOCKETS,
    ...(caCert ? { ca: [...rootCertificates, caCert] } : {}),
    ...(insecureSkipTLSVerify ? { rejectUnauthorized: false } : {}),
  });
}

/**
 * The bucket's region, as velero-plugin-for-aws finds it when no region is configured: HeadBucket answers
 * with the `x-amz-bucket-region` header, on success and on the 301/403 a wrong region or policy gives.
 * Stores that omit the header (MinIO) are asked GetBucketLocation, where an empty answer means us-east-1.
 */
export async function discoverBucketRegion(client: S3Client, bucket: string, secrets: readonly (string | undefined)[] = []): Promise<string> {
  let region: string | undefined;
  try {
    region = (await client.send(new HeadBucketCommand({ Bucket: bucket }))).BucketRegion;
  } catch (err) {
    region = (err as { $response?: { headers?: Record<string, string> } }).$response?.headers?.['x-amz-bucket-region'];
    if (!region) throw regionError(err, bucket, secrets);
  }
  if (region) return region;
  try {
    const location = (await client.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint as string | undefined;
    // S3's legacy answers: none for us-east-1, "EU" for eu-west-1.
    return !location ? 'us-east-1' : location === 'EU' ? 'eu-west-1' : location;
  } catch (err) {
    throw regionError(err, bucket, secrets);
  }
}

function regionError(err: unknown, bucket: string, secrets: readonly (string | undefined)[]): StorageError {
  const cause = toStorageError(err, { bucket, operation: 'discoverBucketRegion', secrets });
  return new StorageError({ reason: cause.reason, provider: 'aws', bucket, statusCode: cause.statusCode, message: `aws provider: no region is configured and the region of bucket ${JSON.stringify(bucket)} could not be found; set config.region (${cause.message})`, cause });
}
