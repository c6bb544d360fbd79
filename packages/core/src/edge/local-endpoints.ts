import type { EndpointSlice } from "../api/index.ts";
import type { NodeView } from "../control/index.ts";
import { endpointsFromSlices, servicePortsOf, sliceServiceName } from "../proxy/index.ts";

/** One Service's health-check listener on a node, as its kube-proxy last synced it. */
export interface ServiceHealthState {
  /** `spec.healthCheckNodePort`. */
  readonly port: number;
  /** Local ready endpoints (distinct IPs) that this node's kube-proxy has seen. */
  readonly localEndpoints: number;
}

/**
 * What kube-proxy hands its service health server at a sync: for every
 * Service that needs a health check (type LoadBalancer, externalTrafficPolicy
 * Local, a healthCheckNodePort), the port and its number of local ready
 * endpoints, keyed `namespace/name` in key order.
 */
// why: the iptables proxier's syncProxyRules ends with
// serviceHealthServer.SyncServices(svcPortMap.HealthCheckNodePorts()) and
// SyncEndpoints(endpointsMap.LocalReadyEndpoints()); LocalReadyEndpoints counts
// distinct IPs of endpoints that are local and ready (terminating ones do not
// count, "the health check signal should fail if there are only terminating
// endpoints on a node", pkg/proxy/endpointschangetracker.go).
export function serviceHealthStates(view: NodeView, nodeName: string): Map<string, ServiceHealthState> {
  const slicesBySvc = new Map<string, Map<string, EndpointSlice>>();
  for (const [key, slice] of view.endpointSlices) {
    const svc = sliceServiceName(slice);
    if (svc === undefined) continue;
    let slices = slicesBySvc.get(svc);
    if (!slices) slicesBySvc.set(svc, (slices = new Map()));
    slices.set(key, slice);
  }
  const out = new Map<string, ServiceHealthState>();
  for (const [key, svc] of view.services) {
    const port = servicePortsOf(svc).find((p) => p.healthCheckNodePort !== 0)?.healthCheckNodePort;
    if (port === undefined) continue;
    const ips = new Set<string>();
    const eps = endpointsFromSlices(key, slicesBySvc.get(key) ?? new Map(), nodeName);
    for (const list of eps.values()) for (const ep of list) if (ep.isLocal && ep.ready) ips.add(ep.ip);
    out.set(key, { port, localEndpoints: ips.size });
  }
  return out;
}
