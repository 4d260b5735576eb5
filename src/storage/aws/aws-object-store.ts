/** @module storage/aws/aws-object-store: the `aws` provider (S3 and S3-compatible stores) behind the ObjectStore seam. */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type PutObjectCommandInput,
  type S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { isAbortError, throwIfAborted } from '../../util/index.ts';
import { ObjectNotFoundError, StorageError, describeTarget } from '../errors.ts';
import { bodyBytes, checkCommonKey, checkConditionalBody, checkRange, isStreamBody, trackSourceError } from '../object-store.ts';
import type { ObjectBody, ObjectInfo, ObjectOptions, ObjectStore, PutObjectOptions, StorageEnv, StorageLogger } from '../object-store.ts';
import { DEFAULT_MAX_ATTEMPTS, buildS3Client, discoverBucketRegion } from './client.ts';
import { parseAwsConfig, type AwsSettings } from './config.ts';
import { resolveAwsCredentials, type CredentialSource } from './credentials.ts';
import { isMissingObject, toStorageError } from './errors.ts';
import { DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE, uploadStream } from './upload.ts';

/** A location as the S3 provider opens it, and its upload tuning. */
export interface AwsObjectStoreOptions extends AwsTuning {
  bucket: string;
  /** The BSL's `spec.config`. */
  config?: Readonly<Record<string, string>>;
  /** The BSL's `objectStorage.caCert` (PEM); wins over a `caCert` config key. */
  caCert?: string | Buffer;
  /** The BSL's `spec.credential` Secret value: an AWS INI credentials file. */
  credential?: Buffer | string;
  env: StorageEnv;
  logger?: StorageLogger;
}

export interface AwsTuning {
  /** Multipart part size for streamed uploads (≥ 5 MiB; default 16 MiB). */
  partSize?: number;
  /** Parts uploaded in parallel (1–16; default 3). */
  queueSize?: number;
  /** Attempts per request, first one included (default 5). */
  maxAttempts?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
/** SigV4 pre-signed URLs live at most 7 days. */
const MAX_SIGNED_URL_MS = 7 * 24 * 3600 * 1000;
/** With a custom s3Url and no region, sign for us-east-1: MinIO and most S3-compatible stores accept it. */
export const CUSTOM_ENDPOINT_DEFAULT_REGION = 'us-east-1';

export class AwsObjectStore implements ObjectStore {
  readonly provider = 'aws';
  readonly bucket: string;
  readonly region: string;
  readonly settings: AwsSettings;
  readonly credentialSource: CredentialSource;
  readonly #client: S3Client;
  readonly #presigner: S3Client;
  readonly #secrets: readonly (string | undefined)[];
  readonly #writeParams: Partial<PutObjectCommandInput>;
  readonly #readParams: { SSECustomerAlgorithm?: string; SSECustomerKey?: string };
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #logger: StorageLogger | undefined;

  private constructor(init: {
    bucket: string;
    region: string;
    settings: AwsSettings;
    credentialSource: CredentialSource;
    client: S3Client;
    presigner: S3Client;
    secrets: readonly (string | undefined)[];
    sseCustomerKey: string | undefined;
    partSize: number;
    queueSize: number;
    logger: StorageLogger | undefined;
  }) {
    this.bucket = init.bucket;
    this.region = init.region;
    this.settings = init.settings;
    this.credentialSource = init.credentialSource;
    this.#client = init.client;
    this.#presigner = init.presigner;
    this.#secrets = init.secrets;
    this.#partSize = init.partSize;
    this.#queueSize = init.queueSize;
    this.#logger = init.logger;
    this.#readParams = init.sseCustomerKey ? { SSECustomerAlgorithm: 'AES256', SSECustomerKey: init.sseCustomerKey } : {};
    this.#writeParams = writeParams(init.settings, this.#readParams);
  }

