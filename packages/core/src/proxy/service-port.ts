import type { Protocol, Service, ServicePortSpec } from "../api/index.ts";
import { formatCidr, formatIPv4, tryParseCidr, tryParseIPv4 } from "../net/index.ts";

/**
 * The identity of one load-balanced service port: namespace, name, port name
 * and protocol (kube-proxy `ServicePortName`). Two ports of one Service that
 * share a name but differ in protocol are different service ports.
 */
export interface ServicePortName {
  readonly namespace: string;
  readonly name: string;
  /** The port's name; `""` for a Service's single unnamed port. */
  readonly port: string;
  readonly protocol: Protocol;
}

/**
 * `namespace/name:port`, or `namespace/name` for an unnamed port: the text
 * kube-proxy prints in rule comments and hashes into chain names.
 */
export function servicePortNameString(spn: ServicePortName): string {
  // why: kube-proxy pkg/proxy/types.go ServicePortName.String() + fmtPortName(""), which omits the ":".
  return `${spn.namespace}/${spn.name}${spn.port === "" ? "" : `:${spn.port}`}`;
}

/** A map key that also tells protocols apart: `namespace/name:port/TCP`. */
export function servicePortKey(spn: ServicePortName): string {
  return `${spn.namespace}/${spn.name}:${spn.port}/${spn.protocol}`;
}

/**
 * What kube-proxy keeps of one Service port (pkg/proxy/service.go
 * `BaseServicePortInfo`), already filtered to the IPv4 family. Plain data, so
 * two infos can be compared structurally to detect a change.
 */
export interface ServicePortInfo {
  readonly name: ServicePortName;
  /** {@link servicePortNameString} of `name`. */
  readonly nameString: string;
  readonly clusterIP: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** 0 when the port has no node port. */
  readonly nodePort: number;
  readonly sessionAffinity: "None" | "ClientIP";
  /** ClientIP affinity timeout; 0 without affinity. */
  readonly stickyMaxAgeSeconds: number;
  readonly externalIPs: readonly string[];
  /** `status.loadBalancer.ingress[].ip` of this family (VIP-mode load balancers). */
  readonly loadBalancerVIPs: readonly string[];
  /** Canonical CIDRs (host bits cleared), whitespace trimmed. */
  readonly loadBalancerSourceRanges: readonly string[];
  /** 0 unless the Service is a LoadBalancer with externalTrafficPolicy Local. */
  readonly healthCheckNodePort: number;
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
}

/** True when the port is reachable other than by its cluster IP (NodePort, external IP, LB IP). */
export function externallyAccessible(info: ServicePortInfo): boolean {
  // why: kube-proxy service.go BaseServicePortInfo.ExternallyAccessible.
  return info.nodePort !== 0 || info.loadBalancerVIPs.length !== 0 || info.externalIPs.length !== 0;
}

/** True when the port ever sends traffic to endpoints chosen by the Cluster policy. */
export function usesClusterEndpoints(info: ServicePortInfo): boolean {
  // why: service.go UsesClusterEndpoints: even with externalTrafficPolicy Local, cluster endpoints
  // are needed to short-circuit traffic from pods and the node itself.
  return !info.internalPolicyLocal || externallyAccessible(info);
}

/** True when the port ever sends traffic to endpoints chosen by the Local policy. */
export function usesLocalEndpoints(info: ServicePortInfo): boolean {
  // why: service.go UsesLocalEndpoints.
  return info.internalPolicyLocal || (info.externalPolicyLocal && externallyAccessible(info));
}

/** True when kube-proxy programs nothing for the Service (headless or ExternalName). */
export function shouldSkipService(svc: Service): boolean {
  // why: pkg/proxy/util ShouldSkipService: ClusterIP "None" or empty, or Type=ExternalName.
  const ip = svc.spec.clusterIP;
  return ip === undefined || ip === "" || ip === "None" || svc.spec.type === "ExternalName";
}

function serviceExternallyAccessible(svc: Service): boolean {
  // why: pkg/api/v1/service/util.go ExternallyAccessible (by type, not by allocated ports).
  const t = svc.spec.type;
  return t === "LoadBalancer" || t === "NodePort" || (t === "ClusterIP" && svc.spec.externalIPs.length > 0);
}

function ipv4s(texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of texts) {
    const ip = tryParseIPv4(text);
    // why: proxyutil.MapIPsByIPFamily keeps the addresses of the proxier's family; invalid ones are skipped.
    if (ip !== undefined) out.push(formatIPv4(ip));
  }
  return out;
}

function sourceRanges(texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const text of texts) {
    // why: service.go newBaseServiceInfo trims whitespace ("validation mistakenly allows whitespace
    // padding") and keeps parsed *net.IPNet values, which print in canonical form.
    const cidr = tryParseCidr(text.trim());
    if (cidr !== undefined && text.includes("/")) out.push(formatCidr(cidr));
  }
  return out;
}

/** Builds kube-proxy's view of one port of a (defaulted) Service. */
export function servicePortInfo(svc: Service, port: ServicePortSpec): ServicePortInfo {
  const name: ServicePortName = {
    namespace: svc.metadata.namespace,
    name: svc.metadata.name,
    port: port.name ?? "",
    protocol: port.protocol,
  };
  // why: apiservice.ExternalPolicyLocal / InternalPolicyLocal / NeedsHealthCheck (pkg/api/v1/service/util.go).
  const externalPolicyLocal = serviceExternallyAccessible(svc) && svc.spec.externalTrafficPolicy === "Local";
  const internalPolicyLocal = svc.spec.internalTrafficPolicy === "Local";
  const needsHealthCheck = svc.spec.type === "LoadBalancer" && externalPolicyLocal;
  const clientIP = svc.spec.sessionAffinity === "ClientIP";
  const ingressIPs = svc.status.loadBalancer.ingress.flatMap((ing) => (ing.ip ? [ing.ip] : []));
  return {
    name,
    nameString: servicePortNameString(name),
    clusterIP: formatIPv4(tryParseIPv4(svc.spec.clusterIP ?? "") ?? 0),
    port: port.port,
    protocol: port.protocol,
    nodePort: port.nodePort ?? 0,
    sessionAffinity: svc.spec.sessionAffinity,
    // why: the API server defaults sessionAffinityConfig.clientIP.timeoutSeconds to 10800 for ClientIP.
    stickyMaxAgeSeconds: clientIP ? (svc.spec.sessionAffinityConfig?.clientIP.timeoutSeconds ?? 10800) : 0,
    externalIPs: ipv4s(svc.spec.externalIPs),
    loadBalancerVIPs: ipv4s(ingressIPs),
    loadBalancerSourceRanges: sourceRanges(svc.spec.loadBalancerSourceRanges),
    healthCheckNodePort: needsHealthCheck ? (svc.spec.healthCheckNodePort ?? 0) : 0,
    externalPolicyLocal,
    internalPolicyLocal,
  };
}

/**
 * All service ports kube-proxy proxies for a Service, in spec order; empty for
 * skipped Services and for a cluster IP that is not IPv4.
 */
export function servicePortsOf(svc: Service | undefined): ServicePortInfo[] {
  if (svc === undefined || shouldSkipService(svc)) return [];
  // why: servicechangetracker.go serviceToServiceMap returns nil when GetClusterIPByFamily finds no IP.
  if (tryParseIPv4(svc.spec.clusterIP ?? "") === undefined) return [];
  return svc.spec.ports.map((p) => servicePortInfo(svc, p));
}
