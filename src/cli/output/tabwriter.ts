/** @module cli/output/tabwriter — Go text/tabwriter's elastic-column layout, measured in display width. */
import stringWidth from 'string-width';

export interface TabwriterOptions {
  /** Minimal cell width including padding (kubectl tables: 6, Velero describe: 0). */
  minWidth: number;
  /** Spaces added to the widest cell of a column (kubectl: 3, Velero describe: 2). */
  padding: number;
}

/**
 * Lays out lines of cells like Go's tabwriter with AlignLeft and a space pad
 * char: each line's cells but the last are "tab-terminated"; a column's width
 * is set per block of consecutive lines that have that column, so a line with
 * fewer cells ends the block (this is what lets Velero's describe output align
 * each section separately). Widths use display width so CJK text and ANSI
 * colour codes line up. Trailing spaces are trimmed from every line.
 */
export function formatCells(lines: readonly (readonly string[])[], options: TabwriterOptions): string {
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i] ?? [];
      let text = '';
      cells.forEach((cell, j) => {
        const isTerminated = j < cells.length - 1;
        const width = widths[j];
        text += isTerminated && width !== undefined ? cell + ' '.repeat(Math.max(0, width - stringWidth(cell))) : cell;
      });
      out.push(text.replace(/ +$/, ''));
    }
  };

  // Port of tabwriter.format: recursion depth = column index.
  const format = (start: number, end: number): void => {
    const column = widths.length;
    let line0 = start;
    for (let i = start; i < end; i++) {
      if (column >= (lines[i]?.length ?? 0) - 1) continue;
      writeLines(line0, i);
      line0 = i;
      let width = options.minWidth;
      for (; i < end; i++) {
        const cells = lines[i] ?? [];
        if (column >= cells.length - 1) break;
        width = Math.max(width, stringWidth(cells[column] ?? '') + options.padding);
      }
      widths.push(width);
      format(line0, i);
      widths.pop();
      line0 = i; // the outer i++ skips line i: it lacks this column anyway
    }
    writeLines(line0, end);
  };

  format(0, lines.length);
  return out.map((l) => `${l}\n`).join('');
}
