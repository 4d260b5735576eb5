/**
 * @module cli/commands/repo/progress — live progress of backup, restore, check and maintain on a terminal
 * (stderr, one line rewritten in place, at most four times a second), and the sizes, rates and durations
 * the summaries print.
 */
import type { OutputStream } from '../../context.ts';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `0 B`, `512 B`, `1.5 KiB`, `23.4 MiB`, `1.02 GiB`: three significant digits. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${UNITS[u]}`;
}

/** `12,345`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `0:07`, `12:03`, `1:02:03`. */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** `1.9 s`, `320 ms`. */
export function formatSeconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Bytes per second as `230 MiB/s` (`-` before anything could be measured). */
export function formatRate(bytes: number, ms: number): string {
  return ms > 0 ? `${formatBytes((bytes * 1000) / ms)}/s` : '-';
}

export interface TransferState {
  bytes: number;
  files: number;
  elapsedMs: number;
  /** Bytes expected in all (the parent snapshot's size, the snapshot's size on restore), for an ETA. */
  totalBytes?: number | undefined;
}

/** `1.20 GiB, 12,345 files, 230 MiB/s, ETA 0:12` (the ETA only when a total is known and the rate is). */
export function transferText(p: TransferState): string {
  const parts = [formatBytes(p.bytes), `${formatCount(p.files)} files`, formatRate(p.bytes, p.elapsedMs)];
  if (p.totalBytes !== undefined && p.totalBytes > 0 && p.bytes > 0 && p.elapsedMs > 0) {
    const left = Math.max(0, p.totalBytes - p.bytes);
    const pct = Math.min(100, Math.floor((p.bytes / p.totalBytes) * 100));
    parts.push(`${pct}%`, `ETA ${formatClock((left * p.elapsedMs) / p.bytes)}`);
  }
  return parts.join(', ');
}

/**
 * One line of progress on `out` when it is a terminal, redrawn at most every `intervalMs` (default 250 ms,
 * so ≤ 4 times a second); nothing at all otherwise, so logs and pipes stay clean.
 */
export class ProgressLine {
  readonly #out: OutputStream;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #last = Number.NEGATIVE_INFINITY;
  #drawn = false;

  constructor(out: OutputStream, opts: { intervalMs?: number; now?: () => number } = {}) {
    this.#out = out;
    this.#intervalMs = opts.intervalMs ?? 250;
    this.#now = opts.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.#out.isTTY === true;
  }

  update(text: string): void {
    if (!this.enabled) return;
    const t = this.#now();
    if (t - this.#last < this.#intervalMs) return;
    this.#last = t;
    const width = this.#out.columns ?? 0;
    this.#out.write(`\r\x1b[K${width > 1 && text.length >= width ? text.slice(0, width - 1) : text}`);
    this.#drawn = true;
  }

  /** Clears the line, so the summary that follows starts on a clean one. */
  clear(): void {
    if (!this.#drawn) return;
    this.#out.write('\r\x1b[K');
    this.#drawn = false;
  }
}

/** Runs `fn` with a progress line on `out`, cleared however it ends, so what is printed next starts on a clean line. */
export async function withProgress<T>(out: OutputStream, fn: (line: ProgressLine) => Promise<T>): Promise<T> {
  const line = new ProgressLine(out);
  try {
    return await fn(line);
  } finally {
    line.clear();
  }
}
