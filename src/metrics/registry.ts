/**
 * @module metrics/registry: a small Prometheus registry — counters, gauges and histograms with labels —
 * rendered in the text exposition format 0.0.4. Written here rather than taken from prom-client: the
 * server needs a dozen families and exact output, not a framework (see docs/adr/0014-metrics.md).
 */
import { renderFamilies } from './exposition.ts';

export type Labels = Readonly<Record<string, string>>;
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricOptions {
  name: string;
  help: string;
  /** The label names every series of the family carries; none means one unlabeled series. */
  labelNames?: readonly string[];
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, increasing; `+Inf` is implied. */
  buckets: readonly number[];
}

/** One series as the exposition sees it: label values in labelNames order, and its number(s). */
export interface SeriesSnapshot {
  labelValues: readonly string[];
  value: number;
  /** Histograms: per-bucket (not cumulative) counts, then sum and count. */
  bucketCounts?: readonly number[];
  sum?: number;
  count?: number;
}

export interface FamilySnapshot {
  name: string;
  help: string;
  type: MetricType;
  labelNames: readonly string[];
  buckets?: readonly number[];
  series: SeriesSnapshot[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface Series {
  labelValues: string[];
  value: number;
  bucketCounts?: number[];
  sum?: number;
  count?: number;
}

/** What the three metric kinds share: the family, its label checks and its series. */
class Family {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, Series>();

  constructor(type: MetricType, opts: MetricOptions) {
    if (!METRIC_NAME.test(opts.name)) throw new Error(`metric name ${JSON.stringify(opts.name)} is not valid`);
    const labelNames = opts.labelNames ?? [];
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new Error(`${opts.name}: label name ${JSON.stringify(l)} is not valid`);
      if (type === 'histogram' && l === 'le') throw new Error(`${opts.name}: "le" is reserved for histogram buckets`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`${opts.name}: duplicate label names`);
    this.type = type;
    this.name = opts.name;
    this.help = opts.help;
    // Sorted, so series sort (and render) by label name as Go's client orders them.
    this.labelNames = [...labelNames].sort();
  }

  /** An unlabeled family always has its one series, at zero until something happens (as client_golang). */
  protected createUnlabeled(): void {
    if (this.labelNames.length === 0) this.seriesFor({});
  }

  /** The label values in labelNames order; a missing or unknown label is a programming error. */
  protected valuesOf(labels: Labels): string[] {
    const keys = Object.keys(labels);
    if (keys.length !== this.labelNames.length || keys.some((k) => !this.labelNames.includes(k))) {
      throw new Error(`${this.name}: labels {${keys.join(',')}} do not match {${this.labelNames.join(',')}}`);
    }
    return this.labelNames.map((n) => labels[n]!);
  }

  protected seriesFor(labels: Labels): Series {
    const values = this.valuesOf(labels);
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      s = this.newSeries(values);
      this.series.set(key, s);
    }
    return s;
  }

  protected newSeries(labelValues: string[]): Series {
    return { labelValues, value: 0 };
  }

  /** Drops one labelled series (a deleted schedule's, say). */
  remove(labels: Labels): void {
    this.series.delete(this.valuesOf(labels).join('\u0000'));
  }

  /** Drops the series whose value for `label` is `value`, whatever their other labels. */
  removeMatching(label: string, value: string): void {
    const i = this.labelNames.indexOf(label);
    if (i < 0) return;
    for (const [key, s] of this.series) if (s.labelValues[i] === value) this.series.delete(key);
  }

  /** Drops every labelled series; an unlabeled one goes back to zero. */
  reset(): void {
    this.series.clear();
    this.createUnlabeled();
  }

  snapshot(): FamilySnapshot {
    const series = [...this.series.values()].map((s) => ({
      labelValues: [...s.labelValues],
      value: s.value,
      ...(s.bucketCounts ? { bucketCounts: [...s.bucketCounts], sum: s.sum ?? 0, count: s.count ?? 0 } : {}),
    }));
    return { name: this.name, help: this.help, type: this.type, labelNames: this.labelNames, series };
  }
}

export class Counter extends Family {
  constructor(opts: MetricOptions) {
    super('counter', opts);
    this.createUnlabeled();
  }

  /** Adds `by` (default 1); a counter never goes down. */
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter cannot be increased by ${by}`);
    this.seriesFor(labels).value += by;
  }

  /** Creates the series at zero if it is missing, so it is exported before its first event. */
  init(labels: Labels = {}): void {
    this.seriesFor(labels);
  }
}

export class Gauge extends Family {
  constructor(opts: MetricOptions) {
    super('gauge', opts);
    this.createUnlabeled();
  }

  set(labels: Labels, value: number): void {
    this.seriesFor(labels).value = value;
  }

  inc(labels: Labels = {}, by = 1): void {
    this.seriesFor(labels).value += by;
  }
}

export class Histogram extends Family {
  readonly buckets: readonly number[];

  constructor(opts: HistogramOptions) {
    const buckets = [...opts.buckets];
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))) {
      throw new Error(`${opts.name}: buckets must be finite and increasing`);
    }
    super('histogram', opts);
    this.buckets = buckets;
    this.createUnlabeled();
  }

  protected override newSeries(labelValues: string[]): Series {
    return { labelValues, value: 0, bucketCounts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  observe(labels: Labels, value: number): void {
    const s = this.seriesFor(labels);
    let i = this.buckets.findIndex((b) => value <= b);
    if (i < 0) i = this.buckets.length; // only +Inf holds it
    s.bucketCounts![i]!++;
    s.sum! += value;
    s.count!++;
  }

  override snapshot(): FamilySnapshot {
    return { ...super.snapshot(), buckets: this.buckets };
  }
}

type AnyFamily = Counter | Gauge | Histogram;

/**
 * A set of metric families with one exposition. `onCollect` hooks run before each rendering, for values
 * read at scrape time (process memory, counts taken from an informer cache).
 */
export class Registry {
  readonly #families = new Map<string, AnyFamily>();
  readonly #hooks = new Set<() => void>();

  counter(opts: MetricOptions): Counter {
    return this.#add(new Counter(opts));
  }

  gauge(opts: MetricOptions): Gauge {
    return this.#add(new Gauge(opts));
  }

  histogram(opts: HistogramOptions): Histogram {
    return this.#add(new Histogram(opts));
  }

  /** Runs `hook` before every rendering; the returned function unregisters it. */
  onCollect(hook: () => void): () => void {
    this.#hooks.add(hook);
    return () => void this.#hooks.delete(hook);
  }

  /** Runs the hooks and returns every family, sorted by name (series sorted by label values). */
  collect(): FamilySnapshot[] {
    for (const hook of this.#hooks) hook();
    return [...this.#families.values()]
      .map((f) => f.snapshot())
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((f) => ({ ...f, series: f.series.sort((a, b) => compareValues(a.labelValues, b.labelValues)) }));
  }

  /** The text exposition format 0.0.4. */
  metrics(): string {
    return renderFamilies(this.collect());
  }

  #add<T extends AnyFamily>(family: T): T {
    if (this.#families.has(family.name)) throw new Error(`metric ${family.name} is already registered`);
    this.#families.set(family.name, family);
    return family;
  }
}

function compareValues(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}
