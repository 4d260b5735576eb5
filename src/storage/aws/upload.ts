/** @module storage/aws/upload: streamed multipart uploads that never leave a partial object or a dangling upload. */
import type { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { abortReason } from '../../util/index.ts';
import { awsReason } from './errors.ts';

/** 16 MiB parts: 10,000 parts (S3's limit) then cover 156 GiB of tarball. */
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
/** Parts in flight. Memory held is about (queueSize + 1) × partSize: 64 MiB by default. */
export const DEFAULT_QUEUE_SIZE = 3;

export interface StreamUploadOptions {
  client: S3Client;
  params: PutObjectCommandInput;
  body: Readable;
  partSize: number;
  queueSize: number;
  signal?: AbortSignal | undefined;
  /** Told when the final abort of a failed multipart upload fails (the parts then wait for a lifecycle rule). */
  onAbortFailure?: (uploadId: string, err: unknown) => void;
}

/**
 * Uploads a stream of unknown length: a single PutObject when it fits one part, else a multipart upload.
 * An abort destroys the body, so lib-storage stops reading and aborts its multipart upload itself; the
 * upload is aborted once more here (S3 asks callers to repeat the abort when parts may have been in
 * flight, and lib-storage's own abort can fail silently behind the original error).
 */
export async function uploadStream(opts: StreamUploadOptions): Promise<void> {
  const { body, signal } = opts;
  const onAbort = (): void => {
    body.destroy(abortReason(signal!));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  // leavePartsOnError false: a failed multipart upload is aborted, so no parts linger (and cost money).
  const upload = new Upload({ client: opts.client, params: { ...opts.params, Body: body }, partSize: opts.partSize, queueSize: opts.queueSize, leavePartsOnError: false });
  try {
    await upload.done();
  } catch (err) {
    if (upload.uploadId) await abortMultipart(opts, upload.uploadId);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

async function abortMultipart(opts: StreamUploadOptions, uploadId: string): Promise<void> {
  try {
    await opts.client.send(new AbortMultipartUploadCommand({ Bucket: opts.params.Bucket, Key: opts.params.Key, UploadId: uploadId }));
  } catch (err) {
    // NoSuchUpload: lib-storage had aborted it already, which is the usual case.
    if ((err as { name?: string }).name === 'NoSuchUpload' || awsReason(err) === 'NotFound') return;
    opts.onAbortFailure?.(uploadId, err);
  }
}
