/**
 * @module backup/backup-log: the per-backup (or per-restore) log — text lines in logrus' format,
 * gzipped as they are written, with warnings and errors collected into Velero's results shape.
 */
import { createGzip, type Gzip } from 'node:zlib';

/** Velero's results Result: messages for the server, the cluster, and per namespace. */
export interface ResultBucket {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

export interface Results {
  warnings: ResultBucket;
  errors: ResultBucket;
}

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface LogFields {
  namespace?: string | undefined;
  /** Marks a message about a cluster-scoped item (it lands in the `cluster` bucket). */
  cluster?: boolean | undefined;
  [key: string]: string | number | boolean | undefined;
}

export interface OperationLogOptions {
  /** `backup=velero/nightly` or `restore=velero/r1`: stamped on every line, as Velero does. */
  subject: string;
  now?: () => Date;
  /** Also hand each line to the server's own log. */
  echo?: (level: LogLevel, line: string) => void;
  /** Stop keeping lines after this many compressed bytes (the counts still grow). Default 64 MiB. */
  maxCompressedBytes?: number;
}

/**
 * The log a user reads with `skiff backup logs`. Warnings and errors are counted and kept by
 * namespace for the results file; the counts become status.warnings and status.errors.
 */
export class OperationLog {
  readonly #opts: OperationLogOptions;
  readonly #gzip: Gzip;
  readonly #chunks: Buffer[] = [];
  /** Lines waiting to be compressed: one zlib write per ~64 KiB, not per line (each write is a thread-pool job). */
  #pending = '';
  #second = -1;
  #stamp = '';
  #compressed = 0;
  #dropped = 0;
  #warnings = 0;
  #errors = 0;
  readonly #results: Results = { warnings: {}, errors: {} };
  readonly #done: Promise<void>;
  #finished: Promise<Buffer> | undefined;

  constructor(opts: OperationLogOptions) {
    this.#opts = opts;
    this.#gzip = createGzip({ level: 6 });
    this.#gzip.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#compressed += chunk.length;
    });
    this.#done = new Promise((resolve, reject) => {
      this.#gzip.on('end', resolve);
      this.#gzip.on('error', reject);
    });
  }

  get warnings(): number {
    return this.#warnings;
  }

  get errors(): number {
    return this.#errors;
  }

  debug(msg: string, fields: LogFields = {}): void {
    this.#write('debug', msg, fields);
  }

  info(msg: string, fields: LogFields = {}): void {
    this.#write('info', msg, fields);
  }

  warn(msg: string, fields: LogFields = {}): void {
    this.#warnings++;
    this.#record('warnings', msg, fields);
    this.#write('warning', msg, fields);
  }

  error(msg: string, fields: LogFields = {}): void {
    this.#errors++;
    this.#record('errors', msg, fields);
    this.#write('error', msg, fields);
  }

  /** The results file's content: `{"warnings": Result, "errors": Result}`. */
  results(): Results {
    return structuredClone(this.#results);
  }

  /** True once finish() was called: later lines go to `echo` only. */
  get finished(): boolean {
    return this.#finished !== undefined;
  }

  /** Ends the log and returns the gzipped bytes (the same bytes on every call). */
  finish(): Promise<Buffer> {
    this.#finished ??= this.#end();
    return this.#finished;
  }

  async #end(): Promise<Buffer> {
    this.#flushPending();
    if (this.#dropped > 0) this.#gzip.write(`time="${this.#time()}" level=warning msg="${this.#dropped} more log lines were dropped: the log reached its size limit" ${this.#opts.subject}\n`);
    this.#gzip.end();
    await this.#done;
    return Buffer.concat(this.#chunks);
  }

  #record(kind: keyof Results, msg: string, fields: LogFields): void {
    const bucket = this.#results[kind];
    if (fields.namespace) ((bucket.namespaces ??= {})[fields.namespace] ??= []).push(msg);
    else if (fields.cluster) (bucket.cluster ??= []).push(msg);
    else (bucket.velero ??= []).push(msg);
  }

  #write(level: LogLevel, msg: string, fields: LogFields): void {
    const extra = Object.entries(fields)
      .filter(([k, v]) => v !== undefined && k !== 'cluster')
      .map(([k, v]) => `${k}=${quote(String(v))}`)
      .join(' ');
    const line = `time="${this.#time()}" level=${level} msg=${quote(msg)} ${this.#opts.subject}${extra ? ` ${extra}` : ''}`;
    this.#opts.echo?.(level, line);
    if (this.#finished) return;
    if (this.#compressed >= (this.#opts.maxCompressedBytes ?? 64 * 1024 * 1024)) {
      this.#dropped++;
      return;
    }
    this.#pending += `${line}\n`;
    if (this.#pending.length >= 64 * 1024) this.#flushPending();
  }

  #flushPending(): void {
    if (this.#pending === '') return;
    this.#gzip.write(this.#pending);
    this.#pending = '';
  }

  #time(): string {
    const now = this.#opts.now?.() ?? new Date();
    const second = Math.floor(now.getTime() / 1000);
    // One string per second, not per line: a backup writes a line per item.
    if (second !== this.#second) {
      this.#second = second;
      this.#stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    return this.#stamp;
  }
}

/** logrus quotes a value when it has spaces, quotes or '=' (and always for msg). */
function quote(v: string): string {
  return /^[\w./:@-]+$/.test(v) ? v : JSON.stringify(v);
}
