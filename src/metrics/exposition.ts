/**
 * @module metrics/exposition: the Prometheus text exposition format, version 0.0.4 — `# HELP` and
 * `# TYPE` lines, escaped label values, histograms as cumulative `_bucket{le=…}` series ending in `+Inf`,
 * then `_sum` and `_count`. Numbers are written as Go's client writes them, so Skiff's output reads like
 * Velero's byte for byte.
 */
import type { FamilySnapshot, SeriesSnapshot } from './registry.ts';

/** The Content-Type of a 0.0.4 text exposition. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** HELP text: backslash and newline are escaped (quotes are not). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Label values: backslash, double quote and newline are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * A float as Go's `strconv.FormatFloat(v, 'g', -1, 64)` writes it (what client_golang emits): the
 * shortest digits that read back exactly, in exponent form when the exponent is below -4 or at least 6
 * (`1e+06`, `1.7e+09`, `5e-05`), plain otherwise; `+Inf`, `-Inf` and `NaN` spelled out.
 */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0';
  const [mantissa, exp] = v.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 6) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(v);
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const pairs = names.map((n, i) => [n, values[i] ?? ''] as [string, string]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([n, v]) => `${n}="${escapeLabelValue(v)}"`).join(',')}}`;
}

function histogramLines(f: FamilySnapshot, s: SeriesSnapshot): string[] {
  const lines: string[] = [];
  const counts = s.bucketCounts ?? [];
  let cumulative = 0;
  (f.buckets ?? []).forEach((bound, i) => {
    cumulative += counts[i] ?? 0;
    lines.push(`${f.name}_bucket${labelText(f.labelNames, s.labelValues, ['le', formatGoFloat(bound)])} ${formatGoFloat(cumulative)}`);
  });
  lines.push(`${f.name}_bucket${labelText(f.labelNames, s.labelValues, ['le', '+Inf'])} ${formatGoFloat(s.count ?? 0)}`);
  lines.push(`${f.name}_sum${labelText(f.labelNames, s.labelValues)} ${formatGoFloat(s.sum ?? 0)}`);
  lines.push(`${f.name}_count${labelText(f.labelNames, s.labelValues)} ${formatGoFloat(s.count ?? 0)}`);
  return lines;
}

/** Renders families in the order given; a family with no series is left out entirely, as Go's client does. */
export function renderFamilies(families: readonly FamilySnapshot[]): string {
  let out = '';
  for (const f of families) {
    if (f.series.length === 0) continue;
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.series) {
      const lines = f.type === 'histogram' ? histogramLines(f, s) : [`${f.name}${labelText(f.labelNames, s.labelValues)} ${formatGoFloat(s.value)}`];
      out += `${lines.join('\n')}\n`;
    }
  }
  return out;
}
