/** @module install/quantity: Kubernetes resource quantities (`500m`, `128Mi`, `1e3`), parsed for checks, never rewritten. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * The value of a quantity as a number (precise enough to compare requests with limits), or undefined when
 * the text is not a quantity the API server accepts.
 */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY.exec(text.trim());
  if (!m) return undefined;
  const number = Number(m[1]);
  const suffix = m[2] ?? '';
  if (/^[eE]/.test(suffix)) return number * 10 ** Number(suffix.slice(1));
  const scale = BINARY[suffix] ?? DECIMAL[suffix];
  return scale === undefined ? undefined : number * scale;
}

/** Velero's convention for the resource flags: `0` (in any spelling) means "no request/limit". */
export function isUnbounded(text: string): boolean {
  return parseQuantity(text) === 0;
}
