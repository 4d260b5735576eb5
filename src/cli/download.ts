/** @module cli/download — fetches one file of a backup or restore through a DownloadRequest, as Velero's CLI does. */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Agent, request } from 'undici';
import { newDownloadRequest, VeleroResources, type DownloadRequest, type DownloadTargetKind } from '../api/index.ts';
import { isNotFound, KubeApiError, type KubeClient } from '../kube/index.ts';
import { formatGoDuration } from '../util/duration.ts';
import { sleep } from '../util/index.ts';

/** How long a command waits for the server to answer a DownloadRequest unless told otherwise (Velero's 1m). */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;
/** Fallback poll interval next to the watch; Velero polls every 25 ms, a watch makes that unnecessary. */
const POLL_INTERVAL_MS = 250;

export interface DownloadOptions {
  client: KubeClient;
  /** The server namespace, where the DownloadRequest is created. */
  namespace: string;
  kind: DownloadTargetKind;
  /** The backup name, or the restore name for the Restore* kinds. */
  name: string;
  /** Wait for the server this long, and allow the HTTP transfer this long between bytes. Default 1m. */
  timeoutMs?: number;
  /** Accept any TLS certificate from the object store (`--insecure-skip-tls-verify`). */
  insecureSkipTlsVerify?: boolean;
  /** A PEM bundle trusted in addition to the system roots (`--cacert`). */
  caCertFile?: string;
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/** The server answered, but the file does not exist (an empty downloadURL, an HTTP 404, a missing local file). */
export class DownloadNotFoundError extends Error {
  override readonly name = 'DownloadNotFoundError';
}

/** The server did not answer the DownloadRequest in time: most likely no Skiff/Velero server is running. */
export class DownloadTimeoutError extends Error {
  override readonly name = 'DownloadTimeoutError';
}

function isReady(dr: DownloadRequest | undefined): boolean {
  return dr?.status?.phase === 'Processed' || (dr?.status?.downloadURL ?? '') !== '';
}

/**
 * Creates the DownloadRequest and waits, with a watch and a fallback poll, until the server processed it.
 * Returns its download URL ('' when the server found nothing); deletes the request afterwards (best effort).
 */
export async function requestDownloadUrl(opts: DownloadOptions): Promise<string> {
  const { client, namespace } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  const name = `${opts.name}-${randomUUID()}`;
  let created: DownloadRequest;
  try {
    created = await client.create<DownloadRequest>(VeleroResources.downloadRequests, newDownloadRequest(name, namespace, { target: { kind: opts.kind, name: opts.name } }));
  } catch (err) {
    const reason = err instanceof KubeApiError && err.status.message ? err.status.message : (err as Error).message;
    throw new Error(`cannot create a download request in namespace "${namespace}": ${reason}`, { cause: err });
  }
  try {
    const done = await waitProcessed(opts, created, timeoutMs);
    if (done === undefined) {
      throw new DownloadTimeoutError(
        `timed out after ${formatGoDuration(timeoutMs)} waiting for the server to process the download request for the ${opts.kind} of "${opts.name}": ` +
          `is the skiff (or velero) server running in namespace "${namespace}"? Check its logs; the backup storage location may not be available`,
      );
    }
    return done.status?.downloadURL ?? '';
  } finally {
    await client.delete(VeleroResources.downloadRequests, name, { namespace }).catch(() => undefined);
  }
}

/** Resolves with the processed request, or undefined at the deadline. */
async function waitProcessed(opts: DownloadOptions, created: DownloadRequest, timeoutMs: number): Promise<DownloadRequest | undefined> {
  if (isReady(created)) return created;
  const ac = new AbortController();
  const stop = (): void => ac.abort();
  opts.signal?.addEventListener('abort', stop, { once: true });
  const timer = setTimeout(stop, timeoutMs);
  try {
    return await Promise.race([watchUntilReady(opts, created, ac.signal), pollUntilReady(opts, created, ac.signal)]);
  } finally {
    clearTimeout(timer);
    ac.abort();
    opts.signal?.removeEventListener('abort', stop);
    if (opts.signal?.aborted) throw opts.signal.reason;
  }
}

/** Watches the one request; reconnects when a watch ends or breaks. Undefined once aborted. */
async function watchUntilReady(opts: DownloadOptions, created: DownloadRequest, signal: AbortSignal): Promise<DownloadRequest | undefined> {
  let resourceVersion = created.metadata.resourceVersion;
  while (!signal.aborted) {
    try {
      const events = opts.client.watch<DownloadRequest>(VeleroResources.downloadRequests, {
        namespace: opts.namespace,
        fieldSelector: `metadata.name=${created.metadata.name ?? ''}`,
        resourceVersion,
        signal,
      });
      for await (const ev of events) {
        resourceVersion = ev.object.metadata.resourceVersion ?? resourceVersion;
        if (ev.type !== 'BOOKMARK' && ev.type !== 'DELETED' && isReady(ev.object)) return ev.object;
      }
    } catch {
      // An expired resourceVersion or a broken stream: the poll covers the gap; start a fresh watch.
      resourceVersion = undefined;
      await sleep(opts.pollIntervalMs ?? POLL_INTERVAL_MS, signal).catch(() => undefined);
    }
  }
  return undefined;
}

async function pollUntilReady(opts: DownloadOptions, created: DownloadRequest, signal: AbortSignal): Promise<DownloadRequest | undefined> {
  while (!signal.aborted) {
    await sleep(opts.pollIntervalMs ?? POLL_INTERVAL_MS, signal).catch(() => undefined);
    if (signal.aborted) break;
    try {
      const current = await opts.client.get<DownloadRequest>(VeleroResources.downloadRequests, created.metadata.name ?? '', {
        namespace: opts.namespace,
        signal,
      });
      if (isReady(current)) return current;
    } catch (err) {
      // Someone deleted it (the server's expiry, a user): nothing will ever answer.
      if (isNotFound(err)) return { ...created, status: { phase: 'Processed', downloadURL: '' } };
    }
  }
  return undefined;
}

/**
 * The file as a stream: gunzipped for every kind but BackupContents (which is the raw tarball).
 * Throws DownloadNotFoundError, DownloadTimeoutError, or an error describing the transfer problem.
 */
export async function openDownload(opts: DownloadOptions): Promise<Readable> {
  const url = await requestDownloadUrl(opts);
  if (url === '') throw new DownloadNotFoundError(notFoundMessage(opts));
  const raw = await fetchUrl(url, opts);
  if (opts.kind === 'BackupContents') return raw;
  const gunzip = createGunzip();
  // pipeline forwards errors both ways and destroys the source if the reader stops early.
  pipeline(raw, gunzip).catch(() => undefined);
  return gunzip;
}

/** Streams the (gunzipped) file into `out`. */
export async function downloadTo(opts: DownloadOptions, out: Writable): Promise<void> {
  await pipeline(await openDownload(opts), out);
}

/** The whole (gunzipped) file in memory: for the small JSON sidecars describe reads. */
export async function downloadBuffer(opts: DownloadOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => chunks.push(c));
  await downloadTo(opts, sink);
  return Buffer.concat(chunks);
}

