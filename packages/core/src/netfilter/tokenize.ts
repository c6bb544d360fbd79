/** One word of an iptables-restore line, with where it started (0-based column). */
export interface Token {
  text: string;
  col: number;
}

/** The result of splitting a line: its words, or what went wrong. */
export type TokenizeResult = { ok: true; tokens: Token[] } | { ok: false; error: string };

/**
 * Splits one iptables-restore line into words the way iptables-restore does:
 * blanks separate words; a double- or single-quoted span belongs to the
 * current word (quotes may start mid-word), and inside quotes a backslash
 * makes the next character literal (`\"`, `\\`).
 */
// why: iptables/xshared.c add_param_to_argv (quote_open / escaped handling).
export function tokenize(line: string): TokenizeResult {
  const tokens: Token[] = [];
  let word = "";
  let inWord = false;
  let start = 0;
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote !== "") {
      if (c === "\\" && i + 1 < line.length) {
        word += line[++i];
      } else if (c === quote) {
        quote = "";
      } else {
        word += c;
      }
      continue;
    }
    if (c === " " || c === "\t") {
      if (inWord) tokens.push({ text: word, col: start });
      word = "";
      inWord = false;
      continue;
    }
    if (!inWord) {
      inWord = true;
      start = i;
    }
    if (c === '"' || c === "'") quote = c;
    else word += c;
  }
  if (quote !== "") return { ok: false, error: `unterminated ${quote === '"' ? "double" : "single"} quote` };
  if (inWord) tokens.push({ text: word, col: start });
  return { ok: true, tokens };
}
