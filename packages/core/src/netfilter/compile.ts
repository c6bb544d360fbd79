import { InputError } from "../engine/index.ts";
import { compileMatch, type Test } from "./compile-match.ts";
import { type FastTests, fastTests } from "./fast-rule.ts";
import { type ChainIndex, indexChain } from "./index-chains.ts";
import { formatRuleLine } from "./print-rule.ts";
import { RecentTables } from "./recent.ts";
import { type Chain, IP_PART_KINDS, type Match, type Rule, type Ruleset, type Table, type TableName } from "./types.ts";

/**
 * One rule ready for the per-packet walk: tests and a resolved target, built
 * once at load. The {@link FastTests} fields are the same tests in the form
 * the indexed walk runs.
 */
export interface CompiledRule extends FastTests {
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
  readonly to: CompiledChain | undefined;
  /** The `--mode nth` counter of this rule, if any. */
  readonly nth: { count: number };
}

/** One chain ready for the walk. */
export interface CompiledChain {
  readonly name: string;
  readonly builtin: boolean;
  readonly model: Chain;
  readonly rules: CompiledRule[];
  /** The chain's index, when the ruleset was compiled with one and the chain is worth it. */
  readonly index: ChainIndex | undefined;
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
  /** True when compiled with `index` on: `evaluateTable` then takes the indexed walk. */
  readonly indexed?: boolean;
}

/** Options for {@link compileRuleset}. */
export interface CompileOptions {
  /**
   * Index long chains by destination, protocol and port (default true).
   * Evaluation gives the same results either way, and the same
   * `rulesEvaluated`; only the simulator's own cost per packet changes.
   */
  index?: boolean;
  /** Index a chain only when at least this many of its rules have a guard (default 16). */
  indexMinRules?: number;
}

/** Below this many guarded rules a chain is walked rule by rule: an index would not pay for its lookups. */
const DEFAULT_INDEX_MIN_RULES = 16;

function orderMatches(matches: readonly Match[]): Match[] {
  // why: ipt_do_table checks ip_packet_match (-s -d -i -o -p) before any
  // extension, whatever order the rule was written in; the order matters for
  // stateful matches (a statistic draw happens only when the IP part passed).
  return [...matches.filter((m) => IP_PART_KINDS.has(m.kind)), ...matches.filter((m) => !IP_PART_KINDS.has(m.kind))];
}

function compileRule(
  table: TableName,
  compiled: CompiledChain,
  rule: Rule,
  i: number,
  chains: ReadonlyMap<string, CompiledChain>,
): CompiledRule {
  const nth = { count: 0 };
  const tests: Test[] = [];
  const kept: Match[] = [];
  for (const m of orderMatches(rule.matches)) {
    const t = compileMatch(m, nth);
    if (t) {
      tests.push(t);
      kept.push(m);
    }
  }
  const t = rule.target;
  const to = t.kind === "jump" || t.kind === "goto" ? chains.get(t.chain) : undefined;
  if ((t.kind === "jump" || t.kind === "goto") && (!to || to.builtin)) {
    throw new InputError([`*${table}: -A ${compiled.name} rule ${i + 1}: no user chain "${t.chain}" to jump to`]);
  }
  const f = fastTests(kept, tests);
  // One literal with every field in one order, so that every compiled rule shares one hidden
  // class; the fields the indexed walk reads come first, sharing the object's first cache lines.
  return {
    fMask: f.fMask,
    srcBase: f.srcBase,
    srcMask: f.srcMask,
    srcInv: f.srcInv,
    dstBase: f.dstBase,
    dstMask: f.dstMask,
    dstInv: f.dstInv,
    proto: f.proto,
    protoInv: f.protoInv,
    spLo: f.spLo,
    spHi: f.spHi,
    spInv: f.spInv,
    dpLo: f.dpLo,
    dpHi: f.dpHi,
    dpInv: f.dpInv,
    statProb: f.statProb,
    statInv: f.statInv,
    rest: f.rest,
    rule,
    to,
    index: i + 1,
    ruleText: formatRuleLine(compiled.name, rule, true),
    chain: compiled,
    tests,
    ordered: kept,
    nth,
  };
}

function compileTable(table: Table, minGuarded: number | undefined): CompiledTable {
  const chains = new Map<string, CompiledChain>();
  for (const chain of table.chains.values()) {
    chains.set(chain.name, { name: chain.name, builtin: chain.builtin, model: chain, rules: [], index: undefined });
  }
  for (const chain of table.chains.values()) {
    const compiled = chains.get(chain.name) as CompiledChain;
    chain.rules.forEach((rule, i) => {
      compiled.rules.push(compileRule(table.name, compiled, rule, i, chains));
    });
  }
  checkLoops(table.name, chains);
  if (minGuarded !== undefined) {
    for (const c of chains.values()) (c as { index: ChainIndex | undefined }).index = indexChain(c, minGuarded);
  }
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
 * nor looks names up. Long chains are indexed by destination, protocol and
 * port unless `options.index` is false (see index-chains.ts). Recompile
 * after changing the ruleset. Throws InputError for jumps to missing chains
 * and jump loops.
 */
export function compileRuleset(
  ruleset: Ruleset,
  recent: RecentTables = new RecentTables(),
  options: CompileOptions = {},
): CompiledRuleset {
  const indexed = options.index !== false;
  const minGuarded = indexed ? Math.max(1, options.indexMinRules ?? DEFAULT_INDEX_MIN_RULES) : undefined;
  const tables = new Map<TableName, CompiledTable>();
  for (const table of ruleset.tables.values()) tables.set(table.name, compileTable(table, minGuarded));
  return { ruleset, tables, recent, indexed };
}
