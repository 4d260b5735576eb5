/** @module cli/output/tabwriter.test — Go tabwriter column-block semantics. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCells } from './tabwriter.ts';

test('a column block ends at a line without that column (Go tabwriter semantics)', () => {
  // Same as Go: fmt.Fprint(tabwriter.NewWriter(w, 0, 8, 1, ' ', 0), "a\tb\tc\naaa\tbbbb\n\nxxxxx\ty\n")
  const text = formatCells(
    [['a', 'b', 'c'], ['aaa', 'bbbb'], [''], ['xxxxx', 'y']],
    { minWidth: 0, padding: 1 },
  );
  assert.equal(text, 'a   b c\naaa bbbb\n\nxxxxx y\n');
});

test('nested blocks: column 1 is wide only where lines have it', () => {
  const text = formatCells([['k', 'v'], ['key', 'longvalue', 'x'], ['k2', 'v2', 'y'], ['kk', 'z']], { minWidth: 0, padding: 2 });
  assert.equal(text, 'k    v\nkey  longvalue  x\nk2   v2         y\nkk   z\n');
});
