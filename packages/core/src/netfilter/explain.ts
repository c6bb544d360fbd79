import type { CompiledChain, CompiledRule, CompiledRuleset } from "./compile.ts";
import type { MatchEnv } from "./compile-match.ts";
import type { EvalContext, MatchedRule, NetfilterPacket, Verdict } from "./context.ts";
import type { TableName } from "./types.ts";

/** A `-m statistic` decision on one explained path. */
export interface StatisticDecision {
  chain: string;
  index: number;
  /** Whether the statistic match passed on this path. */
  passed: boolean;
  /** The probability of this decision (the kernel's quantized one for random mode; 1/every for nth). */
  probability: number;
}

/** A verdict, or RETURN when the walk started in a user chain and fell out of it. */
export type ExplainVerdict = Verdict | { kind: "RETURN" };

/** One way the packet can leave the chain, with the path that leads there. */
export interface ExplainOutcome {
  verdict: ExplainVerdict;
  byPolicy: boolean;
  /** The probability of this path: the product of its statistic decisions. */
  probability: number;
  matchedRules: MatchedRule[];
  decisions: StatisticDecision[];
  mark: number;
  notrack: boolean;
}

/** Every outcome of an explained walk, in depth-first order (a statistic's passing branch first). */
export interface ExplainResult {
  outcomes: ExplainOutcome[];
  /** True when `maxOutcomes` cut the search short. */
  truncated: boolean;
}

/** Options for {@link explainChain}. */
export interface ExplainOptions {
  /** Stop after this many outcomes (default 4096): the branches multiply with nested statistic rules. */
  maxOutcomes?: number;
}

interface Frame {
  chain: CompiledChain;
  next: number;
  up: Frame | null;
}
interface List<T> {
  head: T;
  tail: List<T> | null;
}
interface State {
  chain: CompiledChain;
  i: number;
  stack: Frame | null;
  mark: number;
  prob: number;
  path: List<MatchedRule> | null;
  decisions: List<StatisticDecision> | null;
  notrack: boolean;
}

function toArray<T>(l: List<T> | null): T[] {
  const out: T[] = [];
  for (let n = l; n; n = n.tail) out.push(n.head);
  return out.reverse();
}

class Explorer {
  readonly outcomes: ExplainOutcome[] = [];
  truncated = false;
  constructor(
    readonly table: TableName,
    readonly base: CompiledChain,
    readonly pkt: NetfilterPacket,
    readonly env: MatchEnv,
    readonly max: number,
  ) {}

  emit(st: State, verdict: ExplainVerdict, byPolicy: boolean): void {
    if (this.outcomes.length >= this.max) {
      this.truncated = true;
      return;
    }
    const { prob: probability, mark, notrack } = st;
    const o = { verdict, byPolicy, probability, mark, notrack };
    this.outcomes.push({ ...o, matchedRules: toArray(st.path), decisions: toArray(st.decisions) });
  }

  /** Pops a frame; at the bottom, ends the walk with the policy (or RETURN from a user chain). */
  pop(st: State): boolean {
    if (st.stack) {
      st.chain = st.stack.chain;
      st.i = st.stack.next;
      st.stack = st.stack.up;
      return true;
    }
    if (this.base.builtin) this.emit(st, { kind: this.base.model.policy ?? "ACCEPT" }, true);
    else this.emit(st, { kind: "RETURN" }, false);
    return false;
  }

  walk(st: State): void {
    while (!this.truncated) {
      const r = st.chain.rules[st.i];
      if (!r) {
        if (!this.pop(st)) return;
        continue;
      }
      st.i++;
      if (this.passes(st, r, 0) && !this.apply(st, r)) return;
    }
  }

  /** Tests the rule from match `from` on; forks at every statistic match whose outcome is uncertain. */
  passes(st: State, r: CompiledRule, from: number): boolean {
    for (let k = from; k < r.tests.length; k++) {
      const m = r.ordered[k];
      if (m?.kind === "statistic") {
        const p0 = m.mode === "random" ? m.probability / 0x80000000 : 1 / m.every;
        const p = m.invert ? 1 - p0 : p0;
        if (p <= 0) return false;
        if (p >= 1) continue;
        const decision = (passed: boolean, probability: number) => ({
          head: { chain: st.chain.name, index: r.index, passed, probability },
          tail: st.decisions,
        });
        const taken: State = { ...st, prob: st.prob * p, decisions: decision(true, p) };
        if (this.passes(taken, r, k + 1) && this.apply(taken, r)) this.walk(taken);
        st.prob *= 1 - p;
        st.decisions = decision(false, 1 - p);
        return false;
      }
      this.env.mark = st.mark;
      if (!(r.tests[k] as (p: NetfilterPacket, e: MatchEnv) => boolean)(this.pkt, this.env)) return false;
    }
    return true;
  }

  /** Applies a matched rule's target; false when the walk ended (an outcome was emitted). */
  apply(st: State, r: CompiledRule): boolean {
    const matched = { table: this.table, chain: st.chain.name, index: r.index, rule: r.rule, ruleText: r.ruleText };
    st.path = { head: matched, tail: st.path };
    const t = r.rule.target;
    switch (t.kind) {
      case "none":
      case "LOG":
        return true;
      case "jump":
        st.stack = { chain: st.chain, next: st.i, up: st.stack };
        st.chain = r.to as CompiledChain;
        st.i = 0;
        return true;
      case "goto":
        st.chain = r.to as CompiledChain;
        st.i = 0;
        return true;
      case "RETURN":
        return this.pop(st);
      case "MARK":
        st.mark = ((st.mark & ~t.mask) ^ t.value) >>> 0;
        return true;
      case "NOTRACK":
        st.notrack = true;
        return true;
      default:
        this.emit(st, t, false);
        return false;
    }
  }
}

/**
 * Explains what a chain can do with a packet: instead of drawing a random
 * number, every `-m statistic` match (random or nth) is followed both ways,
 * and every way out — a terminal verdict, the built-in chain's policy, or
 * RETURN from a user chain — is listed with its path and probability. For a
 * kube-proxy KUBE-SVC chain this lists every endpoint with its share.
 *
 * Nothing changes: no counters, no `-m recent` updates (`--set` matches,
 * `--rcheck` reads the current lists), no nth counters. Other matches
 * (conntrack state, marks, addrtype, sets) are evaluated as the kernel would,
 * from `ctx`.
 */
export function explainChain(
  compiled: CompiledRuleset,
  table: TableName,
  chain: string,
  pkt: NetfilterPacket,
  ctx: Omit<EvalContext, "random">,
  options: ExplainOptions = {},
): ExplainResult {
  const base = compiled.tables.get(table)?.chains.get(chain);
  if (!base) return { outcomes: [], truncated: false };
  const env: MatchEnv = {
    ctx: { ...ctx, random: () => 0 },
    mark: pkt.mark,
    recent: ctx.recent ?? compiled.recent,
    readOnly: true,
  };
  const ex = new Explorer(table, base, pkt, env, options.maxOutcomes ?? 4096);
  const st: State = {
    chain: base,
    i: 0,
    stack: null,
    mark: pkt.mark,
    prob: 1,
    path: null,
    decisions: null,
    notrack: false,
  };
  ex.walk(st);
  return { outcomes: ex.outcomes, truncated: ex.truncated };
}
