import { InputError } from "../engine/index.ts";
import { parseRuleWords } from "./parse-rule.ts";
import { RuleSyntaxError } from "./parse-values.ts";
import { ensureChain, newRuleset, newTable } from "./ruleset.ts";
import { tokenize } from "./tokenize.ts";
import { type Rule, type Ruleset, TABLE_NAMES, type Table, type TableName } from "./types.ts";

/** Options for {@link parseIptablesSave}. */
export interface ParseSaveOptions {
  /** The file name errors should name; `<input>` when omitted. */
  file?: string;
  /** Stop collecting after this many problems (default 20). */
  maxProblems?: number;
}

const CHAIN_LINE = /^:(\S+)\s+(\S+)(?:\s+\[(\d+):(\d+)\])?$/;
const COUNTER_PREFIX = /^\[(\d+):(\d+)\]\s+/;

/**
 * Parses `iptables-save` output (or `iptables-restore` input): `*table`,
 * `:CHAIN POLICY [packets:bytes]`, `-A CHAIN rule…` (optionally prefixed by
 * `[packets:bytes]` as `iptables-save -c` prints), `-X CHAIN`, `COMMIT`, and
 * comment or blank lines. Every rule keeps its source text and the table
 * keeps its line layout, so {@link printIptablesSave} in `preserve` mode
 * gives back the same bytes.
 *
 * Throws one InputError listing every malformed line as
 * `file: line N: what was wrong`, e.g. `dump.txt: line 12: unknown match "-m foo"`.
 */
export function parseIptablesSave(text: string, options: ParseSaveOptions = {}): Ruleset {
  const parser = new SaveParser(options.file ?? "<input>", options.maxProblems ?? 20);
  const lines = text.split("\n");
  const finalNewline = text.endsWith("\n");
  if (finalNewline) lines.pop();
  lines.forEach((raw, idx) => {
    parser.line(raw, idx + 1);
  });
  parser.end(lines.length);
  if (parser.problems.length > 0) throw new InputError(parser.problems);
  parser.ruleset.finalNewline = finalNewline;
  return parser.ruleset;
}

class SaveParser {
  readonly problems: string[] = [];
  readonly ruleset = newRuleset();
  private table: Table | undefined;
  private tableLine = 0;
  private pending: string[] = [];
  private readonly ruleLines = new Map<Rule, number>();

  constructor(
    readonly file: string,
    readonly max: number,
  ) {}

  fail(n: number, msg: string): void {
    if (this.problems.length < this.max) this.problems.push(`${this.file}: line ${n}: ${msg}`);
  }

  line(raw: string, n: number): void {
    const line = raw.trim();
    const table = this.table;
    if (line === "" || line.startsWith("#")) {
      if (table) table.layout?.push({ kind: "text", line: raw });
      else this.pending.push(raw);
    } else if (line.startsWith("*")) {
      this.openTable(line, n);
    } else if (!table) {
      this.fail(n, `expected a table line such as "*nat" before "${clip(line)}"`);
    } else if (line === "COMMIT") {
      for (const [rule, p] of checkJumps(table)) this.fail(this.ruleLines.get(rule) ?? n, p);
      this.table = undefined;
    } else {
      try {
        const rule = parseTableLine(table, line, raw);
        if (rule) this.ruleLines.set(rule, n);
      } catch (e) {
        if (!(e instanceof RuleSyntaxError)) throw e;
        this.fail(n, e.message);
      }
    }
  }

  end(lastLine: number): void {
    if (this.table)
      this.fail(lastLine, `missing COMMIT for table *${this.table.name} opened on line ${this.tableLine}`);
    if (this.pending.length > 0) this.ruleset.after = this.pending;
  }

