import type { IPv4 } from "../net/index.ts";
import type { CtEntry } from "./entry.ts";
import type { Conntrack } from "./table.ts";

/**
 * One Service port as kube-proxy's conntrack cleanup sees it: its
 * frontends and the IPs of its serving endpoints (ready or terminating but
 * serving; traffic policies and topology deliberately ignored).
 */
export interface CleanupServicePort {
  protocol: "TCP" | "UDP" | "SCTP";
  clusterIP: IPv4;
  port: number;
  /** 0 or absent when the Service has no NodePort. */
  nodePort?: number;
  externalIPs?: readonly IPv4[];
  loadBalancerIPs?: readonly IPv4[];
  servingEndpointIPs: readonly IPv4[];
}

/** Switches the cleanup off to reproduce the stale-UDP-entry bug. */
export interface CleanupOptions {
  enabled?: boolean;
}

const key = (ip: IPv4, port: number): number => ip * 65536 + port;

/**
 * The UDP entries kube-proxy's CleanStaleEntries deletes: those whose
 * original destination is a UDP Service frontend (ClusterIP, load-balancer
 * or external IP, with the Service port) or whose original destination
 * port is a UDP NodePort, and whose reply source is not a serving endpoint
 * of that Service. Services without serving endpoints are left alone.
 * A pure function of the entries and the current Service state.
 */
// why: pkg/proxy/conntrack/cleanup.go CleanStaleEntries (recent kube-proxy,
// which reconciles against the listed conntrack table instead of tracking
// removed endpoints).
export function staleUdpEntries(
  entries: Iterable<CtEntry>,
  services: readonly CleanupServicePort[],
  opts: CleanupOptions = {},
): CtEntry[] {
  if (opts.enabled === false) return [];
  const byFrontend = new Map<number, ReadonlySet<IPv4>>();
  const byNodePort = new Map<number, ReadonlySet<IPv4>>();
  for (const svc of services) {
    if (svc.protocol !== "UDP") continue;
    const serving = new Set(svc.servingEndpointIPs);
    // why: "a Service without endpoints does not require to clean the conntrack entries associated".
    if (serving.size === 0) continue;
    byFrontend.set(key(svc.clusterIP, svc.port), serving);
    for (const ip of svc.loadBalancerIPs ?? []) byFrontend.set(key(ip, svc.port), serving);
    for (const ip of svc.externalIPs ?? []) byFrontend.set(key(ip, svc.port), serving);
    if (svc.nodePort) byNodePort.set(svc.nodePort, serving);
  }
  const out: CtEntry[] = [];
  for (const e of entries) {
    if (e.original.proto !== "UDP") continue;
    const replySrc = e.reply.src;
    const viaFrontend = byFrontend.get(key(e.original.dst, e.original.dstPort));
    // why: the NodePort filter matches on the original destination port alone (filterForPortNAT).
    const viaNodePort = byNodePort.get(e.original.dstPort);
    if ((viaFrontend && !viaFrontend.has(replySrc)) || (viaNodePort && !viaNodePort.has(replySrc))) out.push(e);
  }
  return out;
}

/** Runs the cleanup against a node's table, deleting what {@link staleUdpEntries} selects; returns the deleted entries. */
export function cleanStaleEntries(
  table: Conntrack,
  services: readonly CleanupServicePort[],
  opts: CleanupOptions = {},
): CtEntry[] {
  const stale = new Set(staleUdpEntries(table.list(), services, opts));
  return stale.size === 0 ? [] : table.deleteWhere((e) => stale.has(e));
}
