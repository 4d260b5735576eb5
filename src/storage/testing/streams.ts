/** @module storage/testing/streams: test bodies: large generated streams with a running hash, failing streams, memory sampling. */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export { readAll } from '../read.ts';

let gcFn: (() => void) | undefined;

/** A full garbage collection, so live-memory samples are not inflated by garbage (tests only). */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

/** Bytes held in ArrayBuffers (Buffers) after a collection; the free of backing stores needs a tick. */
export async function liveBufferBytes(): Promise<number> {
  collectGarbage();
  await new Promise((r) => setTimeout(r, 1));
  return process.memoryUsage().arrayBuffers;
}

export interface GeneratedStream {
  stream: Readable;
  /** sha256 of everything produced so far (complete once the stream has ended). */
  digest(): string;
  /** The highest live-buffer growth seen over the baseline while the stream was read. */
  peakGrowth(): number;
}

/**
 * `total` random bytes in `chunk`-sized pieces, from a generator, so the length is unknown to the reader.
 * With `sampleEvery`, the live-buffer size is sampled (after a GC) every that many bytes.
 */
export async function generatedStream(total: number, opts: { chunk?: number; sampleEvery?: number; failAfter?: number; delayMs?: number } = {}): Promise<GeneratedStream> {
  const chunk = opts.chunk ?? 64 * 1024;
  const hash = createHash('sha256');
  const baseline = opts.sampleEvery ? await liveBufferBytes() : 0;
  let peak = 0;
  async function* gen(): AsyncGenerator<Buffer> {
    let sent = 0;
    let nextSample = opts.sampleEvery ?? Infinity;
    while (sent < total) {
      if (opts.failAfter !== undefined && sent >= opts.failAfter) throw new Error('source stream failed on purpose');
      const piece = randomBytes(Math.min(chunk, total - sent));
      hash.update(piece);
      sent += piece.length;
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      if (sent >= nextSample) {
        peak = Math.max(peak, (await liveBufferBytes()) - baseline);
        nextSample += opts.sampleEvery ?? Infinity;
      }
      yield piece;
    }
  }
  return { stream: Readable.from(gen(), { objectMode: false }), digest: () => hash.digest('hex'), peakGrowth: () => peak };
}

export async function sha256Of(stream: Readable): Promise<{ hex: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const part of stream) {
    hash.update(part as Buffer);
    size += (part as Buffer).length;
  }
  return { hex: hash.digest('hex'), size };
}
