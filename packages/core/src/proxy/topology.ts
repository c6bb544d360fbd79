import { ZONE_LABEL } from "../api/index.ts";
import type { EndpointInfo } from "./endpoint.ts";
import { type ServicePortInfo, usesClusterEndpoints, usesLocalEndpoints } from "./service-port.ts";

/** The endpoints one service port uses on one node (kube-proxy topology.go `CategorizeEndpoints`). */
export interface CategorizedEndpoints {
  /** Usable endpoints for the Cluster traffic policy (topology applied); empty when the port never uses it. */
  readonly clusterEndpoints: readonly EndpointInfo[];
  /** Usable endpoints for the Local traffic policy; empty when the port never uses it. */
  readonly localEndpoints: readonly EndpointInfo[];
  /** Every endpoint reachable from this node: the union of the two lists. */
  readonly allReachableEndpoints: readonly EndpointInfo[];
  /** True when the port has usable endpoints anywhere in the cluster (even if none here). */
  readonly hasAnyEndpoints: boolean;
}

/** Options mirroring kube-proxy feature gates. */
export interface CategorizeOptions {
  /** The PreferSameTrafficDistribution gate (node hints); on by default since Kubernetes 1.34 (beta). */
  readonly preferSameTrafficDistribution?: boolean;
}

type TopologyMode = "" | "PreferSameNode" | "PreferSameZone";

function topologyModeFromHints(
  eps: readonly EndpointInfo[],
  node: string,
  zone: string,
  nodeHints: boolean,
): TopologyMode {
  let hasForNode = false;
  let allNodeHints = true;
  let hasForZone = false;
  let allZoneHints = true;
  // why: topology.go topologyModeFromHints looks at ready endpoints only.
  for (const ep of eps) {
    if (!ep.ready) continue;
    if (!ep.nodeHints) allNodeHints = false;
    else if (ep.nodeHints.includes(node)) hasForNode = true;
    if (!ep.zoneHints) allZoneHints = false;
    else if (ep.zoneHints.includes(zone)) hasForZone = true;
  }
  // why: node hints win when every ready endpoint has one and one names this node; otherwise zone
  // hints, under the same rule; otherwise no topology (hints are ignored, never half-applied).
  if (nodeHints && allNodeHints && hasForNode) return "PreferSameNode";
  if (allZoneHints && hasForZone) return "PreferSameZone";
  return "";
}

function availableForTopology(ep: EndpointInfo, mode: TopologyMode, node: string, zone: string): boolean {
  if (mode === "PreferSameNode") return ep.nodeHints?.includes(node) ?? false;
  if (mode === "PreferSameZone") return ep.zoneHints?.includes(zone) ?? false;
  return true;
}

const servingTerminating = (ep: EndpointInfo): boolean => ep.serving && ep.terminating;

function clusterEndpointsOf(eps: readonly EndpointInfo[], mode: TopologyMode, node: string, zone: string) {
  const ready = eps.filter((ep) => ep.ready && availableForTopology(ep, mode, node, zone));
  // why: KEP-1669 (ProxyTerminatingEndpoints): with no ready endpoint anywhere, fall back to
  // serving-and-terminating ones (topology was already dropped when no ready endpoint matched it).
  return ready.length > 0 ? ready : eps.filter(servingTerminating);
}

function localEndpointsOf(eps: readonly EndpointInfo[]) {
  let anyEndpoints = false;
  let localReady = false;
  let localServingTerminating = false;
  for (const ep of eps) {
    if (ep.ready) {
      anyEndpoints = true;
      if (ep.isLocal) localReady = true;
    } else if (servingTerminating(ep)) {
      anyEndpoints = true;
      if (ep.isLocal) localServingTerminating = true;
    }
  }
  // why: the Local policy falls back to local serving-terminating endpoints only when the node
  // has no local ready endpoint (KEP-1669), independently of the Cluster policy's fallback.
  let local: EndpointInfo[] = [];
  if (localReady) local = eps.filter((ep) => ep.isLocal && ep.ready);
  else if (localServingTerminating) local = eps.filter((ep) => ep.isLocal && servingTerminating(ep));
  return { local, anyEndpoints, usesServingTerminating: !localReady && localServingTerminating };
}

/**
 * Splits a service port's endpoints into those its Cluster and Local traffic
 * policies use on node `nodeName`, with kube-proxy's semantics: ready
 * endpoints, topology hints (PreferSameNode / PreferSameZone) applied only
 * when every ready endpoint is hinted and one is hinted for this node/zone,
 * and the fallback to serving-terminating endpoints.
 */
export function categorizeEndpoints(
  endpoints: readonly EndpointInfo[],
  svc: ServicePortInfo,
  nodeName: string,
  nodeLabels: Readonly<Record<string, string>>,
  options: CategorizeOptions = {},
): CategorizedEndpoints {
  const zone = nodeLabels[ZONE_LABEL] ?? "";
  let mode: TopologyMode = "";
  let cluster: readonly EndpointInfo[] = [];
  let hasAny = false;
  if (usesClusterEndpoints(svc)) {
    mode = topologyModeFromHints(endpoints, nodeName, zone, options.preferSameTrafficDistribution ?? true);
    cluster = clusterEndpointsOf(endpoints, mode, nodeName, zone);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(svc)) {
    return { clusterEndpoints: cluster, localEndpoints: [], allReachableEndpoints: cluster, hasAnyEndpoints: hasAny };
  }
  const { local, anyEndpoints, usesServingTerminating } = localEndpointsOf(endpoints);
  hasAny = hasAny || anyEndpoints;
  if (!usesClusterEndpoints(svc)) {
    return { clusterEndpoints: cluster, localEndpoints: local, allReachableEndpoints: local, hasAnyEndpoints: hasAny };
  }
  // why: with no topology and ready-only local endpoints, the cluster list is a superset of the
  // local one; otherwise the two lists are merged by endpoint (kube-proxy merges through a Go map,
  // so its order is unspecified; here cluster endpoints come first, then local-only ones).
  let all = cluster;
  if (mode !== "" || usesServingTerminating) {
    const seen = new Set(cluster.map((ep) => ep.endpoint));
    all = [...cluster, ...local.filter((ep) => !seen.has(ep.endpoint))];
  }
  return { clusterEndpoints: cluster, localEndpoints: local, allReachableEndpoints: all, hasAnyEndpoints: hasAny };
}
