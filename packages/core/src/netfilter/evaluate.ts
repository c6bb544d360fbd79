import type { Hook } from "../trace/index.ts";
import type { CompiledChain, CompiledRule, CompiledRuleset } from "./compile.ts";
import type { MatchEnv } from "./compile-match.ts";
import type { EvalContext, LogRecord, MatchedRule, NetfilterPacket, Verdict } from "./context.ts";
import type { TableName } from "./types.ts";

/** What one table did to one packet at one hook, as data. */
export interface TableResult {
  table: TableName;
  hook: Hook;
  verdict: Verdict;
  /** True when no terminal rule matched and the built-in chain's policy decided. */
  byPolicy: boolean;
  /** The skb mark before and after (MARK targets); the packet's `mark` is updated to `after`. */
  mark: { before: number; after: number };
  /** A NOTRACK (CT --notrack) target fired: conntrack must skip this packet. */
  notrack: boolean;
  logs: LogRecord[];
  /** Every rule whose matches all passed, in order (empty unless `record` is on). */
  matchedRules: MatchedRule[];
  /** Rules whose matches were tested, as the kernel's linear walk visits them. */
  rulesEvaluated: number;
  /** The same count per chain, in the order chains were first entered. */
  rulesEvaluatedByChain: [chain: string, count: number][];
}

/** Options for {@link evaluateTable}. */
export interface EvaluateOptions {
  /** Record matched rules (default true). Off on hot paths that only need the verdict. */
  record?: boolean;
  /** Update rule and chain packet/byte counters (default true). */
  counters?: boolean;
}

interface Frame {
  chain: CompiledChain;
  next: number;
}

function passes(r: CompiledRule, pkt: NetfilterPacket, env: MatchEnv): boolean {
  const tests = r.tests;
  for (let k = 0; k < tests.length; k++)
    if (!(tests[k] as (p: NetfilterPacket, e: MatchEnv) => boolean)(pkt, env)) return false;
  return true;
}

/**
 * Walks one table's built-in chain for `hook` the way ipt_do_table does:
 * rules in order; a jump pushes the return point and a goto does not;
 * RETURN, or the end of a user chain, pops; popping an empty stack (the
 * end of the built-in chain, or RETURN from it or from a chain reached by
 * goto from it) applies the built-in chain's policy. MARK, LOG and NOTRACK
 * continue; ACCEPT, DROP, REJECT, DNAT, SNAT and MASQUERADE end the walk.
 *
 * Side effects, all kernel state: rule and policy counters, `-m recent`
 * lists, `--mode nth` counters, and the packet's `mark` (which later rules
 * and hooks see). Nothing else of the packet changes: NAT verdicts are
 * returned for the caller (conntrack) to apply.
 */
export function evaluateTable(
  compiled: CompiledRuleset,
  table: TableName,
  hook: Hook,
  pkt: NetfilterPacket,
  ctx: EvalContext,
  options: EvaluateOptions = {},
): TableResult {
  const record = options.record !== false;
  const count = options.counters !== false;
  const base = compiled.tables.get(table)?.chains.get(hook);
  const before = pkt.mark;
  const result: TableResult = {
    table,
    hook,
    verdict: { kind: "ACCEPT" },
    byPolicy: true,
    mark: { before, after: before },
    notrack: false,
    logs: [],
    matchedRules: [],
    rulesEvaluated: 0,
    rulesEvaluatedByChain: [],
  };
  // why: a table that does not register this hook (or is not loaded) lets the packet through.
  if (!base?.builtin) return result;
  const env: MatchEnv = { ctx, mark: before, recent: ctx.recent ?? compiled.recent, readOnly: false };
  const stack: Frame[] = [];
  let chain = base;
  let i = 0;
  const chainCount = result.rulesEvaluatedByChain;
  let slot: [string, number] = [chain.name, 0];
  chainCount.push(slot);
  const enter = (c: CompiledChain) => {
    chain = c;
    i = 0;
    slot = [c.name, 0];
    chainCount.push(slot);
  };
  const pop = (): boolean => {
    const frame = stack.pop();
    if (!frame) return false;
    chain = frame.chain;
    i = frame.next;
    slot = [chain.name, 0];
    chainCount.push(slot);
    return true;
  };
  for (;;) {
    const r = chain.rules[i];
    if (!r) {
      if (chain.builtin || !pop()) break;
      continue;
    }
    result.rulesEvaluated++;
    slot[1]++;
    i++;
    if (!passes(r, pkt, env)) continue;
    if (count) {
      r.rule.counters.packets++;
      r.rule.counters.bytes += pkt.length;
    }
    if (record)
      result.matchedRules.push({ table, chain: chain.name, index: r.index, rule: r.rule, ruleText: r.ruleText });
    const t = r.rule.target;
    switch (t.kind) {
      case "none":
        continue;
      case "jump":
        stack.push({ chain, next: i });
        enter(r.to as CompiledChain);
        continue;
      case "goto":
        enter(r.to as CompiledChain);
        continue;
      case "RETURN":
        if (!pop()) break;
        continue;
      case "MARK":
        // why: xt_MARK.c mark_tg — skb->mark = (skb->mark & ~mask) ^ mark; XT_CONTINUE.
        env.mark = ((env.mark & ~t.mask) ^ t.value) >>> 0;
        continue;
      case "LOG":
        result.logs.push({ table, chain: chain.name, index: r.index, prefix: t.prefix, level: t.level });
        continue;
      case "NOTRACK":
        result.notrack = true;
        continue;
      default:
        result.verdict = t;
        result.byPolicy = false;
    }
    break;
  }
  finish(result, base, env.mark, pkt, count);
  result.rulesEvaluatedByChain = mergeCounts(chainCount.filter((s) => s[1] > 0 || s === chainCount[0]));
  return result;
}

function finish(result: TableResult, base: CompiledChain, mark: number, pkt: NetfilterPacket, count: boolean): void {
  if (result.byPolicy) {
    // why: the underflow entry of the built-in chain carries its policy and its counters.
    result.verdict = { kind: base.model.policy ?? "ACCEPT" };
    if (count) {
      base.model.counters.packets++;
      base.model.counters.bytes += pkt.length;
    }
  }
  pkt.mark = mark;
  result.mark.after = mark;
}

function mergeCounts(slots: [string, number][]): [string, number][] {
  const out: [string, number][] = [];
  for (const [name, n] of slots) {
    const hit = out.find((s) => s[0] === name);
    if (hit) hit[1] += n;
    else out.push([name, n]);
  }
  return out;
}