  /** Validates the config, resolves credentials and (when no region is set and no s3Url) the bucket's region. */
  static async create(opts: AwsObjectStoreOptions): Promise<AwsObjectStore> {
    const settings = parseAwsConfig(opts.config ?? {}, opts.bucket);
    const partSize = opts.partSize ?? DEFAULT_PART_SIZE;
    const queueSize = opts.queueSize ?? DEFAULT_QUEUE_SIZE;
    if (!(partSize >= MIN_PART_SIZE)) throw invalid(`partSize must be at least 5 MiB (S3's minimum part size), got ${partSize}`, opts.bucket);
    if (!(Number.isInteger(queueSize) && queueSize >= 1 && queueSize <= 16)) throw invalid(`queueSize must be an integer from 1 to 16, got ${queueSize}`, opts.bucket);
    const creds = await resolveAwsCredentials({ ...(opts.credential !== undefined ? { credential: opts.credential } : {}), ...(settings.credentialsFile ? { credentialsFile: settings.credentialsFile } : {}), env: opts.env, profile: settings.profile });
    const sseCustomerKey = settings.customerKeyEncryptionFile ? await readCustomerKey(settings.customerKeyEncryptionFile, opts.bucket) : undefined;
    const secrets = [creds.static?.accessKeyId, creds.static?.secretAccessKey, creds.static?.sessionToken, sseCustomerKey];
    const caCert = opts.caCert !== undefined ? opts.caCert.toString() : settings.caCert;
    const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const common = { settings, credentials: creds.static, caCert, maxAttempts };
    let region = settings.region ?? (settings.s3Url ? CUSTOM_ENDPOINT_DEFAULT_REGION : undefined);
    if (!region) {
      const probe = buildS3Client({ ...common, region: CUSTOM_ENDPOINT_DEFAULT_REGION, endpoint: undefined });
      try {
        region = await discoverBucketRegion(probe, opts.bucket, secrets);
      } finally {
        probe.destroy();
      }
      opts.logger?.('info', `aws provider: bucket ${JSON.stringify(opts.bucket)} is in region ${region} (no region configured)`);
    }
    if (settings.insecureSkipTLSVerify) opts.logger?.('warn', `aws provider: TLS certificates of ${settings.s3Url ?? 'the S3 endpoint'} are not verified (insecureSkipTLSVerify)`);
    opts.logger?.('debug', `aws provider: credentials from ${creds.description}`);
    return new AwsObjectStore({
      bucket: opts.bucket,
      region,
      settings,
      credentialSource: creds.source,
      client: buildS3Client({ ...common, region, endpoint: settings.s3Url }),
      // Velero signs download URLs for publicUrl when set: the CLI runs outside the cluster.
      presigner: buildS3Client({ ...common, region, endpoint: settings.publicUrl ?? settings.s3Url, presignOnly: true }),
      secrets,
      sseCustomerKey,
      partSize,
      queueSize,
      logger: opts.logger,
    });
  }

