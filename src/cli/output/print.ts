/** @module cli/output/print — print Kubernetes objects as a kubectl-style table, JSON or YAML. */
import { stringify as toYaml } from 'yaml';
import type { OutputStream } from '../context.ts';
import type { OutputFormat } from './format.ts';
import { formatCells } from './tabwriter.ts';

/** The part of a Kubernetes object the printers look at. */
export interface KubeObjectLike {
  apiVersion?: string;
  kind?: string;
  metadata?: { labels?: Record<string, string> | undefined } | undefined;
}

export type CellValue = string | number | boolean | null | undefined;

export interface Column<T> {
  /** Header text; printed upper-cased. */
  header: string;
  value: (item: T) => CellValue;
  /** Print `<none>` instead of an empty cell. */
  noneIfEmpty?: boolean;
}

export interface PrintOptions<T> {
  format: OutputFormat;
  /** Filled in on items that lack it, e.g. `Backup` / `velero.io/v1` (list items from the API omit them). */
  kind: string;
  apiVersion: string;
  columns: readonly Column<T>[];
  stdout: OutputStream;
  noHeaders?: boolean;
  /** `-L` keys: one extra column per label. */
  labelColumns?: readonly string[];
  /** `--show-labels`: a trailing LABELS column. */
  showLabels?: boolean;
}

/** kubectl's printer settings: tabwriter.NewWriter(out, 6, 4, 3, ' ', 0). */
const TABLE_LAYOUT = { minWidth: 6, padding: 3 } as const;

export function printObjects<T extends KubeObjectLike>(items: readonly T[], options: PrintOptions<T>): void {
  options.stdout.write(renderObjects(items, options));
}

/** Same as printObjects but returns the text; handy for tests and for composing output. */
export function renderObjects<T extends KubeObjectLike>(items: readonly T[], options: PrintOptions<T>): string {
  if (options.format === 'table') return renderTable(items, options);
  const doc = encodedDocument(items, options);
  if (options.format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  // go-yaml style (what kubectl/Velero emit): list items not indented, long
  // strings never folded, no &anchors for objects that appear twice, and
  // YAML 1.1 quoting so `"yes"` or a timestamp string stays a string for
  // Go's YAML 1.1 parser when the output is fed back to kubectl.
  return toYaml(doc, { indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}

/** A list of exactly one item prints as the item itself, as Velero and kubectl do. */
function encodedDocument<T extends KubeObjectLike>(items: readonly T[], options: PrintOptions<T>): unknown {
  const typed = items.map((item) => withTypeMeta(item, options.kind, options.apiVersion));
  if (typed.length === 1) return typed[0];
  return { apiVersion: 'v1', kind: 'List', items: typed };
}

function withTypeMeta(item: KubeObjectLike, kind: string, apiVersion: string): KubeObjectLike {
  if (item.apiVersion !== undefined && item.kind !== undefined) return item;
  return { apiVersion: item.apiVersion ?? apiVersion, kind: item.kind ?? kind, ...item };
}

/** Tabs and newlines would break the column layout, so they become spaces. */
function cellText(value: CellValue, noneIfEmpty: boolean): string {
  const text = value === null || value === undefined ? '' : String(value);
  if (text === '' && noneIfEmpty) return '<none>';
  return text.replace(/[\t\r\n]+/g, ' ');
}

/** `k=v,k2=v2` sorted by key, `<none>` when empty: kubectl's labels.FormatLabels. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

/** kubectl names a label column after the key's last `/` segment, upper-cased. */
function labelHeader(key: string): string {
  return (key.split('/').pop() ?? key).toUpperCase();
}

function renderTable<T extends KubeObjectLike>(items: readonly T[], options: PrintOptions<T>): string {
  // kubectl prints nothing, not even headers, when there are no rows.
  if (items.length === 0) return '';
  const labelKeys = options.labelColumns ?? [];
  const header = [
    ...options.columns.map((c) => c.header.toUpperCase()),
    ...labelKeys.map(labelHeader),
    ...(options.showLabels === true ? ['LABELS'] : []),
  ];
  const rows = items.map((item) => {
    const labels = item.metadata?.labels;
    return [
      ...options.columns.map((c) => cellText(c.value(item), c.noneIfEmpty === true)),
      ...labelKeys.map((k) => cellText(labels?.[k], false)),
      ...(options.showLabels === true ? [formatLabels(labels)] : []),
    ];
  });
  const lines = options.noHeaders === true ? rows : [header, ...rows];
  return formatCells(lines, TABLE_LAYOUT);
}
