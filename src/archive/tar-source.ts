/** @module archive/tar-source: untrusted .tar.gz bytes → tar entries, with gzip-bomb, size and framing guards. */
import type { Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { Extract, Header } from 'tar-stream';
import { ArchiveError } from './errors.ts';

/** Bounds on what one archive may make the reader do. Defaults: DEFAULT_ARCHIVE_LIMITS (reasons in ADR 0007). */
export interface ArchiveLimits {
  /** Largest single entry. */
  maxEntryBytes: number;
  /** Largest uncompressed tar stream. */
  maxTotalBytes: number;
  /** Most entries (directories included). */
  maxEntries: number;
  /** Largest uncompressed/compressed ratio, checked once `ratioGraceBytes` have been inflated. */
  maxCompressionRatio: number;
  ratioGraceBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  // etcd refuses requests above 1.5 MiB, so no Kubernetes object is larger; 64 MiB leaves room for anything
  // a plugin adds while bounding the memory one entry (held, then parsed) can take.
  maxEntryBytes: 64 * 1024 * 1024,
  // Two orders of magnitude above the largest backups reported to Velero (~1 GiB of JSON for 300k objects).
  maxTotalBytes: 32 * 1024 * 1024 * 1024,
  // 2.5 million objects written twice.
  maxEntries: 5_000_000,
  // Deflate peaks at ~1030:1 (zeros at level 6–9). Real backups measure 13–16:1, and contrived ones (100,000
  // identical tiny objects) 83:1; only hundreds of MiB of one repeated character reach ~900:1 (ADR 0007).
  maxCompressionRatio: 500,
  ratioGraceBytes: 64 * 1024 * 1024,
});

/** One tar member as tar-stream yields it: a header and a stream of exactly `header.size` bytes. */
export interface TarMember extends AsyncIterable<Buffer> {
  header: Header;
}

/**
 * Feeds `input` through gunzip into tar-stream's parser and yields its members. Two pumps run beside the
 * consumer: input → gunzip and gunzip → guards → tar parser; each waits for the next stage to drain, so the
 * archive is never held whole. The first failure anywhere is recorded, everything is destroyed, and that
 * failure is what every later call reports.
 */
export class TarSource {
  compressedBytes = 0;
  uncompressedBytes = 0;
  private readonly gunzip: Gunzip = createGunzip();
  private readonly extract: Extract = tar.extract();
  private readonly input: Readable;
  private readonly limits: ArchiveLimits;
  private failure: ArchiveError | undefined;
  private closed = false;

  constructor(input: Readable, limits: ArchiveLimits) {
    this.input = input;
    this.limits = limits;
    // Errors surface through the pumps and the iterator; these listeners only keep them from being unhandled.
    this.gunzip.on('error', () => undefined);
    this.extract.on('error', () => undefined);
    void this.pumpCompressed();
    void this.pumpTar();
  }

  async *members(): AsyncGenerator<TarMember> {
    try {
      for await (const member of this.extract) yield member as TarMember;
    } catch (err) {
      throw this.fail(classifyTarError(err));
    }
    if (this.failure) throw this.failure;
  }

  /** Records the first failure and stops everything; returns the failure to throw. */
  fail(err: ArchiveError): ArchiveError {
    if (!this.failure && !this.closed) this.failure = err;
    this.close();
    return this.failure ?? err;
  }

  /** Stops the pumps and releases the streams (the input included, as a pipeline would). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.extract.destroy(this.failure);
    this.gunzip.destroy();
    this.input.destroy();
  }

  private async pumpCompressed(): Promise<void> {
    try {
      for await (const chunk of this.input as AsyncIterable<Buffer | string>) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        this.compressedBytes += bytes.length;
        if (!this.gunzip.write(bytes)) await drained(this.gunzip);
        if (this.closed) return;
      }
      if (!this.closed) this.gunzip.end();
    } catch (err) {
      if (!this.closed) this.fail(new ArchiveError('ReadFailed', `reading the archive failed: ${messageOf(err)}`, { cause: err }));
    }
  }

  private async pumpTar(): Promise<void> {
    try {
      for await (const chunk of this.gunzip as AsyncIterable<Buffer>) {
        this.uncompressedBytes += chunk.length;
        this.checkSize();
        if (!this.extract.write(chunk)) await drained(this.extract);
        // A tar error destroys the parser; the members iterator reports it.
        if (this.closed || this.extract.destroying) return;
      }
      // Node's gunzip silently skips bytes after a member when they start with a zero byte; Go refuses them.
      if (this.gunzip.bytesWritten < this.compressedBytes) {
        throw new ArchiveError('TrailingGarbage', `${this.compressedBytes - this.gunzip.bytesWritten} bytes follow the gzip data`);
      }
      this.extract.end(undefined);
    } catch (err) {
      if (!this.closed) this.fail(err instanceof ArchiveError ? err : this.classifyGzipError(err));
    }
  }

  private checkSize(): void {
    const { maxTotalBytes, maxCompressionRatio, ratioGraceBytes } = this.limits;
    if (this.uncompressedBytes > maxTotalBytes) {
      throw new ArchiveError('ArchiveTooLarge', `the archive inflates beyond ${maxTotalBytes} bytes (limit maxTotalBytes)`);
    }
    // bytesWritten counts the compressed bytes zlib has consumed (not those merely read ahead), so the ratio is exact.
    const consumed = this.gunzip.bytesWritten;
    if (this.uncompressedBytes > ratioGraceBytes && this.uncompressedBytes > maxCompressionRatio * consumed) {
      throw new ArchiveError(
        'CompressionRatio',
        `${consumed} compressed bytes inflated to ${this.uncompressedBytes}, more than ${maxCompressionRatio}:1 (limit maxCompressionRatio): a gzip bomb?`,
      );
    }
  }

  private classifyGzipError(err: unknown): ArchiveError {
    const code = (err as { code?: unknown } | undefined)?.code;
    const detail = `gzip: ${messageOf(err)}`;
    if (code === 'Z_BUF_ERROR') return new ArchiveError('Truncated', `the archive ends early (${detail})`, { cause: err });
    // A header check failing after input was consumed means a member ended and something other than gzip
    // follows. (zlib consumes a small archive and the garbage in one step; that case reads as CorruptGzip.)
    if (code === 'Z_DATA_ERROR' && /header check/.test(messageOf(err)) && this.gunzip.bytesWritten > 0) {
      return new ArchiveError('TrailingGarbage', `bytes that are not gzip follow the gzip data (${detail})`, { cause: err });
    }
    return new ArchiveError('CorruptGzip', `not a valid gzip stream (${detail})`, { cause: err });
  }
}

/** Maps what tar-stream throws (or an ArchiveError passed through it) to an ArchiveError. */
export function classifyTarError(err: unknown): ArchiveError {
  if (err instanceof ArchiveError) return err;
  const message = messageOf(err);
  if (/unexpected end/i.test(message)) return new ArchiveError('Truncated', `the tar stream ends early (${message})`, { cause: err });
  return new ArchiveError('CorruptTar', `invalid tar data (${message})`, { cause: err });
}

interface Drainable {
  destroyed: boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Waits for 'drain', or for 'close' when the stream is destroyed meanwhile (the pump then stops). Errors are
 * not awaited here: they reach the pump through its own iteration or the members iterator.
 */
function drained(stream: Drainable): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
