import type { Hook } from "../trace/index.ts";
import type { CompiledChain, CompiledRule, CompiledRuleset } from "./compile.ts";
import type { MatchEnv } from "./compile-match.ts";
import type { EvalContext, NetfilterPacket } from "./context.ts";
import { fastPasses } from "./fast-rule.ts";
import { nextCandidate } from "./index-chains.ts";
import {
  type EvaluateOptions,
  finishTable,
  mergeChainCounts,
  newTableResult,
  type TableResult,
} from "./table-result.ts";
import type { TableName } from "./types.ts";

type Lists = readonly (readonly number[])[];

interface Frame {
  chain: CompiledChain;
  next: number;
  lists: Lists | undefined;
}

/** One table walk over indexed chains; the state `evaluateTableLinear` keeps in locals. */
class Walk {
  readonly stack: Frame[] = [];
  chain: CompiledChain;
  i = 0;
  lists: Lists | undefined;
  slot: [string, number];
  readonly slots: [string, number][];

  constructor(
    base: CompiledChain,
    readonly pkt: NetfilterPacket,
    readonly result: TableResult,
  ) {
    this.chain = base;
    this.lists = base.index?.candidates(pkt);
    this.slot = [base.name, 0];
    this.slots = [this.slot];
  }

  enter(c: CompiledChain): void {
    this.chain = c;
    this.i = 0;
    this.lists = c.index?.candidates(this.pkt);
    this.slot = [c.name, 0];
    this.slots.push(this.slot);
  }

  pop(): boolean {
    const frame = this.stack.pop();
    if (!frame) return false;
    this.chain = frame.chain;
    this.i = frame.next;
    this.lists = frame.lists;
    this.slot = [frame.chain.name, 0];
    this.slots.push(this.slot);
    return true;
  }

  /**
   * The next rule the packet could match, counting every rule before it as
   * evaluated: the kernel tests those too, and each fails at a pure test
   * (index-chains.ts), so skipping them changes no state.
   */
  next(): CompiledRule | undefined {
    if (this.lists) {
      const j = nextCandidate(this.lists, this.i, this.chain.rules.length);
      const skipped = j - this.i;
      if (skipped > 0) {
        this.result.rulesEvaluated += skipped;
        this.slot[1] += skipped;
        this.i = j;
      }
    }
    return this.chain.rules[this.i];
  }
}

/**
 * The same walk as `evaluateTableLinear` — same verdict, matched rules,
 * `rulesEvaluated` (per chain too), logs, mark, counters, `-m recent` and
 * nth state, and random draws in the same order — but an indexed chain
 * jumps straight from one candidate rule to the next (see index-chains.ts),
 * so the simulator's cost no longer grows with the chain's length while the
 * reported count still does, as the kernel's does.
 */
export function evaluateTableIndexed(
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
  const result = newTableResult(table, hook, pkt.mark);
  // why: a table that does not register this hook (or is not loaded) lets the packet through.
  if (!base?.builtin) return result;
  const env: MatchEnv = { ctx, mark: pkt.mark, recent: ctx.recent ?? compiled.recent, readOnly: false };
  const w = new Walk(base, pkt, result);
  for (;;) {
    const r = w.next();
    if (!r) {
      if (w.chain.builtin || !w.pop()) break;
      continue;
    }
    result.rulesEvaluated++;
    w.slot[1]++;
    w.i++;
    if (!fastPasses(r, pkt, env)) continue;
    if (count) {
      r.rule.counters.packets++;
      r.rule.counters.bytes += pkt.length;
    }
    if (record)
      result.matchedRules.push({ table, chain: w.chain.name, index: r.index, rule: r.rule, ruleText: r.ruleText });
    const t = r.rule.target;
    switch (t.kind) {
      case "none":
        continue;
      case "jump":
        w.stack.push({ chain: w.chain, next: w.i, lists: w.lists });
        w.enter(r.to as CompiledChain);
        continue;
      case "goto":
        w.enter(r.to as CompiledChain);
        continue;
      case "RETURN":
        if (!w.pop()) break;
        continue;
      case "MARK":
        // why: xt_MARK.c mark_tg — skb->mark = (skb->mark & ~mask) ^ mark; XT_CONTINUE.
        env.mark = ((env.mark & ~t.mask) ^ t.value) >>> 0;
        continue;
      case "LOG":
        result.logs.push({ table, chain: w.chain.name, index: r.index, prefix: t.prefix, level: t.level });
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
  result.rulesEvaluatedByChain = mergeChainCounts(w.slots);
  return result;
}
