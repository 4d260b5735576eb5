/**
 * @module cli/commands/repo/flags — value parsers of the `skiff repo` flags: sources, tags, retention
 * counts and spans, `--read-data-subset`. Each throws commander's InvalidArgumentError, which the CLI prints
 * as `invalid argument "x" for "--flag" flag: …`.
 */
import { InvalidArgumentError } from '@commander-js/extra-typings';
import { parseWithin, type SnapshotSource } from '../../../repo/index.ts';

/** The parts of `ns/pod/volume`, each non-empty. */
export function volumeSourceArg(value: string): { namespace: string; pod: string; volume: string } {
  const parts = value.split('/');
  if (parts.length !== 3 || parts.some((p) => p.trim() === '')) throw new InvalidArgumentError('expected NAMESPACE/POD/VOLUME, three non-empty names');
  const [namespace, pod, volume] = parts as [string, string, string];
  return { namespace, pod, volume };
}

/** A listing filter: `/abs/path` (the backed-up directory) or `ns/pod/volume`. */
export function sourceFilterArg(value: string): Partial<SnapshotSource> {
  if (value.startsWith('/')) return { path: value.length > 1 ? value.replace(/\/+$/, '') : value };
  try {
    return volumeSourceArg(value);
  } catch {
    throw new InvalidArgumentError('expected an absolute path (/data) or NAMESPACE/POD/VOLUME');
  }
}

/** `--tag a --tag b,c`: repeatable, comma-separated; empty tags are refused. */
export function tagArg(value: string, previous: string[] | undefined): string[] {
  const tags = value.split(',').map((t) => t.trim());
  if (tags.some((t) => t === '')) throw new InvalidArgumentError('a tag cannot be empty');
  return [...(previous ?? []), ...tags];
}

/** `--include PATH`, repeatable. */
export function repeatArg(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A count ≥ 1 (`--keep-last 7`). */
export function positiveIntArg(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a whole number of at least 1');
  return Number(value);
}

/** `--keep-within`: a span like `7d`, `2w`, `1y6m`, `36h` (y years, m months, w weeks, d days, h hours), checked here. */
export function withinArg(value: string): string {
  try {
    parseWithin(value);
  } catch {
    throw new InvalidArgumentError('expected a duration like 7d, 2w, 1y6m or 36h (y years, m months, w weeks, d days, h hours)');
  }
  return value;
}

/** `--read-data-subset 1/10` (the first of ten parts) or `25%`: which share of the packs to read. */
export type DataSubset = { part: number; of: number } | { percent: number };

export function dataSubsetArg(value: string): DataSubset {
  const frac = /^(\d+)\/(\d+)$/.exec(value.trim());
  if (frac) {
    const part = Number(frac[1]);
    const of = Number(frac[2]);
    if (of < 1 || part < 1 || part > of) throw new InvalidArgumentError('expected N/M with 1 ≤ N ≤ M, e.g. 1/10');
    return { part, of };
  }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (pct) {
    const percent = Number(pct[1]);
    if (percent <= 0 || percent > 100) throw new InvalidArgumentError('a percentage must be above 0 and at most 100');
    return { percent };
  }
  throw new InvalidArgumentError('expected N/M (e.g. 1/10) or a percentage (e.g. 25%)');
}
