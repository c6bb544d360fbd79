import { InputError } from "../engine/index.ts";
import { parseRuleWords } from "./parse-rule.ts";
import { RuleSyntaxError } from "./parse-values.ts";
import { tokenize } from "./tokenize.ts";
import type { Rule, TableName } from "./types.ts";

/**
 * Parses one `-A CHAIN …` line (the form kube-proxy writes into
 * iptables-restore input) into a rule that keeps the text as its source, so
 * a programmer that builds kube-proxy's lines gets them back byte for byte
 * from the preserving printer. `table` decides which targets are valid.
 * Throws InputError naming `where` (e.g. `proxy/iptables rule 12`).
 */
export function parseRule(line: string, table: TableName, where = "<rule>"): { chain: string; rule: Rule } {
  const words = tokenize(line);
  try {
    if (!words.ok) throw new RuleSyntaxError(words.error);
    const [cmd, chain] = words.tokens;
    if (cmd?.text !== "-A" || !chain) throw new RuleSyntaxError(`expected "-A CHAIN …", got "${line}"`);
    const parsed = parseRuleWords(words.tokens.slice(2), table);
    const source = line.slice(chain.col + chain.text.length).replace(/^\s+/, "");
    const rule: Rule = {
      matches: parsed.matches,
      target: parsed.target,
      counters: parsed.counters ?? { packets: 0, bytes: 0 },
      source,
    };
    return { chain: chain.text, rule };
  } catch (e) {
    if (e instanceof RuleSyntaxError) throw new InputError([`${where}: ${e.message}`]);
    throw e;
  }
}
