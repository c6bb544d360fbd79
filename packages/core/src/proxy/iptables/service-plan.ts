import type { EndpointInfo } from "../endpoint.ts";
import {
  externallyAccessible,
  type ServicePortInfo,
  usesClusterEndpoints,
  usesLocalEndpoints,
} from "../service-port.ts";
import { categorizeEndpoints } from "../topology.ts";
import { endpointChainName, type ServiceChainNames, serviceChainNames } from "./chain-names.ts";
import type { ResolvedIptablesConfig } from "./config.ts";

/** An endpoint with its `KUBE-SEP-…` chain. */
export interface PlannedEndpoint {
  readonly info: EndpointInfo;
  readonly chain: string;
}

/** A filter-table verdict for traffic that has no (local) endpoint to go to. */
export interface FilterVerdict {
  readonly target: "REJECT" | "DROP";
  /** The rule comment, already quoted as kube-proxy writes it. */
  readonly comment: string;
}

/**
 * Everything kube-proxy decides for one service port before writing rules
 * (the top of the per-service loop in proxier.go syncProxyRules). Pure data.
 */
export interface ServicePlan {
  readonly svc: ServicePortInfo;
  /** Lower-case protocol, as used in `-m tcp -p tcp` and in chain hashes. */
  readonly protocol: string;
  readonly chains: ServiceChainNames;
  readonly clusterEndpoints: readonly PlannedEndpoint[];
  readonly localEndpoints: readonly PlannedEndpoint[];
  readonly allReachableEndpoints: readonly PlannedEndpoint[];
  readonly hasEndpoints: boolean;
  readonly usesClusterPolicyChain: boolean;
  readonly usesLocalPolicyChain: boolean;
  /** The chain ClusterIP traffic jumps to (KUBE-SVC, or KUBE-SVL with internalTrafficPolicy Local). */
  readonly internalTrafficChain: string;
  readonly hasInternalEndpoints: boolean;
  /** The chain external traffic ends in, after KUBE-EXT. */
  readonly externalPolicyChain: string;
  readonly hasExternalEndpoints: boolean;
  readonly usesExternalTrafficChain: boolean;
  readonly usesFWChain: boolean;
  /** KUBE-EXT, or KUBE-FW when loadBalancerSourceRanges are set. */
  readonly loadBalancerTrafficChain: string;
  /** Set when ClusterIP traffic must be rejected or dropped. */
  readonly internalFilter?: FilterVerdict;
  /** Set when external traffic must be rejected or dropped. */
  readonly externalFilter?: FilterVerdict;
}

function planEndpoints(eps: readonly EndpointInfo[], name: string, protocol: string): PlannedEndpoint[] {
  return eps.map((info) => ({ info, chain: endpointChainName(name, protocol, info.endpoint) }));
}

function filters(svc: ServicePortInfo, hasEndpoints: boolean, hasInternal: boolean, hasExternal: boolean) {
  if (!hasEndpoints) {
    // why: no endpoints at all: REJECT, so clients get ICMP port unreachable at once.
    const v: FilterVerdict = { target: "REJECT", comment: `"${svc.nameString} has no endpoints"` };
    return { internalFilter: v, externalFilter: v };
  }
  // why: a Local policy with no local endpoints DROPs (the client retries; an LB health check
  // should already have taken this node out).
  const local: FilterVerdict = { target: "DROP", comment: `"${svc.nameString} has no local endpoints"` };
  return { internalFilter: hasInternal ? undefined : local, externalFilter: hasExternal ? undefined : local };
}

/** Decides the chains and verdicts of one service port on this node. */
export function planService(
  svc: ServicePortInfo,
  endpoints: readonly EndpointInfo[],
  cfg: ResolvedIptablesConfig,
): ServicePlan {
  const protocol = svc.protocol.toLowerCase();
  const chains = serviceChainNames(svc.nameString, protocol);
  const cat = categorizeEndpoints(endpoints, svc, cfg.nodeName, cfg.nodeLabels, {
    preferSameTrafficDistribution: cfg.preferSameTrafficDistribution,
  });
  const hasEndpoints = cat.hasAnyEndpoints;
  // why: proxier.go: internal traffic uses KUBE-SVL when internalTrafficPolicy is Local, and has
  // "no internal endpoints" when there is no local one; likewise for external traffic.
  const hasInternal = hasEndpoints && !(svc.internalPolicyLocal && cat.localEndpoints.length === 0);
  const hasExternal = hasEndpoints && !(svc.externalPolicyLocal && cat.localEndpoints.length === 0);
  // why: usesFWChain needs endpoints, LB VIPs and source ranges.
  const usesFWChain = hasEndpoints && svc.loadBalancerVIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
  return {
    svc,
    protocol,
    chains,
    clusterEndpoints: planEndpoints(cat.clusterEndpoints, svc.nameString, protocol),
    localEndpoints: planEndpoints(cat.localEndpoints, svc.nameString, protocol),
    allReachableEndpoints: planEndpoints(cat.allReachableEndpoints, svc.nameString, protocol),
    hasEndpoints,
    usesClusterPolicyChain: cat.clusterEndpoints.length > 0 && usesClusterEndpoints(svc),
    usesLocalPolicyChain: cat.localEndpoints.length > 0 && usesLocalEndpoints(svc),
    internalTrafficChain: svc.internalPolicyLocal ? chains.local : chains.cluster,
    hasInternalEndpoints: hasInternal,
    externalPolicyChain: svc.externalPolicyLocal ? chains.local : chains.cluster,
    hasExternalEndpoints: hasExternal,
    // why: based on hasEndpoints, not hasExternalEndpoints: the EXT chain's short-circuit rules
    // for pod and node traffic are needed even with no local endpoint.
    usesExternalTrafficChain: hasEndpoints && externallyAccessible(svc),
    usesFWChain,
    loadBalancerTrafficChain: usesFWChain ? chains.firewall : chains.external,
    ...filters(svc, hasEndpoints, hasInternal, hasExternal),
  };
}
