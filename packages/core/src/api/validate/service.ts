/**
 * Service validation as the API server applies it after defaulting
 * (kubernetes pkg/apis/core/validation/validation.go ValidateService,
 * validateServicePort, validateClientIPAffinityConfig,
 * validateServiceExternalTrafficPolicy). Range checks of clusterIP and
 * nodePort against the cluster's configuration happen at allocation
 * (`../allocate.ts`), as they do in the real registry.
 */
import { isExternallyAccessible, MAX_CLIENT_IP_AFFINITY_SECONDS, needsHealthCheck } from "../defaults.ts";
import {
  checkCidr,
  checkDns1035Label,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkIPv4,
  checkNonSpecialIPv4,
  checkPortName,
  checkPortNumber,
  checkQualifiedName,
} from "../names.ts";
import type { Problem } from "../problems.ts";
import { showValue } from "../problems.ts";
import type { Service, ServicePortSpec } from "../types.ts";
import { findDuplicates, flag, validateLabels, validateMeta } from "./meta.ts";

/** trafficDistribution values the API server accepts (PreferSameZone/PreferSameNode since v1.33). */
export const TRAFFIC_DISTRIBUTIONS = ["PreferClose", "PreferSameZone", "PreferSameNode"] as const;

function validatePort(p: ServicePortSpec, i: number, requireName: boolean, svc: Service): Problem[] {
  const out: Problem[] = [];
  const at = (field: string) => ["spec", "ports", i, field];
  // why: validateServicePort — names are required (and unique) once a Service has >1 port,
  // because EndpointSlices and kube-proxy match ports by name.
  if (p.name === undefined || p.name === "") {
    if (requireName) out.push({ path: at("name"), message: "is required when the Service has more than one port" });
  } else flag(out, at("name"), checkDns1123Label(p.name));
  flag(out, at("port"), checkPortNumber(p.port));
  // A targetPort defaulted from an invalid port would repeat the same error.
  if (typeof p.targetPort === "number") {
    if (p.targetPort !== p.port || checkPortNumber(p.port) === undefined)
      flag(out, at("targetPort"), checkPortNumber(p.targetPort));
  } else flag(out, at("targetPort"), checkPortName(p.targetPort));
  if (p.appProtocol !== undefined) flag(out, at("appProtocol"), checkQualifiedName(p.appProtocol));
  if (p.nodePort !== undefined && svc.spec.type === "ClusterIP") {
    out.push({ path: at("nodePort"), message: "may not be used when `type` is 'ClusterIP'" });
  }
  return out;
}

function validatePorts(svc: Service): Problem[] {
  const { ports, type, clusterIP } = svc.spec;
  const out: Problem[] = [];
  if (ports.length === 0 && clusterIP !== "None" && type !== "ExternalName") {
    out.push({ path: ["spec", "ports"], message: "is required (at least one port)" });
  }
  ports.forEach((p, i) => {
    out.push(...validatePort(p, i, ports.length > 1, svc));
  });
  const path = (field?: string) => (i: number) => (field ? ["spec", "ports", i, field] : ["spec", "ports", i]);
  out.push(
    ...findDuplicates(
      ports,
      (p) => p.name || undefined,
      path("name"),
      (k) => `port name ${JSON.stringify(k)}`,
    ),
  );
  out.push(
    ...findDuplicates(
      ports,
      (p) => `${p.port}/${p.protocol}`,
      path(),
      (k) => `port ${k}`,
    ),
  );
  out.push(
    ...findDuplicates(
      ports,
      (p) => (p.nodePort ? `${p.nodePort}/${p.protocol}` : undefined),
      path("nodePort"),
      (k) => `nodePort ${k}`,
    ),
  );
  return out;
}

