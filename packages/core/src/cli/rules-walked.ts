import type { CompiledChain, CompiledRuleset, MatchedRule, StatisticDecision, TableName } from "../netfilter/index.ts";
import type { Hook } from "../trace/index.ts";

/** One rule the kernel tests on a walk, in visit order. */
export interface WalkedRule {
  readonly chain: string;
  /** 1-based position in its chain. */
  readonly index: number;
  /** The rule's `-A …` line. */
  readonly ruleText: string;
  /** Whether all its matches passed. */
  readonly matched: boolean;
  /** The `-m statistic` draw made at this rule on this path, if one was made. */
  readonly decision?: StatisticDecision;
}

interface Frame {
  chain: CompiledChain;
  next: number;
}

/**
 * The rules the kernel's linear walk of one table tests to produce a given
 * path, in visit order: replays `ipt_do_table` over the chain layout, using the path
 * (the rules that matched, in visit order) to decide which rules passed.
 * A rule is counted when it is tested, whether it matches or not; a jump
 * enters the target chain, the end of a user chain returns, a terminal
 * target or the end of the built-in chain stops the count.
 *
 * `decisions` (the branch's statistic draws, in visit order) are attached to
 * the rules that drew them. The count is the `rulesEvaluated` figure
 * `evaluateTable` reports for a real packet taking that branch.
 */
// why: net/ipv4/netfilter/ip_tables.c ipt_do_table — every entry from the
// chain's start to the verdict is visited once; XT_RETURN pops the jump stack.
export function walkedRules(
  compiled: CompiledRuleset,
  table: TableName,
  hook: Hook,
  path: readonly MatchedRule[],
  decisions: readonly StatisticDecision[] = [],
): WalkedRule[] {
  const out: WalkedRule[] = [];
  const base = compiled.tables.get(table)?.chains.get(hook);
  if (!base?.builtin) return out;
  const stack: Frame[] = [];
  let chain = base;
  let i = 0;
  let p = 0;
  let d = 0;
  const pop = (): boolean => {
    const frame = stack.pop();
    if (!frame) return false;
    chain = frame.chain;
    i = frame.next;
    return true;
  };
  for (;;) {
    const r = chain.rules[i];
    if (!r) {
      if (chain.builtin || !pop()) return out;
      continue;
    }
    i++;
    const dec = decisions[d];
    const drew = dec !== undefined && dec.chain === chain.name && dec.index === r.index;
    if (drew) d++;
    const m = path[p];
    const matched = m !== undefined && m.table === table && m.chain === chain.name && m.index === r.index;
    out.push({ chain: chain.name, index: r.index, ruleText: r.ruleText, matched, ...(drew ? { decision: dec } : {}) });
    if (!matched) continue;
    p++;
    const t = r.rule.target;
    if (t.kind === "jump") {
      stack.push({ chain, next: i });
      chain = r.to as CompiledChain;
      i = 0;
    } else if (t.kind === "goto") {
      chain = r.to as CompiledChain;
      i = 0;
    } else if (t.kind === "RETURN") {
      if (!pop()) return out;
    } else if (t.kind !== "none" && t.kind !== "MARK" && t.kind !== "LOG" && t.kind !== "NOTRACK") {
      return out;
    }
  }
}
