import type { EndpointSlice } from "../api/index.ts";
import type { CleanupServicePort } from "../conntrack/index.ts";
import { tryParseIPv4 } from "../net/index.ts";
import { endpointsFromSlices, sliceServiceName } from "./endpoint.ts";
import { servicePortKey, servicePortsOf } from "./service-port.ts";
import type { ProxyView } from "./types.ts";

const ip = (text: string): number[] => {
  const v = tryParseIPv4(text);
  return v === undefined ? [] : [v];
};

/**
 * The Service ports kube-proxy's conntrack cleanup reconciles against, from
 * a node's view: each port's frontends and the IPs of its *serving*
 * endpoints (ready, or terminating but serving), whatever the traffic
 * policies — as `CleanStaleEntries` builds them after every sync, in every
 * proxy mode.
 */
// why: pkg/proxy/conntrack/cleanup.go — the serving-endpoint sets ignore
// topology and policy ("we need to consider all the endpoints").
export function cleanupServicePorts(view: ProxyView, nodeName: string): CleanupServicePort[] {
  const slicesByService = new Map<string, Map<string, EndpointSlice>>();
  for (const [key, slice] of view.endpointSlices) {
    const svc = sliceServiceName(slice);
    if (svc === undefined) continue;
    let m = slicesByService.get(svc);
    if (!m) slicesByService.set(svc, (m = new Map()));
    m.set(key, slice);
  }
  const out: CleanupServicePort[] = [];
  for (const [name, svc] of view.services) {
    const endpoints = endpointsFromSlices(name, slicesByService.get(name) ?? new Map(), nodeName);
    for (const port of servicePortsOf(svc)) {
      const serving = (endpoints.get(servicePortKey(port.name)) ?? []).filter((e) => e.serving);
      out.push({
        protocol: port.protocol,
        clusterIP: tryParseIPv4(port.clusterIP) ?? 0,
        port: port.port,
        nodePort: port.nodePort,
        externalIPs: port.externalIPs.flatMap(ip),
        loadBalancerIPs: port.loadBalancerVIPs.flatMap(ip),
        servingEndpointIPs: serving.flatMap((e) => ip(e.ip)),
      });
    }
  }
  return out;
}
