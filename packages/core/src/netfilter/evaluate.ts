import type { Hook } from "../trace/index.ts";
import type { CompiledChain, CompiledRuleset } from "./compile.ts";
import type { MatchEnv } from "./compile-match.ts";
import type { EvalContext, NetfilterPacket } from "./context.ts";
import { evaluateTableIndexed } from "./fast-eval.ts";
import {
  type EvaluateOptions,
  finishTable,
  mergeChainCounts,
  newTableResult,
  passes,
  type TableResult,
} from "./table-result.ts";
import type { TableName } from "./types.ts";

export type { EvaluateOptions, TableResult } from "./table-result.ts";

interface Frame {
  chain: CompiledChain;
  next: number;
}

/**
 * Runs one table for one packet at one hook. When the ruleset was compiled
 * with an index (the default, see `compileRuleset`), indexed chains skip the
 * rules a packet's destination, protocol and port rule out
 * (`evaluateTableIndexed`); otherwise, or with `options.linear`, every rule
 * is tested in turn (`evaluateTableLinear`). Both return the same result and
 * leave the same state behind.
 */
export function evaluateTable(
  compiled: CompiledRuleset,
  table: TableName,
  hook: Hook,
  pkt: NetfilterPacket,
  ctx: EvalContext,
  options: EvaluateOptions = {},
): TableResult {
  return compiled.indexed && options.linear !== true
    ? evaluateTableIndexed(compiled, table, hook, pkt, ctx, options)
    : evaluateTableLinear(compiled, table, hook, pkt, ctx, options);
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
export function evaluateTableLinear(
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
  const result = newTableResult(table, hook, before);
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
  finishTable(result, base, env.mark, pkt, count);
  result.rulesEvaluatedByChain = mergeChainCounts(chainCount);
  return result;
}
