import { KUBE_MARK_MASQ } from "./constants.ts";
import type { LineBuffer } from "./line-buffer.ts";
import { probability } from "./probability.ts";
import type { PlannedEndpoint, ServicePlan } from "./service-plan.ts";

function withComment(args: string[], comment: string, largeClusterMode: boolean): string[] {
  // why: proxier.go appendServiceCommentLocked drops these comments in large clusters, which
  // "can reduce size of iptables ... even by 40%+".
  return largeClusterMode ? args : [...args, "-m", "comment", "--comment", comment];
}

/**
 * Writes the rules of a KUBE-SVC or KUBE-SVL chain (proxier.go
 * writeServiceToEndpointRules): first the ClientIP-affinity `-m recent
 * --rcheck` rules, one per endpoint, then the load-balancing rules, where
 * endpoint i of n matches with probability 1/(n-i) and the last always matches.
 */
export function writeServiceToEndpointRules(
  natRules: LineBuffer,
  plan: ServicePlan,
  chain: string,
  endpoints: readonly PlannedEndpoint[],
  largeClusterMode: boolean,
): void {
  const { svc } = plan;
  if (svc.sessionAffinity === "ClientIP") {
    for (const ep of endpoints) {
      const comment = `"${svc.nameString} -> ${ep.info.endpoint}"`;
      const args = withComment(["-A", chain], comment, largeClusterMode);
      // why: a client seen by this endpoint's recent list within the timeout goes back to it.
      natRules.write(
        args,
        "-m",
        "recent",
        "--name",
        ep.chain,
        "--rcheck",
        "--seconds",
        String(svc.stickyMaxAgeSeconds),
        "--reap",
        "-j",
        ep.chain,
      );
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const comment = `"${svc.nameString} -> ${ep.info.endpoint}"`;
    const args = withComment(["-A", chain], comment, largeClusterMode);
    if (i < n - 1) args.push("-m", "statistic", "--mode", "random", "--probability", probability(n - i));
    natRules.write(args, "-j", ep.chain);
  });
}

/**
 * Writes the rules of every reachable endpoint's KUBE-SEP chain: mark hairpin
 * traffic (an endpoint reaching itself through the Service) for masquerade,
 * record ClientIP affinity, then DNAT to the endpoint.
 */
export function writeEndpointChains(natRules: LineBuffer, plan: ServicePlan, largeClusterMode: boolean): void {
  const { svc, protocol: p } = plan;
  for (const ep of plan.allReachableEndpoints) {
    const args = withComment(["-A", ep.chain], svc.nameString, largeClusterMode);
    // why: without SNAT, the endpoint would answer its own request directly and the reply would
    // not be un-DNATed.
    natRules.write(args, "-s", ep.info.ip, "-j", KUBE_MARK_MASQ);
    if (svc.sessionAffinity === "ClientIP") args.push("-m", "recent", "--name", ep.chain, "--set");
    args.push("-m", p, "-p", p, "-j", "DNAT", "--to-destination", ep.info.endpoint);
    natRules.write(args);
  }
}
