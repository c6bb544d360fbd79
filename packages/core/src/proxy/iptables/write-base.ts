import { nodePortIPs } from "../node-port-addresses.ts";
import type { ResolvedIptablesConfig } from "./config.ts";
import {
  CT_INVALID_COUNTER,
  KUBE_EXTERNAL_SERVICES,
  KUBE_FIREWALL,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
} from "./constants.ts";
import { chainLine, type LineBuffer } from "./line-buffer.ts";

/** The four buffers of one `iptables-restore` input. */
export interface RestoreBuffers {
  readonly filterChains: LineBuffer;
  readonly filterRules: LineBuffer;
  readonly natChains: LineBuffer;
  readonly natRules: LineBuffer;
}

/**
 * Writes what precedes the per-service rules (proxier.go syncProxyRules):
 * the top-level chain declarations, KUBE-POSTROUTING (RETURN unless marked,
 * clear the mark, MASQUERADE), KUBE-MARK-MASQ, and KUBE-FIREWALL's
 * anti-martian rule when localhost NodePorts are on.
 */
export function writeHead(out: RestoreBuffers, cfg: ResolvedIptablesConfig): void {
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) {
    out.filterChains.write(chainLine(c));
  }
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) out.natChains.write(chainLine(c));
  const mark = cfg.masqueradeMark;
  out.natRules.write("-A", KUBE_POSTROUTING, "-m", "mark", "!", "--mark", `${mark}/${mark}`, "-j", "RETURN");
  // why: clear the mark so a packet that re-traverses the stack is not masqueraded twice.
  out.natRules.write("-A", KUBE_POSTROUTING, "-j", "MARK", "--xor-mark", mark);
  const masq = [
    "-A",
    KUBE_POSTROUTING,
    "-m",
    "comment",
    "--comment",
    `"kubernetes service traffic requiring SNAT"`,
    "-j",
    "MASQUERADE",
  ];
  // why: --random-fully (when iptables supports it) avoids SNAT source-port collisions (conntrack insert races).
  if (cfg.randomFully) masq.push("--random-fully");
  out.natRules.write(masq);
  out.natRules.write("-A", KUBE_MARK_MASQ, "-j", "MARK", "--or-mark", mark);
  if (cfg.localhostNodePorts) {
    // why: route_localnet=1 (needed for localhost NodePorts) lets martian packets to 127/8 in from
    // outside (issue 90259); this rule, shared with kubelet, drops them.
    out.filterChains.write(chainLine(KUBE_FIREWALL));
    out.filterRules.write(
      "-A",
      KUBE_FIREWALL,
      "-m",
      "comment",
      "--comment",
      `"block incoming localnet connections"`,
      "-d",
      "127.0.0.0/8",
      "!",
      "-s",
      "127.0.0.0/8",
      "-m",
      "conntrack",
      "!",
      "--ctstate",
      "RELATED,ESTABLISHED,DNAT",
      "-j",
      "DROP",
    );
  }
}

const NODEPORTS_COMMENT = `"kubernetes service nodeports; NOTE: this must be the last rule in this chain"`;

/** The last KUBE-SERVICES rule(s): local destinations go on to KUBE-NODEPORTS. */
function writeNodePortsJump(out: RestoreBuffers, cfg: ResolvedIptablesConfig): void {
  if (cfg.nodePorts.matchAll) {
    const dest = ["-m", "addrtype", "--dst-type", "LOCAL"];
    // why: localhost NodePorts only work with route_localnet; otherwise 127/8 is excluded.
    if (!cfg.localhostNodePorts) dest.push("!", "-d", "127.0.0.0/8");
    out.natRules.write(
      "-A",
      KUBE_SERVICES,
      "-m",
      "comment",
      "--comment",
      NODEPORTS_COMMENT,
      dest,
      "-j",
      KUBE_NODEPORTS,
    );
    return;
  }
  for (const ip of nodePortIPs(cfg.nodePorts, cfg.localAddresses)) {
    if (ip.startsWith("127.") && !cfg.localhostNodePorts) continue;
    out.natRules.write(
      "-A",
      KUBE_SERVICES,
      "-m",
      "comment",
      "--comment",
      NODEPORTS_COMMENT,
      "-d",
      ip,
      "-j",
      KUBE_NODEPORTS,
    );
  }
}

/** Writes what follows the per-service rules: the KUBE-NODEPORTS tail jump and KUBE-FORWARD. */
export function writeTail(out: RestoreBuffers, cfg: ResolvedIptablesConfig): void {
  writeNodePortsJump(out, cfg);
  if (!cfg.conntrackTCPLiberal) {
    // why: INVALID packets can reset connections unless nf_conntrack_tcp_be_liberal is set (issue 74839).
    const rule = ["-A", KUBE_FORWARD, "-m", "conntrack", "--ctstate", "INVALID"];
    if (cfg.nfacct) rule.push("-m", "nfacct", "--nfacct-name", CT_INVALID_COUNTER);
    out.filterRules.write(rule, "-j", "DROP");
  }
  // why: forward marked (NodePort) traffic even when the FORWARD policy is DROP, and its replies.
  out.filterRules.write(
    "-A",
    KUBE_FORWARD,
    "-m",
    "comment",
    "--comment",
    `"kubernetes forwarding rules"`,
    "-m",
    "mark",
    "--mark",
    `${cfg.masqueradeMark}/${cfg.masqueradeMark}`,
    "-j",
    "ACCEPT",
  );
  out.filterRules.write(
    "-A",
    KUBE_FORWARD,
    "-m",
    "comment",
    "--comment",
    `"kubernetes forwarding conntrack rule"`,
    "-m",
    "conntrack",
    "--ctstate",
    "RELATED,ESTABLISHED",
    "-j",
    "ACCEPT",
  );
}
