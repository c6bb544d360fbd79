import { cidrContains, tryParseCidr, tryParseIPv4 } from "../../net/index.ts";
import type { ResolvedIptablesConfig } from "./config.ts";
import { KUBE_MARK_MASQ } from "./constants.ts";
import { chainLine, type LineBuffer } from "./line-buffer.ts";
import type { ServicePlan } from "./service-plan.ts";
import { writeEndpointChains, writeServiceToEndpointRules } from "./write-endpoints.ts";

/** Where a service's own chains go: real buffers, or discarding ones for an unchanged service in a partial sync. */
export interface ChainBuffers {
  readonly natChains: LineBuffer;
  readonly natRules: LineBuffer;
  /** Every nat chain that must exist after this sync (stale ones are deleted). */
  readonly activeNatChains: Set<string>;
  /** Drop per-endpoint comments (more than 1000 endpoints in total). */
  readonly largeClusterMode: boolean;
}

function declare(out: ChainBuffers, chain: string): void {
  out.natChains.write(chainLine(chain));
  out.activeNatChains.add(chain);
}

/** Masquerade rule at the head of the internal chain for off-cluster (or all) ClusterIP traffic. */
function writeInternalMasquerade(plan: ServicePlan, out: ChainBuffers, cfg: ResolvedIptablesConfig): void {
  if (!plan.hasInternalEndpoints) return;
  const { svc, protocol: p } = plan;
  const args = [
    "-m",
    "comment",
    "--comment",
    `"${svc.nameString} cluster IP"`,
    "-m",
    p,
    "-p",
    p,
    "-d",
    svc.clusterIP,
    "--dport",
    String(svc.port),
  ];
  if (cfg.masqueradeAll) {
    out.natRules.write("-A", plan.internalTrafficChain, args, "-j", KUBE_MARK_MASQ);
  } else if (cfg.detector.ifNotLocal) {
    // why: "masquerades off-cluster traffic to a service VIP" so that a static route for the
    // Service range to any node works even when the endpoint is on another node.
    out.natRules.write("-A", plan.internalTrafficChain, args, cfg.detector.ifNotLocal, "-j", KUBE_MARK_MASQ);
  }
}

/** KUBE-EXT: masquerade for Cluster policy; short-circuits for pod and node traffic with Local policy. */
function writeExternalChain(plan: ServicePlan, out: ChainBuffers, cfg: ResolvedIptablesConfig): void {
  if (!plan.usesExternalTrafficChain) return;
  const { svc, chains } = plan;
  const ext = chains.external;
  declare(out, ext);
  if (!svc.externalPolicyLocal) {
    // why: Cluster policy may send the packet to another node, so it must be masqueraded.
    out.natRules.write(
      "-A",
      ext,
      "-m",
      "comment",
      "--comment",
      `"masquerade traffic for ${svc.nameString} external destinations"`,
      "-j",
      KUBE_MARK_MASQ,
    );
  } else {
    if (cfg.detector.ifLocal) {
      // why: pod traffic to an external IP is treated as if it went out to the LB and came back:
      // subject to neither traffic policy, so it goes to the Cluster chain.
      out.natRules.write(
        "-A",
        ext,
        "-m",
        "comment",
        "--comment",
        `"pod traffic for ${svc.nameString} external destinations"`,
        cfg.detector.ifLocal,
        "-j",
        chains.cluster,
      );
    }
    // why: traffic from the node itself has a local address (maybe the LB IP) as source and must be
    // masqueraded, and may use any endpoint.
    out.natRules.write(
      "-A",
      ext,
      "-m",
      "comment",
      "--comment",
      `"masquerade LOCAL traffic for ${svc.nameString} external destinations"`,
      "-m",
      "addrtype",
      "--src-type",
      "LOCAL",
      "-j",
      KUBE_MARK_MASQ,
    );
    out.natRules.write(
      "-A",
      ext,
      "-m",
      "comment",
      "--comment",
      `"route LOCAL traffic for ${svc.nameString} external destinations"`,
      "-m",
      "addrtype",
      "--src-type",
      "LOCAL",
      "-j",
      chains.cluster,
    );
  }
  if (plan.hasExternalEndpoints) out.natRules.write("-A", ext, "-j", plan.externalPolicyChain);
}

/** KUBE-FW: accept allowed source ranges into KUBE-EXT; the rest falls through to KUBE-PROXY-FIREWALL. */
function writeFirewallChain(plan: ServicePlan, out: ChainBuffers, cfg: ResolvedIptablesConfig): void {
  if (!plan.usesFWChain) return;
  const { svc, chains } = plan;
  declare(out, chains.firewall);
  const args = ["-A", chains.firewall, "-m", "comment", "--comment", `"${svc.nameString} loadbalancer IP"`];
  for (const cidr of svc.loadBalancerSourceRanges) out.natRules.write(args, "-s", cidr, "-j", chains.external);
  // why: a request from this node to an LB IP bound locally loops back with the LB IP as source,
  // so when the ranges allow the node IP, the LB IPs are allowed as sources too.
  if (cfg.nodeIP !== undefined && svc.loadBalancerSourceRanges.some((c) => cidrHas(c, cfg.nodeIP!))) {
    for (const ip of svc.loadBalancerVIPs) out.natRules.write(args, "-s", ip, "-j", chains.external);
  }
  out.natRules.write(
    "-A",
    chains.firewall,
    "-m",
    "comment",
    "--comment",
    `"other traffic to ${svc.nameString} will be dropped by KUBE-PROXY-FIREWALL"`,
  );
}

function cidrHas(cidr: string, ip: string): boolean {
  const parsed = tryParseCidr(cidr);
  const addr = tryParseIPv4(ip);
  return parsed !== undefined && addr !== undefined && cidrContains(parsed, addr);
}

/**
 * Writes one service port's own nat chains, in kube-proxy's order: the
 * internal masquerade rule, KUBE-EXT, KUBE-FW, KUBE-SVC, KUBE-SVL, then one
 * KUBE-SEP per reachable endpoint.
 */
export function writeServiceChains(plan: ServicePlan, out: ChainBuffers, cfg: ResolvedIptablesConfig): void {
  writeInternalMasquerade(plan, out, cfg);
  writeExternalChain(plan, out, cfg);
  writeFirewallChain(plan, out, cfg);
  if (plan.usesClusterPolicyChain) {
    declare(out, plan.chains.cluster);
    writeServiceToEndpointRules(out.natRules, plan, plan.chains.cluster, plan.clusterEndpoints, out.largeClusterMode);
  }
  if (plan.usesLocalPolicyChain) {
    declare(out, plan.chains.local);
    writeServiceToEndpointRules(out.natRules, plan, plan.chains.local, plan.localEndpoints, out.largeClusterMode);
  }
  for (const ep of plan.allReachableEndpoints) declare(out, ep.chain);
  writeEndpointChains(out.natRules, plan, out.largeClusterMode);
}
