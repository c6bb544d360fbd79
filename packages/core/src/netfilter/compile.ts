import { InputError } from "../engine/index.ts";
import { compileMatch, type Test } from "./compile-match.ts";
import { formatRuleLine } from "./print-rule.ts";
import { RecentTables } from "./recent.ts";
import { type Chain, IP_PART_KINDS, type Match, type Rule, type Ruleset, type Table, type TableName } from "./types.ts";

/** One rule ready for the per-packet walk: tests and a resolved target, built once at load. */
export interface CompiledRule {
  readonly rule: Rule;
  /** 1-based position in its chain. */
  readonly index: number;
  readonly chain: CompiledChain;
  /** The rule's `-A …` line (source text when parsed, else canonical). */
  readonly ruleText: string;
  /** The tests, IP part first (as the kernel's ip_packet_match runs before extension matches). */
  readonly tests: readonly Test[];
  /** The matches in test order, paired with `tests` only where a test exists (for explain). */
  readonly ordered: readonly Match[];
  /** For jump/goto: the chain it names. */
  readonly to?: CompiledChain;
  /** The `--mode nth` counter of this rule, if any. */
  readonly nth: { count: number };
}

/** One chain ready for the walk. */
export interface CompiledChain {
  readonly name: string;
  readonly builtin: boolean;
  readonly model: Chain;
  readonly rules: CompiledRule[];
}

/** One table ready for the walk. */
export interface CompiledTable {
  readonly name: TableName;
  readonly chains: ReadonlyMap<string, CompiledChain>;
}

/** A ruleset compiled for evaluation, with the kernel state that outlives one packet (recent lists). */
export interface CompiledRuleset {
  readonly ruleset: Ruleset;
  readonly tables: ReadonlyMap<TableName, CompiledTable>;
  readonly recent: RecentTables;
}

function orderMatches(matches: readonly Match[]): Match[] {
  // why: ipt_do_table checks ip_packet_match (-s -d -i -o -p) before any
  // extension, whatever order the rule was written in; the order matters for
  // stateful matches (a statistic draw happens only when the IP part passed).
  return [...matches.filter((m) => IP_PART_KINDS.has(m.kind)), ...matches.filter((m) => !IP_PART_KINDS.has(m.kind))];
}

function compileTable(table: Table): CompiledTable {
  const chains = new Map<string, CompiledChain>();
  for (const chain of table.chains.values()) {
    chains.set(chain.name, { name: chain.name, builtin: chain.builtin, model: chain, rules: [] });
  }
  for (const chain of table.chains.values()) {
    const compiled = chains.get(chain.name) as CompiledChain;
    chain.rules.forEach((rule, i) => {
      const nth = { count: 0 };
      const ordered = orderMatches(rule.matches);
      const tests: Test[] = [];
      const kept: Match[] = [];
      for (const m of ordered) {
        const t = compileMatch(m, nth);
        if (t) {
          tests.push(t);
          kept.push(m);
        }
      }
      const t = rule.target;
      const to = t.kind === "jump" || t.kind === "goto" ? chains.get(t.chain) : undefined;
      if ((t.kind === "jump" || t.kind === "goto") && (!to || to.builtin)) {
        throw new InputError([`*${table.name}: -A ${chain.name} rule ${i + 1}: no user chain "${t.chain}" to jump to`]);
      }
      const cr: CompiledRule = {
        rule,
        index: i + 1,
        chain: compiled,
        ruleText: formatRuleLine(chain.name, rule, true),
        tests,
        ordered: kept,
        nth,
        ...(to ? { to } : {}),
      };
      compiled.rules.push(cr);
    });
  }
  checkLoops(table.name, chains);
  return { name: table.name, chains };
}

/** The kernel refuses a table whose jumps form a loop (mark_source_chains, ELOOP). */
function checkLoops(table: TableName, chains: ReadonlyMap<string, CompiledChain>): void {
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (c: CompiledChain): void => {
    if (state.get(c.name) === "done") return;
    if (state.get(c.name) === "visiting") {
      const loop = [...path.slice(path.indexOf(c.name)), c.name].join(" -> ");
      throw new InputError([`*${table}: jump loop ${loop} (the kernel rejects it with ELOOP)`]);
    }
    state.set(c.name, "visiting");
    path.push(c.name);
    for (const r of c.rules) if (r.to) visit(r.to);
    path.pop();
    state.set(c.name, "done");
  };
  for (const c of [...chains.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) visit(c);
}

/**
 * Compiles a ruleset for evaluation: every match becomes a closure and every
 * jump a direct chain reference, once, so the per-packet walk neither parses
 * nor looks names up. Recompile after changing the ruleset. Throws InputError
 * for jumps to missing chains and jump loops.
 */
export function compileRuleset(ruleset: Ruleset, recent: RecentTables = new RecentTables()): CompiledRuleset {
  const tables = new Map<TableName, CompiledTable>();
  for (const table of ruleset.tables.values()) tables.set(table.name, compileTable(table));
  return { ruleset, tables, recent };
}