  private openTable(line: string, n: number): void {
    if (this.table) {
      this.fail(n, `expected COMMIT before "${line}" (table *${this.table.name} opened on line ${this.tableLine})`);
      return;
    }
    const name = line.slice(1) as TableName;
    if (!TABLE_NAMES.includes(name)) {
      this.fail(n, `unknown table "${line}" (expected ${TABLE_NAMES.map((t) => `*${t}`).join(", ")})`);
    } else if (this.ruleset.tables.has(name)) {
      this.fail(n, `table *${name} appears twice`);
    } else {
      const table = newTable(name);
      table.layout = [];
      table.before = this.pending;
      this.pending = [];
      this.table = table;
      this.tableLine = n;
      this.ruleset.tables.set(name, table);
    }
  }
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function parseTableLine(table: Table, line: string, raw: string): Rule | undefined {
  if (line.startsWith(":")) {
    declareChain(table, line);
    return undefined;
  }
  let rest = line;
  let counters: { packets: number; bytes: number } | undefined;
  const prefix = COUNTER_PREFIX.exec(rest);
  if (prefix) {
    counters = { packets: Number(prefix[1]), bytes: Number(prefix[2]) };
    rest = rest.slice(prefix[0].length);
  }
  const words = tokenize(rest);
  if (!words.ok) throw new RuleSyntaxError(words.error);
  const [cmd, chainTok] = words.tokens;
  if (cmd?.text === "-X" && !prefix) {
    if (!chainTok) throw new RuleSyntaxError("expected a chain name after -X");
    const chain = table.chains.get(chainTok.text);
    if (chain?.builtin) throw new RuleSyntaxError(`cannot delete built-in chain "${chainTok.text}"`);
    table.chains.delete(chainTok.text);
    table.layout?.push({ kind: "text", line: raw });
    return undefined;
  }
  if (cmd?.text !== "-A" && cmd?.text !== "--append") {
    throw new RuleSyntaxError(
      `expected ":CHAIN POLICY [0:0]", "-A CHAIN …", "-X CHAIN" or "COMMIT", got "${clip(line)}"`,
    );
  }
  if (!chainTok) throw new RuleSyntaxError(`expected a chain name after ${cmd.text}`);
  const chain = table.chains.get(chainTok.text);
  if (!chain)
    throw new RuleSyntaxError(
      `chain "${chainTok.text}" is not declared in *${table.name} (add ":${chainTok.text} - [0:0]")`,
    );
  const parsed = parseRuleWords(words.tokens.slice(2), table.name);
  const afterChain = chainTok.col + chainTok.text.length;
  const rule: Rule = {
    matches: parsed.matches,
    target: parsed.target,
    counters: counters ?? parsed.counters ?? { packets: 0, bytes: 0 },
    source: rest.slice(afterChain).replace(/^\s+/, ""),
  };
  chain.rules.push(rule);
  table.layout?.push({ kind: "rule", chain: chain.name, rule, counterPrefix: prefix !== null });
  return rule;
}

function declareChain(table: Table, line: string): void {
  const m = CHAIN_LINE.exec(line);
  if (!m) throw new RuleSyntaxError(`expected ":CHAIN POLICY [packets:bytes]", got "${clip(line)}"`);
  const [, name, policy] = m as unknown as [string, string, string];
  const existing = table.chains.get(name);
  if (existing && !existing.builtin) throw new RuleSyntaxError(`chain "${name}" is declared twice`);
  if (existing?.builtin && table.layout?.some((l) => l.kind === "chain" && l.name === name)) {
    throw new RuleSyntaxError(`chain "${name}" is declared twice`);
  }
  const chain = existing ?? ensureChain(table, name);
  if (chain.builtin) {
    // why: iptables-restore accepts "-" for a built-in chain: keep its policy.
    if (policy !== "ACCEPT" && policy !== "DROP" && policy !== "-") {
      throw new RuleSyntaxError(`bad policy "${policy}" for built-in chain "${name}" (expected ACCEPT or DROP)`);
    }
    if (policy !== "-") chain.policy = policy;
  } else if (policy !== "-") {
    throw new RuleSyntaxError(`cannot set policy "${policy}" on user chain "${name}" (use "-")`);
  }
  chain.policyText = policy;
  if (m[3] !== undefined) chain.counters = { packets: Number(m[3]), bytes: Number(m[4]) };
  table.layout?.push({ kind: "chain", name });
}

/** Every jump or goto must name a user chain of the same table (libiptc refuses built-ins and unknown names). */
function checkJumps(table: Table): [Rule, string][] {
  const problems: [Rule, string][] = [];
  for (const chain of table.chains.values()) {
    chain.rules.forEach((rule, i) => {
      const t = rule.target;
      if (t.kind !== "jump" && t.kind !== "goto") return;
      const to = table.chains.get(t.chain);
      const where = `-A ${chain.name} rule ${i + 1}`;
      if (!to)
        problems.push([rule, `${where}: unknown target or chain "${t.chain}" (no such chain in *${table.name})`]);
      else if (to.builtin) problems.push([rule, `${where}: cannot jump to built-in chain "${t.chain}"`]);
    });
  }
  return problems;
}
