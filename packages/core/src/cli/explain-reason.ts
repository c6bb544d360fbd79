/**
 * Why a path was refused, named the way svcsim's traces name drops: which
 * kube-proxy rule refused it, the Service it names, and — for
 * loadBalancerSourceRanges — the sources the Service lets in.
 */
import { formatCidr } from "../net/index.ts";
import type { CompiledRuleset, MatchedRule, TableName } from "../netfilter/index.ts";
import { dropReason, serviceOfRule } from "../proxy/index.ts";
import type { DropReason } from "../trace/index.ts";

/** What refused a path, as data (the text view words it). */
export interface Refusal {
  readonly verdict: "DROP" | "REJECT";
  /** Where: the table, and the chain of the refusing rule (the built-in chain when its policy refused). */
  readonly table: TableName;
  readonly chain: string;
  /** The trace's drop reason: "source-range", "no-local-endpoints", "no-endpoints", "rule-drop"… */
  readonly reason: DropReason;
  /** The refusing rule (absent when a built-in chain's policy refused). */
  readonly rule?: MatchedRule;
  /** The Service port (`ns/name:port`) the rule's kube-proxy comment names. */
  readonly service?: string;
  /** For "no-local-endpoints": which policy made the rule (eTP in KUBE-EXTERNAL-SERVICES, iTP in KUBE-SERVICES). */
  readonly policy?: "externalTrafficPolicy" | "internalTrafficPolicy";
  /** For "source-range": the `-s` sources of the Service's KUBE-FW-* chain, in rule order. */
  readonly allowed?: readonly string[];
}

/**
 * The `-s` sources of a chain's rules (a KUBE-FW-* chain lists one rule per
 * allowed source), a single address without its /32 as kube-proxy writes it.
 */
function sourcesOf(compiled: CompiledRuleset, chain: string): string[] {
  const rules = compiled.tables.get("nat")?.chains.get(chain)?.rules ?? [];
  return rules.flatMap((r) =>
    r.rule.matches.flatMap((m) => (m.kind === "source" && !m.invert ? [formatCidr(m.cidr).replace(/\/32$/, "")] : [])),
  );
}

/**
 * Names the refusal of a path whose last table step (`where`) refused it:
 * `matched` are that step's matched rules; `byPolicy` when the built-in
 * chain's policy refused.
 */
// why: proxier.go writes the reason into each refusing rule — "has no endpoints" (REJECT in
// KUBE-SERVICES / KUBE-EXTERNAL-SERVICES), "has no local endpoints" (DROP: in
// KUBE-EXTERNAL-SERVICES for eTP Local, in KUBE-SERVICES for iTP Local) and "traffic not
// accepted by KUBE-FW-…" (DROP in KUBE-PROXY-FIREWALL for loadBalancerSourceRanges).
export function refusalOf(
  compiled: CompiledRuleset,
  where: { table: TableName; hook: string },
  verdict: "DROP" | "REJECT",
  matched: readonly MatchedRule[],
  byPolicy: boolean,
): Refusal {
  const rule = byPolicy ? undefined : matched.at(-1);
  const reason = rule ? dropReason(matched, verdict === "REJECT") : verdict === "REJECT" ? "rule-reject" : "rule-drop";
  const base = { verdict, table: where.table, chain: rule?.chain ?? where.hook, reason, ...(rule ? { rule } : {}) };
  if (!rule?.chain.startsWith("KUBE-")) return base;
  const service = serviceOfRule(rule);
  if (reason === "no-local-endpoints") {
    const policy = rule.chain === "KUBE-SERVICES" ? "internalTrafficPolicy" : "externalTrafficPolicy";
    return { ...base, service, policy };
  }
  if (reason === "source-range") {
    const fw = /traffic not accepted by (KUBE-FW-\S+?)"?(?:\s|$)/.exec(rule.ruleText)?.[1] ?? rule.chain;
    return { ...base, service, allowed: sourcesOf(compiled, fw) };
  }
  return reason === "no-endpoints" ? { ...base, service } : base;
}
