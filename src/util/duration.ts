/** @module util/duration: Go's time.Duration syntax, parsed and printed exactly as Go (and so Velero) does. */

export const NS_PER_MS = 1_000_000;
/** Nanoseconds per unit, as Go's time.ParseDuration accepts them. */
const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1_000,
  'µs': 1_000, // U+00B5 micro sign
  'μs': 1_000, // U+03BC Greek mu
  ms: 1_000_000,
  s: 1_000_000_000,
  m: 60_000_000_000,
  h: 3_600_000_000_000,
};
const COMPONENT = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/;

/**
 * Parses a Go duration (`5s`, `1m30s`, `1.5h`, `-2m`, `0`) into milliseconds,
 * with Go's grammar: Velero users pass the same strings to Skiff. Throws on
 * anything Go would reject (empty, missing unit, spaces, unknown unit).
 */
export function parseGoDuration(text: string): number {
  const fail = (): never => {
    throw new Error(`invalid duration "${text}"`);
  };
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') fail();
  let totalNs = 0;
  while (rest !== '') {
    const m = COMPONENT.exec(rest);
    const whole = m?.[1] ?? '';
    const frac = m?.[2] ?? '';
    if (!m || (whole === '' && frac === '')) return fail();
    totalNs += Number(`${whole || '0'}.${frac || '0'}`) * (UNIT_NS[m[3] ?? ''] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return (sign * totalNs) / NS_PER_MS;
}

/** Formats digits after the point without trailing zeros, as Go's fmtFrac. */
function fraction(value: bigint, precision: number): { int: bigint; frac: string } {
  const scale = 10n ** BigInt(precision);
  const digits = (value % scale).toString().padStart(precision, '0').replace(/0+$/, '');
  return { int: value / scale, frac: digits === '' ? '' : `.${digits}` };
}

/** Formats milliseconds the way Go's Duration.String does (`1h30m0s`, `1.5s`, `500ms`). */
export function formatGoDuration(ms: number): string {
  const ns = BigInt(Math.round(ms * NS_PER_MS));
  if (ns === 0n) return '0s';
  const sign = ns < 0n ? '-' : '';
  const u = ns < 0n ? -ns : ns;
  if (u < 1_000n) return `${sign}${u}ns`;
  if (u < 1_000_000n) {
    const f = fraction(u, 3);
    return `${sign}${f.int}${f.frac}µs`;
  }
  if (u < 1_000_000_000n) {
    const f = fraction(u, 6);
    return `${sign}${f.int}${f.frac}ms`;
  }
  const f = fraction(u, 9);
  const secs = f.int;
  let out = `${secs % 60n}${f.frac}s`;
  const mins = secs / 60n;
  if (mins > 0n) {
    out = `${mins % 60n}m${out}`;
    const hours = mins / 60n;
    if (hours > 0n) out = `${hours}h${out}`;
  }
  return sign + out;
}