  async putObject(key: string, body: ObjectBody, opts: PutObjectOptions = {}): Promise<void> {
    const op = 'putObject';
    checkCommonKey(key, { provider: this.provider, bucket: this.bucket, operation: op });
    const params: PutObjectCommandInput = { Bucket: this.bucket, Key: key, ...(opts.contentType ? { ContentType: opts.contentType } : {}), ...(opts.ifNoneMatch ? { IfNoneMatch: '*' } : {}), ...this.#writeParams };
    const source = trackSourceError(body);
    try {
      checkConditionalBody(body, opts, { provider: this.provider, bucket: this.bucket, key });
      throwIfAborted(opts.signal);
      if (isStreamBody(body)) {
        const onAbortFailure = (uploadId: string, err: unknown): void =>
          this.#logger?.('warn', `aws provider: could not abort multipart upload ${uploadId} of ${describeTarget({ provider: 'aws', bucket: this.bucket, key })}: ${this.#error(err, 'abortMultipartUpload', key).message}`);
        await uploadStream({ client: this.#client, params, body, partSize: this.#partSize, queueSize: this.#queueSize, signal: opts.signal, onAbortFailure });
      } else {
        await this.#client.send(new PutObjectCommand({ ...params, Body: bodyBytes(body) }), { abortSignal: opts.signal });
      }
    } catch (err) {
      // The caller's producer must not wait forever on a stream nobody reads any more.
      if (isStreamBody(body) && !body.destroyed) body.destroy();
      throw this.#writeError(err, key, source.failed(err), opts.signal);
    } finally {
      source.stop();
    }
  }

  async getObject(key: string, opts: ObjectOptions = {}): Promise<Readable> {
    const op = 'getObject';
    checkCommonKey(key, { provider: this.provider, bucket: this.bucket, operation: op });
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...this.#readParams }), { abortSignal: opts.signal });
      const body = out.Body;
      if (!body) return Readable.from([]);
      return body instanceof Readable ? body : Readable.fromWeb(body as unknown as WebReadableStream);
    } catch (err) {
      throw this.#error(err, op, key);
    }
  }

  async getObjectRange(key: string, offset: number, length: number, opts: ObjectOptions = {}): Promise<Buffer> {
    const op = 'getObjectRange';
    checkCommonKey(key, { provider: this.provider, bucket: this.bucket, operation: op });
    checkRange(offset, length, { provider: this.provider, bucket: this.bucket, key });
    if (length === 0) {
      // No range can say "no bytes"; the object must still exist.
      if (!(await this.objectExists(key, opts))) throw new ObjectNotFoundError({ provider: this.provider, bucket: this.bucket, key, operation: op });
      return Buffer.alloc(0);
    }
    try {
      const range = `bytes=${offset}-${offset + length - 1}`;
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range, ...this.#readParams }), { abortSignal: opts.signal });
      if (!out.Body) return Buffer.alloc(0);
      const bytes = await out.Body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      // 416: the range starts at or past the end of the object.
      if ((err as { name?: string }).name === 'InvalidRange' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return Buffer.alloc(0);
      throw this.#error(err, op, key);
    }
  }

  async objectExists(key: string, opts: ObjectOptions = {}): Promise<boolean> {
    const op = 'objectExists';
    checkCommonKey(key, { provider: this.provider, bucket: this.bucket, operation: op });
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ...this.#readParams }), { abortSignal: opts.signal });
      return true;
    } catch (err) {
      if (isMissingObject(err)) return false;
      throw this.#error(err, op, key);
    }
  }

  async listCommonPrefixes(prefix: string, delimiter: string, opts: ObjectOptions = {}): Promise<string[]> {
    // S3 ignores an empty delimiter: there are no common prefixes then.
    if (delimiter === '') return [];
    const out: string[] = [];
    for await (const page of this.#pages('listCommonPrefixes', { Prefix: prefix, Delimiter: delimiter }, opts.signal)) {
      for (const cp of page.CommonPrefixes ?? []) if (cp.Prefix !== undefined) out.push(cp.Prefix);
    }
    return out;
  }

  async *listObjects(prefix: string, opts: ObjectOptions = {}): AsyncIterable<ObjectInfo> {
    for await (const page of this.#pages('listObjects', { Prefix: prefix }, opts.signal)) {
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        yield { key: o.Key, size: o.Size ?? 0, ...(o.LastModified ? { lastModified: o.LastModified } : {}) };
      }
    }
  }

  async deleteObject(key: string, opts: ObjectOptions = {}): Promise<void> {
    const op = 'deleteObject';
    checkCommonKey(key, { provider: this.provider, bucket: this.bucket, operation: op });
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: opts.signal });
    } catch (err) {
      if (isMissingObject(err)) return;
      throw this.#error(err, op, key);
    }
  }

  async createSignedUrl(key: string, ttlMs: number): Promise<string> {
    const op = 'createSignedUrl';
    checkCommonKey(key, { provider: this.provider, bucket: this.bucket, operation: op });
    if (!(ttlMs >= 1000 && ttlMs <= MAX_SIGNED_URL_MS)) {
      throw new StorageError({ reason: 'InvalidArgument', provider: this.provider, bucket: this.bucket, key, operation: op, message: `${op}: the TTL must be between 1 s and 7 days (got ${ttlMs} ms)` });
    }
    try {
      return await getSignedUrl(this.#presigner, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: Math.ceil(ttlMs / 1000) });
    } catch (err) {
      throw this.#error(err, op, key);
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
    this.#presigner.destroy();
  }

  /** ListObjectsV2 page by page (S3 returns at most 1000 keys per page). */
  async *#pages(op: string, input: Omit<ListObjectsV2CommandInput, 'Bucket'>, signal: AbortSignal | undefined): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.#client.send(new ListObjectsV2Command({ ...input, Bucket: this.bucket, ...(token ? { ContinuationToken: token } : {}) }), { abortSignal: signal });
      } catch (err) {
        throw this.#error(err, op, input.Prefix);
      }
      yield page;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  #error(err: unknown, operation: string, key: string | undefined): StorageError {
    return toStorageError(err, { bucket: this.bucket, key, operation, secrets: this.#secrets, endpoint: this.settings.s3Url });
  }

  #writeError(err: unknown, key: string, sourceFailed: boolean, signal: AbortSignal | undefined): StorageError {
    const target = { provider: this.provider, bucket: this.bucket, key, operation: 'putObject' };
    if (signal?.aborted || (isAbortError(err) && !sourceFailed)) {
      return new StorageError({ ...target, reason: 'Aborted', message: `putObject: writing ${describeTarget(target)} was aborted`, cause: err });
    }
    if (sourceFailed) {
      return new StorageError({ ...target, reason: 'SourceFailed', message: `putObject: the body stream failed while writing ${describeTarget(target)}: ${(err as Error).message}`, cause: err });
    }
    return this.#error(err, 'putObject', key);
  }
}

/** Encryption, tags and the checksum algorithm every write carries (velero-plugin-for-aws's PutObject input). */
function writeParams(settings: AwsSettings, sseC: { SSECustomerAlgorithm?: string; SSECustomerKey?: string }): Partial<PutObjectCommandInput> {
  const params: Partial<PutObjectCommandInput> = {};
  if (settings.kmsKeyId) Object.assign(params, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: settings.kmsKeyId });
  else if (sseC.SSECustomerKey) Object.assign(params, sseC);
  else if (settings.serverSideEncryption) params.ServerSideEncryption = settings.serverSideEncryption as ServerSideEncryption;
  if (settings.tagging) params.Tagging = settings.tagging;
  if (settings.checksum.algorithm) params.ChecksumAlgorithm = settings.checksum.algorithm;
  return params;
}

/** SSE-C: the file holds exactly the 32-byte key (velero-plugin-for-aws's rule). */
async function readCustomerKey(file: string, bucket: string): Promise<string> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw invalid(`customerKeyEncryptionFile ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, bucket);
  }
  if (data.length !== 32) throw invalid(`customerKeyEncryptionFile ${file} must hold exactly 32 bytes (it holds ${data.length})`, bucket);
  return data.toString('latin1');
}

function invalid(message: string, bucket: string): StorageError {
  return new StorageError({ reason: 'InvalidConfig', provider: 'aws', bucket, message: `aws provider: ${message}` });
}
