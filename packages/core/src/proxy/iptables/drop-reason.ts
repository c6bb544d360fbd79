import type { MatchedRule } from "../../netfilter/index.ts";
import type { DropReason } from "../../trace/index.ts";

/**
 * Names a kube-proxy DROP or REJECT by the rule that made it, so a trace says
 * "no-endpoints" rather than "rule-reject". kube-proxy writes these reasons in
 * its rule comments (proxier.go: "has no endpoints", "has no local
 * endpoints"), drops INVALID conntrack state in KUBE-FORWARD, and drops
 * traffic that fails loadBalancerSourceRanges at the end of a KUBE-FW chain.
 */
export function dropReason(matched: readonly MatchedRule[], reject: boolean): DropReason {
  const rule = matched.at(-1);
  const text = rule?.ruleText ?? "";
  if (text.includes("has no local endpoints")) return "no-local-endpoints";
  if (text.includes("has no endpoints")) return "no-endpoints";
  if (text.includes("--ctstate INVALID")) return "conntrack-invalid";
  if (rule?.chain.startsWith("KUBE-FW-") || rule?.chain === "KUBE-PROXY-FIREWALL") return "source-range";
  return reject ? "rule-reject" : "rule-drop";
}

/** The Service (`ns/name:port`) a KUBE-SEP DNAT rule belongs to, from its kube-proxy comment. */
export function serviceOfRule(rule: MatchedRule | undefined): string {
  const m = /--comment "?([^"\s]+)"?/.exec(rule?.ruleText ?? "");
  return m?.[1] ?? rule?.chain ?? "?";
}
