/** @module storage/read: reads a whole (small) object stream into memory. */
import type { Readable } from 'node:stream';
import type { ObjectStore } from './object-store.ts';

/** Collects a stream into one Buffer; for metadata and sidecars, never for tarballs. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

/** A whole (small) object's bytes; a missing key rejects with ObjectNotFoundError. */
export async function readObject(store: ObjectStore, key: string, signal?: AbortSignal): Promise<Buffer> {
  return readAll(await store.getObject(key, signal ? { signal } : {}));
}
