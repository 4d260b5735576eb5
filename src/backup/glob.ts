/** @module backup/glob: the glob dialect Velero's include/exclude lists use (gobwas/glob, no separators). */

export interface GlobError {
  pattern: string;
  message: string;
}

/**
 * Checks a namespace pattern as Velero's validation does: `*`, `?` and `[...]` classes are allowed;
 * `|`, `(`, `)`, `!`, `{`, `}`, `,` and `**` are not; brackets must balance and not be empty.
 */
export function validateGlob(pattern: string): string | undefined {
  if (pattern.includes('**')) return 'consecutive asterisks (**) are not allowed';
  for (const ch of '|()!{},') if (pattern.includes(ch)) return `the character "${ch}" is not allowed`;
  let depth = 0;
  let classLength = 0;
  for (const ch of pattern) {
    if (ch === '[') {
      if (depth > 0) return 'nested brackets are not allowed';
      depth = 1;
      classLength = 0;
    } else if (ch === ']') {
      if (depth === 0) return 'unmatched closing bracket';
      if (classLength === 0) return 'empty character class []';
      depth = 0;
    } else if (depth > 0) {
      classLength++;
    }
  }
  return depth > 0 ? 'unclosed bracket' : undefined;
}

/** True when the string has glob syntax (so it names a set, not one namespace). */
export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

const cache = new Map<string, RegExp>();

/**
 * Compiles a pattern to an anchored RegExp. With no separators, `*` matches any run of characters,
 * dots included (so `*.apps` matches `deployments.apps`), `?` exactly one, `[a-z]`/`[abc]` one of a set.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) {
        src += '\\[';
        continue;
      }
      const body = pattern.slice(i + 1, end).replace(/[\\^\]]/g, (c) => `\\${c}`);
      src += `[${body}]`;
      i = end;
    } else src += ch.replace(/[.+^${}()|\\/]/g, (c) => `\\${c}`);
  }
  re = new RegExp(`^${src}$`, 's');
  cache.set(pattern, re);
  return re;
}

export function globMatch(pattern: string, value: string): boolean {
  return pattern === '*' || (hasWildcard(pattern) ? globToRegExp(pattern).test(value) : pattern === value);
}
