import { InputError } from "../engine/index.ts";
import { compileMatch, initialNth, type Test, testedMatches } from "./compile-match.ts";
import { type FastTests, fillFastTests } from "./fast-rule.ts";
import { type ChainIndex, indexChain } from "./index-chains.ts";
import { formatRuleLine } from "./print-rule.ts";
import { RecentTables } from "./recent.ts";
import type { Chain, Match, Rule, Ruleset, Table, TableName } from "./types.ts";

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

/** The counter of every rule without `--mode nth`: never written. */
const NO_NTH: { readonly count: number } = Object.freeze({ count: 0 });

/**
 * A compiled rule. The fields the indexed walk reads come first and are
 * small integers; what only the linear walk, `explain` or a recorded match
 * needs (every test as a closure, the matches in test order, the rule's
 * text) is built on first use, so that a rule costs little memory and a
 * cold rule few cache lines.
 */
class RuleCode implements CompiledRule {
  fMask = 0;
  srcBase = 0;
  srcMask = 0;
  dstBase = 0;
  dstMask = 0;
  proto = 0;
  sport = 0;
  dport = 0;
  statProb = 0;
  rest: readonly Test[];
  readonly to: CompiledChain | undefined;
  readonly rule: Rule;
  readonly index: number;
  readonly chain: CompiledChain;
  readonly nth: { count: number };
  private testsMemo: readonly Test[] | undefined = undefined;
  private orderedMemo: readonly Match[] | undefined = undefined;
  private text: string | undefined = undefined;

  constructor(rule: Rule, chain: CompiledChain, index: number, to: CompiledChain | undefined) {
    this.rule = rule;
    this.chain = chain;
    this.index = index;
    this.to = to;
    let nth = NO_NTH as { count: number };
    for (const m of rule.matches) if (m.kind === "statistic" && m.mode === "nth") nth = { count: 0 };
    if (nth !== NO_NTH) nth.count = initialNth(rule.matches);
    this.nth = nth;
    this.rest = [];
    fillFastTests(this as Parameters<typeof fillFastTests>[0], testedMatches(rule.matches), nth);
  }

  get tests(): readonly Test[] {
    return this.testsMemo ?? this.compileTests();
  }

  get ordered(): readonly Match[] {
    if (this.orderedMemo === undefined) this.compileTests();
    return this.orderedMemo as readonly Match[];
  }

  get ruleText(): string {
    this.text ??= formatRuleLine(this.chain.name, this.rule, true);
    return this.text;
  }

  /** Every test as a closure, in test order (for the linear walk and explain); kept once built. */
  private compileTests(): readonly Test[] {
    const ordered = testedMatches(this.rule.matches);
    const tests = ordered.map((m) => compileMatch(m, this.nth) as Test);
    this.orderedMemo = ordered;
    this.testsMemo = tests;
    return tests;
  }
}

function compileRule(
  table: TableName,
  compiled: CompiledChain,
  rule: Rule,
  i: number,
  chains: ReadonlyMap<string, CompiledChain>,
): CompiledRule {
  const t = rule.target;
  const jumps = t.kind === "jump" || t.kind === "goto";
  const to = jumps ? chains.get(t.chain) : undefined;
  if (jumps && (!to || to.builtin)) {
    throw new InputError([`*${table}: -A ${compiled.name} rule ${i + 1}: no user chain "${t.chain}" to jump to`]);
  }
  return new RuleCode(rule, compiled, i + 1, to);
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
  // Most tables have no loop: find that out in any order, and sort only to name a loop the same way every time.
  if (findLoop([...chains.values()]) === undefined) return;
  const loop = findLoop([...chains.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) as string;
  throw new InputError([`*${table}: jump loop ${loop} (the kernel rejects it with ELOOP)`]);
}

/** The first jump loop met visiting `order` depth first, as `A -> B -> A`; undefined when there is none. */
function findLoop(order: readonly CompiledChain[]): string | undefined {
  const state = new Map<CompiledChain, "visiting" | "done">();
  const path: CompiledChain[] = [];
  const visit = (c: CompiledChain): string | undefined => {
    const seen = state.get(c);
    if (seen === "done") return undefined;
    if (seen === "visiting") return [...path.slice(path.indexOf(c)), c].map((x) => x.name).join(" -> ");
    state.set(c, "visiting");
    path.push(c);
    for (const r of c.rules) {
      const loop = r.to ? visit(r.to) : undefined;
      if (loop !== undefined) return loop;
    }
    path.pop();
    state.set(c, "done");
    return undefined;
  };
  for (const c of order) {
    const loop = visit(c);
    if (loop !== undefined) return loop;
  }
  return undefined;
}

/**
 * Compiles a ruleset for evaluation: every match becomes an inline check or a
 * closure and every jump a direct chain reference, once, so the per-packet
 * walk neither parses nor looks names up. Long chains are indexed by destination, protocol and
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
