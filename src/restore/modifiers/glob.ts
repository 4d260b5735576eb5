/**
 * @module restore/modifiers/glob: the gobwas/glob dialect Velero compiles resource-modifier patterns with.
 *
 * With a separator (groupResource uses `.`), `*` and `?` stop at it and `**` crosses it: `*` matches `pods`
 * but not `deployments.apps`, `*.apps` matches `deployments.apps`, `*.*` matches any `resource.group` whose
 * group has no dot (`ingresses.networking.k8s.io` needs `*.**` or `**`). Without a separator (namespaces),
 * `*` matches anything. Also: `[abc]`, `[a-z]`, `[!…]`, `{a,b}` and `\` escapes.
 */

export class GlobSyntaxError extends Error {
  override readonly name = 'GlobSyntaxError';
}

const SPECIAL = /[\\^$.|?*+()[\]{}/]/g;

function escapeRe(s: string): string {
  return s.replace(SPECIAL, (c) => `\\${c}`);
}

/** Compiles a glob to an anchored RegExp. Throws GlobSyntaxError for an unclosed `[` or `{`, or a trailing `\`. */
export function compileGlob(pattern: string, separator?: string): RegExp {
  const state = { pattern, pos: 0, notSep: separator === undefined ? '[^]' : `[^${escapeRe(separator)}]` };
  const source = parseSequence(state, false);
  return new RegExp(`^(?:${source})$`);
}

interface ParseState {
  pattern: string;
  pos: number;
  /** One character that is not the separator. */
  notSep: string;
}

/** Parses until the end, or (inside `{…}`) until the `,` or `}` that ends this alternative. */
function parseSequence(s: ParseState, inBraces: boolean): string {
  let out = '';
  while (s.pos < s.pattern.length) {
    const ch = s.pattern[s.pos]!;
    if (inBraces && (ch === ',' || ch === '}')) return out;
    s.pos++;
    if (ch === '*') {
      const doubled = s.pattern[s.pos] === '*';
      if (doubled) s.pos++;
      out += doubled ? '[^]*' : `${s.notSep}*`;
    } else if (ch === '?') out += s.notSep;
    else if (ch === '[') out += parseClass(s);
    else if (ch === '{') out += parseAlternatives(s);
    else if (ch === '\\') {
      if (s.pos >= s.pattern.length) throw new GlobSyntaxError(`pattern "${s.pattern}" ends with an unfinished escape "\\"`);
      out += escapeRe(s.pattern[s.pos++]!);
    } else out += escapeRe(ch);
  }
  if (inBraces) throw new GlobSyntaxError(`pattern "${s.pattern}" has an unclosed "{"`);
  return out;
}

function parseAlternatives(s: ParseState): string {
  const alternatives: string[] = [];
  for (;;) {
    alternatives.push(parseSequence(s, true));
    const ch = s.pattern[s.pos++];
    if (ch === '}') return `(?:${alternatives.join('|')})`;
  }
}

/** `[abc]`, `[a-z]`, `[!abc]`: one character from (or, with `!`, not from) the set. */
function parseClass(s: ParseState): string {
  const end = s.pattern.indexOf(']', s.pos);
  if (end < 0) throw new GlobSyntaxError(`pattern "${s.pattern}" has an unclosed "["`);
  let body = s.pattern.slice(s.pos, end);
  s.pos = end + 1;
  const negate = body.startsWith('!');
  if (negate) body = body.slice(1);
  if (body === '') throw new GlobSyntaxError(`pattern "${s.pattern}" has an empty character class`);
  const escaped = body.replace(/[\\\]^]/g, (c) => `\\${c}`);
  return `[${negate ? '^' : ''}${escaped}]`;
}

/** Compiled once per pattern and separator: rules are matched against every restored item. */
export class GlobMatcher {
  readonly pattern: string;
  readonly #re: RegExp;
  constructor(pattern: string, separator?: string) {
    this.pattern = pattern;
    this.#re = compileGlob(pattern, separator);
  }
  matches(value: string): boolean {
    return this.#re.test(value);
  }
}