function validateTypeFields(svc: Service): Problem[] {
  const s = svc.spec;
  const out: Problem[] = [];
  if (s.clusterIP === "None" && (s.type === "NodePort" || s.type === "LoadBalancer")) {
    out.push({ path: ["spec", "clusterIP"], message: `may not be set to 'None' for ${s.type} services` });
  }
  if (s.type === "ExternalName") {
    if (s.clusterIP !== undefined)
      out.push({ path: ["spec", "clusterIP"], message: "may not be set for ExternalName services" });
    // why: the CNAME may end with a dot to mark it fully qualified.
    const cname = (s.externalName ?? "").replace(/\.$/, "");
    if (cname === "") out.push({ path: ["spec", "externalName"], message: "is required for ExternalName services" });
    else flag(out, ["spec", "externalName"], checkDns1123Subdomain(cname));
  }
  if (s.clusterIP !== undefined && s.clusterIP !== "None") flag(out, ["spec", "clusterIP"], checkIPv4(s.clusterIP));
  if (s.clusterIPs !== undefined) {
    if (s.clusterIPs.length > 1)
      out.push({ path: ["spec", "clusterIPs"], message: "svcsim models IPv4 single-stack only: at most one address" });
    if (s.clusterIPs[0] !== undefined && s.clusterIP !== undefined && s.clusterIPs[0] !== s.clusterIP) {
      out.push({
        path: ["spec", "clusterIPs", 0],
        message: `must match spec.clusterIP ${showValue(s.clusterIP)}, got ${showValue(s.clusterIPs[0])}`,
      });
    }
  }
  return out;
}

function validateAffinity(svc: Service): Problem[] {
  const cfg = svc.spec.sessionAffinityConfig;
  if (svc.spec.sessionAffinity !== "ClientIP" || cfg === undefined) return [];
  const t = cfg.clientIP.timeoutSeconds;
  return t >= 1 && t <= MAX_CLIENT_IP_AFFINITY_SECONDS
    ? []
    : [
        {
          path: ["spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds"],
          message: `must be between 1 and ${MAX_CLIENT_IP_AFFINITY_SECONDS}, got ${t}`,
        },
      ];
}

function validateExternal(svc: Service): Problem[] {
  const s = svc.spec;
  const out: Problem[] = [];
  s.externalIPs.forEach((ip, i) => {
    flag(out, ["spec", "externalIPs", i], checkNonSpecialIPv4(ip));
  });
  if (s.loadBalancerSourceRanges.length > 0 && s.type !== "LoadBalancer") {
    out.push({ path: ["spec", "loadBalancerSourceRanges"], message: "may only be used when `type` is 'LoadBalancer'" });
  }
  // why: the API server tolerates space padding here (a leftover of the annotation form).
  s.loadBalancerSourceRanges.forEach((r, i) => {
    flag(out, ["spec", "loadBalancerSourceRanges", i], checkCidr(r.trim()));
  });
  if (s.allocateLoadBalancerNodePorts !== undefined && s.type !== "LoadBalancer") {
    out.push({
      path: ["spec", "allocateLoadBalancerNodePorts"],
      message: "may only be used when `type` is 'LoadBalancer'",
    });
  }
  if (s.externalTrafficPolicy !== undefined && !isExternallyAccessible(s.type, s.externalIPs)) {
    out.push({
      path: ["spec", "externalTrafficPolicy"],
      message: "may only be set for externally-accessible services (NodePort, LoadBalancer, or with externalIPs)",
    });
  }
  if (s.healthCheckNodePort !== undefined && !needsHealthCheck(s)) {
    out.push({
      path: ["spec", "healthCheckNodePort"],
      message: "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
    });
  }
  if (s.loadBalancerIP !== undefined) flag(out, ["spec", "loadBalancerIP"], checkIPv4(s.loadBalancerIP));
  if (
    s.trafficDistribution !== undefined &&
    !(TRAFFIC_DISTRIBUTIONS as readonly string[]).includes(s.trafficDistribution)
  ) {
    out.push({
      path: ["spec", "trafficDistribution"],
      message: `must be one of ${TRAFFIC_DISTRIBUTIONS.map((d) => `"${d}"`).join(", ")}, got ${showValue(s.trafficDistribution)}`,
    });
  }
  svc.status.loadBalancer.ingress.forEach((ing, i) => {
    if (ing.ip !== undefined) flag(out, ["status", "loadBalancer", "ingress", i, "ip"], checkIPv4(ing.ip));
    if (ing.hostname !== undefined)
      flag(out, ["status", "loadBalancer", "ingress", i, "hostname"], checkDns1123Subdomain(ing.hostname));
  });
  return out;
}

/** Every problem the API server would report for this (defaulted) Service, in its order. */
export function validateService(svc: Service): Problem[] {
  return [
    ...validateMeta(svc.metadata, checkDns1035Label),
    ...validateTypeFields(svc),
    ...validatePorts(svc),
    ...(svc.spec.selector ? validateLabels(svc.spec.selector, ["spec", "selector"]) : []),
    ...validateAffinity(svc),
    ...validateExternal(svc),
  ];
}