/** A JSON sidecar parsed, or undefined when the file does not exist. */
export async function downloadJson<T>(opts: DownloadOptions): Promise<T | undefined> {
  try {
    return JSON.parse((await downloadBuffer(opts)).toString('utf8')) as T;
  } catch (err) {
    if (err instanceof DownloadNotFoundError) return undefined;
    throw err;
  }
}

function notFoundMessage(opts: DownloadOptions): string {
  return `the ${opts.kind} file of "${opts.name}" was not found in its backup storage location`;
}

/** `file://` is the local-directory provider (same machine only); anything else goes over HTTP(S). */
async function fetchUrl(url: string, opts: DownloadOptions): Promise<Readable> {
  if (url.startsWith('file:')) return openLocalFile(url, opts);
  const agent = new Agent({ connect: await tlsOptions(opts), allowH2: false });
  const timeout = opts.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS;
  try {
    const res = await request(url, { dispatcher: agent, headersTimeout: timeout, bodyTimeout: timeout, ...(opts.signal ? { signal: opts.signal } : {}) });
    if (res.statusCode !== 200) {
      const body = await res.body.text().catch(() => '');
      if (res.statusCode === 404) throw new DownloadNotFoundError(notFoundMessage(opts));
      throw new Error(`request failed: HTTP ${res.statusCode}${body ? `: ${body.slice(0, 500)}` : ''}`);
    }
    const body = res.body as unknown as Readable;
    body.once('close', () => void agent.close());
    return body;
  } catch (err) {
    void agent.close();
    throw tlsHint(err);
  }
}

async function openLocalFile(url: string, opts: DownloadOptions): Promise<Readable> {
  const path = fileURLToPath(url);
  const stream = createReadStream(path);
  // Surface a missing file as "not found" before anyone reads.
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new DownloadNotFoundError(notFoundMessage(opts)) : err),
    );
  });
  return stream;
}

async function tlsOptions(opts: DownloadOptions): Promise<{ rejectUnauthorized: boolean; ca?: string[] }> {
  if (opts.insecureSkipTlsVerify === true) return { rejectUnauthorized: false };
  if (opts.caCertFile === undefined || opts.caCertFile === '') return { rejectUnauthorized: true };
  let pem: string;
  try {
    pem = await readFile(opts.caCertFile, 'utf8');
  } catch (err) {
    throw new Error(`couldn't open cacert ${opts.caCertFile}: ${(err as Error).message}`, { cause: err });
  }
  // As Velero: the given bundle in addition to the system roots.
  return { rejectUnauthorized: true, ca: [...rootCertificates, pem] };
}

const UNTRUSTED = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']);

function tlsHint(err: unknown): unknown {
  const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
  if (code === undefined || !UNTRUSTED.has(code)) return err;
  // Node suggests its own --use-system-ca flag, which means nothing to a skiff user.
  const reason = (err as Error).message.replace(/; if the root CA is installed locally.*$/s, '');
  return new Error(
    `cannot verify the object store's TLS certificate: ${reason}\n\nUse --cacert to trust the object store's certificate authority; the --insecure-skip-tls-verify flag can also be used to accept any TLS certificate for the download, but it is susceptible to man-in-the-middle attacks.`,
    { cause: err },
  );
}
