import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_FIREWALL,
  KUBE_FORWARD,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_CANARY,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
} from "./constants.ts";
import type { IptablesTables, TableName } from "./tables.ts";

interface JumpChain {
  readonly table: TableName;
  readonly dst: string;
  readonly src: string;
  readonly comment: string;
  readonly newOnly: boolean;
}

const j = (table: TableName, dst: string, src: string, comment: string, newOnly: boolean): JumpChain => ({
  table,
  dst,
  src,
  comment,
  newOnly,
});

/** proxier.go iptablesJumpChains, then iptablesKubeletJumpChains, in order. */
const JUMP_CHAINS: readonly JumpChain[] = [
  j("filter", KUBE_EXTERNAL_SERVICES, "INPUT", "kubernetes externally-visible service portals", true),
  j("filter", KUBE_EXTERNAL_SERVICES, "FORWARD", "kubernetes externally-visible service portals", true),
  j("filter", KUBE_NODEPORTS, "INPUT", "kubernetes health check service ports", false),
  j("filter", KUBE_SERVICES, "FORWARD", "kubernetes service portals", true),
  j("filter", KUBE_SERVICES, "OUTPUT", "kubernetes service portals", true),
  j("filter", KUBE_FORWARD, "FORWARD", "kubernetes forwarding rules", false),
  j("filter", KUBE_PROXY_FIREWALL, "INPUT", "kubernetes load balancer firewall", true),
  j("filter", KUBE_PROXY_FIREWALL, "OUTPUT", "kubernetes load balancer firewall", true),
  j("filter", KUBE_PROXY_FIREWALL, "FORWARD", "kubernetes load balancer firewall", true),
  j("nat", KUBE_SERVICES, "OUTPUT", "kubernetes service portals", false),
  j("nat", KUBE_SERVICES, "PREROUTING", "kubernetes service portals", false),
  j("nat", KUBE_POSTROUTING, "POSTROUTING", "kubernetes postrouting rules", false),
  j("filter", KUBE_FIREWALL, "INPUT", "", false),
  j("filter", KUBE_FIREWALL, "OUTPUT", "", false),
];

function ruleText(jc: JumpChain): string {
  const words = ["-A", jc.src];
  if (jc.newOnly) words.push("-m", "conntrack", "--ctstate", "NEW");
  // iptables-save quotes a comment that contains spaces.
  if (jc.comment !== "") words.push("-m", "comment", "--comment", `"${jc.comment}"`);
  words.push("-j", jc.dst);
  return words.join(" ");
}

/**
 * Installs what kube-proxy sets up outside iptables-restore on a full sync:
 * the jump rules from the built-in chains (each prepended if missing, so the
 * last one installed comes first) and the KUBE-PROXY-CANARY chains that
 * `iptables.Monitor` watches in mangle, nat and filter.
 */
export function ensureJumpRules(tables: IptablesTables): void {
  for (const table of ["mangle", "nat", "filter"] as const) tables.ensureChain(table, KUBE_PROXY_CANARY);
  for (const jc of JUMP_CHAINS) {
    // why: syncProxyRules on a full sync: EnsureChain(dst) then EnsureRule(Prepend, src, args) with
    // args = extraArgs + comment + "-j dst" — not part of the restore, so other rules in the
    // built-in chains are kept.
    tables.ensureChain(jc.table, jc.dst);
    tables.ensureRulePrepended(jc.table, ruleText(jc));
  }
}
