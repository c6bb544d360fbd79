import type { Hook } from "../trace/index.ts";
import type { CompiledChain, CompiledRule } from "./compile.ts";
import type { MatchEnv } from "./compile-match.ts";
import type { LogRecord, MatchedRule, NetfilterPacket, Verdict } from "./context.ts";
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

/** Options for `evaluateTable`. */
export interface EvaluateOptions {
  /** Record matched rules (default true). Off on hot paths that only need the verdict. */
  record?: boolean;
  /** Update rule and chain packet/byte counters (default true). */
  counters?: boolean;
  /**
   * Walk every rule even when the ruleset was compiled with an index (default
   * false). The result is the same either way; this is the reference walk.
   */
  linear?: boolean;
  /**
   * The connection's NAT is already set up (`nf_nat_initialized`): a NEW
   * packet that is not the first — an unanswered UDP datagram sent again, a
   * retransmitted SYN — skips the nat table and is translated by the
   * existing binding (nf_nat_inet_fn). Used by `traverseHook`.
   */
  natDone?: boolean;
}

/** A fresh result: ACCEPT by policy, nothing evaluated yet. */
export function newTableResult(table: TableName, hook: Hook, mark: number): TableResult {
  return {
    table,
    hook,
    verdict: { kind: "ACCEPT" },
    byPolicy: true,
    mark: { before: mark, after: mark },
    notrack: false,
    logs: [],
    matchedRules: [],
    rulesEvaluated: 0,
    rulesEvaluatedByChain: [],
  };
}

/**
 * Ends a walk: applies the built-in chain's policy (and its counters) when no
 * terminal rule matched, and writes the final mark back to the packet.
 */
export function finishTable(
  result: TableResult,
  base: CompiledChain,
  mark: number,
  pkt: NetfilterPacket,
  count: boolean,
): void {
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

/**
 * The per-chain counts of a walk: one slot per chain visit (the first always
 * kept, empty visits dropped), merged by chain name in first-visit order.
 */
export function mergeChainCounts(slots: readonly [string, number][]): [string, number][] {
  const out: [string, number][] = [];
  for (const s of slots) {
    if (s[1] === 0 && s !== slots[0]) continue;
    const hit = out.find((o) => o[0] === s[0]);
    if (hit) hit[1] += s[1];
    else out.push([s[0], s[1]]);
  }
  return out;
}

/** True when every test of the rule passes, run in order and stopping at the first that fails (as the kernel does). */
export function passes(r: CompiledRule, pkt: NetfilterPacket, env: MatchEnv): boolean {
  const tests = r.tests;
  for (let k = 0; k < tests.length; k++)
    if (!(tests[k] as (p: NetfilterPacket, e: MatchEnv) => boolean)(pkt, env)) return false;
  return true;
}
