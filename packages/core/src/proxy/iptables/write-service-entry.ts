import type { ResolvedIptablesConfig } from "./config.ts";
import { KUBE_EXTERNAL_SERVICES, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_SERVICES } from "./constants.ts";
import type { LineBuffer } from "./line-buffer.ts";
import type { ServicePlan } from "./service-plan.ts";

/** The buffers the per-service entry rules go to (always written, even in a partial sync). */
export interface EntryBuffers {
  readonly filterRules: LineBuffer;
  readonly natRules: LineBuffer;
}

/** Name of the nfacct counter of accepted localhost NodePort packets (pkg/proxy/metrics). */
export const LOCALHOST_NODEPORT_COUNTER = "localhost_nps_accepted_pkts";

function match(plan: ServicePlan, dest: string | undefined, port: number): string[] {
  const p = plan.protocol;
  return dest === undefined
    ? ["-m", p, "-p", p, "--dport", String(port)]
    : ["-m", p, "-p", p, "-d", dest, "--dport", String(port)];
}

/** One entry rule, in kube-proxy's word order: `-A chain -m comment --comment c <match> -j target`. */
function writeEntry(buf: LineBuffer, chain: string, comment: string, matchWords: string[], target: string): void {
  buf.write("-A", chain, "-m", "comment", "--comment", comment, matchWords, "-j", target);
}

/** KUBE-SERVICES: the ClusterIP jump, or the filter REJECT/DROP when there is nothing to jump to. */
function writeClusterIP(plan: ServicePlan, out: EntryBuffers): void {
  const { svc } = plan;
  if (plan.hasInternalEndpoints) {
    const comment = `"${svc.nameString} cluster IP"`;
    writeEntry(out.natRules, KUBE_SERVICES, comment, match(plan, svc.clusterIP, svc.port), plan.internalTrafficChain);
  } else if (plan.internalFilter) {
    const f = plan.internalFilter;
    writeEntry(out.filterRules, KUBE_SERVICES, f.comment, match(plan, svc.clusterIP, svc.port), f.target);
  }
}

/** KUBE-SERVICES jumps for external IPs, with KUBE-EXTERNAL-SERVICES verdicts when needed. */
function writeExternalIPs(plan: ServicePlan, out: EntryBuffers): void {
  const { svc } = plan;
  for (const ip of svc.externalIPs) {
    if (plan.hasEndpoints) {
      const comment = `"${svc.nameString} external IP"`;
      writeEntry(out.natRules, KUBE_SERVICES, comment, match(plan, ip, svc.port), plan.chains.external);
    }
    // why: without (local) endpoints, external traffic that the EXT chain did not short-circuit
    // is rejected (no endpoints) or dropped (no local endpoints) in the filter table.
    const f = plan.externalFilter;
    if (!plan.hasExternalEndpoints && f) {
      writeEntry(out.filterRules, KUBE_EXTERNAL_SERVICES, f.comment, match(plan, ip, svc.port), f.target);
    }
  }
}

/** KUBE-SERVICES jumps for load-balancer ingress IPs, and the KUBE-PROXY-FIREWALL drops for source ranges. */
function writeLoadBalancerIPs(plan: ServicePlan, out: EntryBuffers): void {
  const { svc } = plan;
  for (const ip of svc.loadBalancerVIPs) {
    if (plan.hasEndpoints) {
      const comment = `"${svc.nameString} loadbalancer IP"`;
      writeEntry(out.natRules, KUBE_SERVICES, comment, match(plan, ip, svc.port), plan.loadBalancerTrafficChain);
    }
    if (plan.usesFWChain) {
      // why: a packet that leaves KUBE-FW without a DNAT still has the LB IP as destination and is
      // dropped here, in the filter table.
      const comment = `"${svc.nameString} traffic not accepted by ${plan.chains.firewall}"`;
      writeEntry(out.filterRules, KUBE_PROXY_FIREWALL, comment, match(plan, ip, svc.port), "DROP");
    }
  }
  const f = plan.externalFilter;
  if (!plan.hasExternalEndpoints && f) {
    for (const ip of svc.loadBalancerVIPs) {
      writeEntry(out.filterRules, KUBE_EXTERNAL_SERVICES, f.comment, match(plan, ip, svc.port), f.target);
    }
  }
}

/** KUBE-NODEPORTS jumps (and the localhost variant), plus KUBE-EXTERNAL-SERVICES verdicts. */
function writeNodePort(plan: ServicePlan, out: EntryBuffers, cfg: ResolvedIptablesConfig): void {
  const { svc } = plan;
  if (svc.nodePort === 0) return;
  const p = plan.protocol;
  const port = String(svc.nodePort);
  if (plan.hasEndpoints) {
    // why: NodePorts jump to KUBE-EXT; "nodeports are not subject to loadBalancerSourceRanges".
    // The 127.0.0.0/8 rule exists only to count localhost NodePort traffic with nfacct.
    if (cfg.localhostNodePorts && cfg.nfacct) {
      out.natRules.write(
        "-A",
        KUBE_NODEPORTS,
        "-m",
        "comment",
        "--comment",
        svc.nameString,
        "-m",
        p,
        "-p",
        p,
        "-d",
        "127.0.0.0/8",
        "--dport",
        port,
        "-m",
        "nfacct",
        "--nfacct-name",
        LOCALHOST_NODEPORT_COUNTER,
        "-j",
        plan.chains.external,
      );
    }
    out.natRules.write(
      "-A",
      KUBE_NODEPORTS,
      "-m",
      "comment",
      "--comment",
      svc.nameString,
      "-m",
      p,
      "-p",
      p,
      "--dport",
      port,
      "-j",
      plan.chains.external,
    );
  }
  const f = plan.externalFilter;
  if (!plan.hasExternalEndpoints && f) {
    out.filterRules.write(
      "-A",
      KUBE_EXTERNAL_SERVICES,
      "-m",
      "comment",
      "--comment",
      f.comment,
      "-m",
      "addrtype",
      "--dst-type",
      "LOCAL",
      "-m",
      p,
      "-p",
      p,
      "--dport",
      port,
      "-j",
      f.target,
    );
  }
}

/** Filter KUBE-NODEPORTS: accept the health-check node port whether or not there are local endpoints. */
function writeHealthCheckNodePort(plan: ServicePlan, out: EntryBuffers): void {
  const { svc } = plan;
  if (svc.healthCheckNodePort === 0) return;
  const comment = `"${svc.nameString} health check node port"`;
  out.filterRules.write(
    "-A",
    KUBE_NODEPORTS,
    "-m",
    "comment",
    "--comment",
    comment,
    "-m",
    "tcp",
    "-p",
    "tcp",
    "--dport",
    String(svc.healthCheckNodePort),
    "-j",
    "ACCEPT",
  );
}

/**
 * Writes one service port's rules in the shared chains (KUBE-SERVICES,
 * KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES, KUBE-PROXY-FIREWALL), in
 * kube-proxy's order: cluster IP, external IPs, LB IPs, node port, health check.
 */
export function writeServiceEntryRules(plan: ServicePlan, out: EntryBuffers, cfg: ResolvedIptablesConfig): void {
  writeClusterIP(plan, out);
  writeExternalIPs(plan, out);
  writeLoadBalancerIPs(plan, out);
  writeNodePort(plan, out, cfg);
  writeHealthCheckNodePort(plan, out);
}
