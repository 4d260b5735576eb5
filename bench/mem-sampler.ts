/**
 * @module bench/mem-sampler: where a process's memory is at its RSS peak, sampled every 50 ms — V8's heap,
 * external memory and array buffers beside the RSS, and optionally the mappings that hold it. A light module:
 * the volume-data child (bench/scenarios/fs-child.ts) and bench/repo-save.ts both use it.
 */
import { readFileSync } from 'node:fs';

export class MemorySampler {
  #peak: NodeJS.MemoryUsage = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
  #smaps = '';
  readonly #maps: boolean;
  readonly #timer: NodeJS.Timeout;

  /** `maps`: also keep /proc/self/smaps at each new peak (costly; for finding what holds the peak). */
  constructor(opts: { maps?: boolean } = {}) {
    this.#maps = opts.maps === true;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), 50);
    this.#timer.unref();
  }

  #sample(): void {
    const m = process.memoryUsage();
    if (m.rss <= this.#peak.rss) return;
    this.#peak = m;
    if (this.#maps) this.#smaps = readFileSync('/proc/self/smaps', 'utf8');
  }

  /** The sample with the highest RSS so far. */
  get peak(): NodeJS.MemoryUsage {
    return this.#peak;
  }

  stop(): void {
    this.#sample();
    clearInterval(this.#timer);
  }

  /** The peak's figures in MiB, as `peak_rssMB`, `peak_heapUsedMB`, … */
  figures(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.#peak).map(([k, v]: [string, number]) => [`peak_${k}MB`, Math.round(v / 2 ** 20)]));
  }

  /** The mappings with the most resident memory at the peak (with `maps`), summed by name. */
  largestMappings(): string | undefined {
    if (!this.#smaps) return undefined;
    const maps: Array<{ name: string; rss: number }> = [];
    for (const line of this.#smaps.split('\n')) {
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) maps.push({ name: line.split(/\s+/).slice(5).join(' ') || `[anon ${line.split(' ')[0]}]`, rss: 0 });
      else if (line.startsWith('Rss:') && maps.length > 0) maps[maps.length - 1]!.rss = Number(line.split(/\s+/)[1]) / 1024;
    }
    const total = maps.reduce((n, m) => n + m.rss, 0);
    const sizes = new Map<string, number>();
    for (const m of maps) {
      const k = m.name.startsWith('[anon') ? (m.rss >= 8 ? `anon ${Math.round(m.rss)} MB` : 'anon < 8 MB') : m.name;
      sizes.set(k, (sizes.get(k) ?? 0) + m.rss);
    }
    const top = [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 16);
    return `peak RSS ${Math.round(total)} MB: ${top.map(([k, v]) => `${k}=${Math.round(v)}`).join(', ')}`;
  }
}

/** The sampler SKIFF_BENCH_MEM asks for: `maps` with the mappings, any other value without, unset none. */
export function samplerFromEnv(env: NodeJS.ProcessEnv): MemorySampler | undefined {
  return env.SKIFF_BENCH_MEM ? new MemorySampler({ maps: env.SKIFF_BENCH_MEM === 'maps' }) : undefined;
}
