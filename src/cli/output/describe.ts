/** @module cli/output/describe — builder for Velero's `describe` text (tab-aligned `Key:  value` lines). */
import type { OutputStream } from '../context.ts';
import { formatCells } from './tabwriter.ts';

/** Velero's describer uses tabwriter.NewWriter(out, 0, 8, 2, ' ', 0). */
const DESCRIBE_LAYOUT = { minWidth: 0, padding: 2 } as const;

/**
 * Collects describe output and aligns it the way Go's tabwriter aligns
 * Velero's `Key:\tvalue` lines: values line up within each run of key/value
 * lines; a heading, free text or blank line starts a new run. Each indent
 * level is one empty leading cell, i.e. two spaces.
 *
 * @example
 * new DescribeWriter().line('Name', 'b1').line('Phase', 'Completed')
 *   .section('Namespaces').line('Included', '*', 1).render()
 * // "Name:   b1\nPhase:  Completed\n\nNamespaces:\n  Included:  *\n"
 */
export class DescribeWriter {
  #lines: string[][] = [];

  /** `Key:<aligned>value`, indented by `indent` levels. */
  line(key: string, value: string | number | boolean, indent = 0): this {
    this.#lines.push([...this.#indent(indent), `${key}:`, String(value)]);
    return this;
  }

  /** Cells as given, aligned like line(): for the few keys velero prints with a space before the tab. */
  row(cells: readonly string[], indent = 0): this {
    this.#lines.push([...this.#indent(indent), ...cells]);
    return this;
  }

  /** A `Title:` line with nothing after it, e.g. before indented lines. */
  heading(title: string, indent = 0): this {
    this.#lines.push([...this.#indent(indent), `${title}:`]);
    return this;
  }

  /** A blank line (unless output is empty) followed by `Title:`. */
  section(title: string): this {
    if (this.#lines.length > 0) this.blank();
    return this.heading(title);
  }

  /** Unaligned text; each `\n`-separated line gets the indent. */
  text(text: string, indent = 0): this {
    for (const l of text.split('\n')) this.#lines.push([...this.#indent(indent), l]);
    return this;
  }

  blank(): this {
    this.#lines.push(['']);
    return this;
  }

  render(): string {
    return formatCells(this.#lines, DESCRIBE_LAYOUT);
  }

  print(out: OutputStream): void {
    out.write(this.render());
  }

  #indent(levels: number): string[] {
    return Array.from({ length: levels }, () => '');
  }
}
