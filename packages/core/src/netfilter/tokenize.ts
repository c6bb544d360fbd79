/** One word of an iptables-restore line, with where it started (0-based column). */
export interface Token {
  text: string;
  col: number;
}

/** The result of splitting a line: its words, or what went wrong. */
export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; error: string };

const SPACE = 32;
const TAB = 9;
const DQUOTE = 34;
const SQUOTE = 39;
const BACKSLASH = 92;

/**
 * Splits one iptables-restore line into words the way iptables-restore does:
 * blanks separate words; a double- or single-quoted span belongs to the
 * current word (quotes may start mid-word), and inside quotes a backslash
 * makes the next character literal (`\"`, `\\`).
 */
// why: iptables/xshared.c add_param_to_argv (quote_open / escaped handling).
export function tokenize(line: string): TokenizeResult {
  const tokens: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === SPACE || c === TAB) {
      i++;
      continue;
    }
    const start = i;
    // A plain word (no quote in it) is a slice of the line: no character-by-character copy.
    while (i < n) {
      const d = line.charCodeAt(i);
      if (d === SPACE || d === TAB || d === DQUOTE || d === SQUOTE) break;
      i++;
    }
    const d = i < n ? line.charCodeAt(i) : SPACE;
    if (d === SPACE || d === TAB) {
      tokens.push({ text: line.slice(start, i), col: start });
      continue;
    }
    const quoted = quotedWord(line, start, i);
    if (quoted.error !== undefined) return { ok: false, error: quoted.error };
    tokens.push({ text: quoted.text, col: start });
    i = quoted.end;
  }
  return { ok: true, tokens };
}

/**
 * The rest of a word that has a quote at `at` (the word began at `start`):
 * its text without the quotes, and the index just past it.
 */
function quotedWord(line: string, start: number, at: number): { text: string; end: number; error?: string } {
  const n = line.length;
  let word = line.slice(start, at);
  let quote = 0;
  let i = at;
  for (; i < n; i++) {
    const c = line.charCodeAt(i);
    if (quote !== 0) {
      if (c === BACKSLASH && i + 1 < n) word += line[++i];
      else if (c === quote) quote = 0;
      else word += line[i];
      continue;
    }
    if (c === SPACE || c === TAB) break;
    if (c === DQUOTE || c === SQUOTE) quote = c;
    else word += line[i];
  }
  if (quote !== 0) return { text: word, end: i, error: `unterminated ${quote === DQUOTE ? "double" : "single"} quote` };
  return { text: word, end: i };
}
