/** @module storage/read: reads a whole (small) object stream into memory. */
import type { Readable } from 'node:stream';

/** Collects a stream into one Buffer; for metadata and sidecars, never for tarballs. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}
