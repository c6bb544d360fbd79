/**
 * Gives a set of Services their ClusterIPs, NodePorts and health-check
 * NodePorts, as the API server's Service registry does on create
 * (pkg/registry/core/service/storage/alloc.go: allocClusterIPs,
 * initNodePorts, allocHealthCheckNodePort), and reports every collision.
 *
 * One deliberate difference: the real API server handles creates one at a
 * time, so a Service created later that asks for an address an earlier one
 * was given fails. Here every *requested* value is reserved first, then the
 * rest are allocated — a manifest set's outcome does not depend on the order
 * of its documents. Allocation itself is sequential (see `allocators.ts`).
 */

import { ClusterIPAllocator, NodePortAllocator, type Reservation } from "./allocators.ts";
import { needsHealthCheck } from "./defaults.ts";
import type { FieldPath } from "./problems.ts";
import type { Service, ServicePortSpec } from "./types.ts";

/** The cluster-wide settings allocation depends on (kube-apiserver flags). */
export interface ClusterNetworkConfig {
  /** `--service-cluster-ip-range`. */
  serviceCIDR: string;
  /** `--service-node-port-range`, inclusive. */
  nodePortRange: [number, number];
}

/** kube-apiserver's defaults as kubeadm sets them: 10.96.0.0/12 and 30000-32767. */
export const DEFAULT_CLUSTER_NETWORK: Readonly<ClusterNetworkConfig> = Object.freeze({
  serviceCIDR: "10.96.0.0/12",
  nodePortRange: [30000, 32767] as [number, number],
});

/** A Service to allocate for, with a name for it in messages (`Service default/web (web.yaml: document 1)`). */
export interface AllocationEntry {
  service: Service;
  owner: string;
}

/** A collision or range error: which entry, which field, what went wrong. */
export interface AllocationProblem {
  index: number;
  path: FieldPath;
  message: string;
}

function copy(svc: Service): Service {
  return { ...svc, spec: { ...svc.spec, ports: svc.spec.ports.map((p) => ({ ...p })) } };
}

function takesNodePorts(svc: Service): boolean {
  return svc.spec.type === "NodePort" || svc.spec.type === "LoadBalancer";
}

function reserveRequested(
  svc: Service,
  owner: string,
  ips: ClusterIPAllocator,
  ports: NodePortAllocator,
): { path: FieldPath; r: Reservation }[] {
  const results: { path: FieldPath; r: Reservation }[] = [];
  const { clusterIP } = svc.spec;
  if (clusterIP !== undefined && clusterIP !== "None" && svc.spec.type !== "ExternalName") {
    results.push({ path: ["spec", "clusterIP"], r: ips.reserve(clusterIP, owner) });
  }
  if (takesNodePorts(svc)) {
    svc.spec.ports.forEach((p, i) => {
      if (p.nodePort !== undefined)
        results.push({ path: ["spec", "ports", i, "nodePort"], r: ports.reserve(p.nodePort, owner) });
    });
  }
  if (svc.spec.healthCheckNodePort !== undefined && needsHealthCheck(svc.spec)) {
    results.push({ path: ["spec", "healthCheckNodePort"], r: ports.reserve(svc.spec.healthCheckNodePort, owner) });
  }
  return results;
}

/**
 * Fills missing NodePorts. why: initNodePorts gives ports that share a port
 * number (80/TCP and 80/UDP) the same NodePort, and a LoadBalancer with
 * allocateLoadBalancerNodePorts=false gets only the ones it asked for.
 */
function fillNodePorts(svc: Service, owner: string, ports: NodePortAllocator): boolean {
  if (!takesNodePorts(svc)) return true;
  if (svc.spec.type === "LoadBalancer" && svc.spec.allocateLoadBalancerNodePorts === false) return true;
  const byPort = new Map<number, number>();
  for (const p of svc.spec.ports) if (p.nodePort !== undefined && !byPort.has(p.port)) byPort.set(p.port, p.nodePort);
  for (const p of svc.spec.ports as ServicePortSpec[]) {
    if (p.nodePort !== undefined) continue;
    const np = byPort.get(p.port) ?? ports.allocate(owner);
    if (np === undefined) return false;
    byPort.set(p.port, np);
    p.nodePort = np;
  }
  return true;
}

/**
 * Allocates for every entry; returns new Service objects (inputs are not
 * modified) and every problem. ClusterIPs also fill `clusterIPs` (the
 * API server keeps the two in step); headless Services get `["None"]`.
 */
export function allocateServices(
  entries: readonly AllocationEntry[],
  config: ClusterNetworkConfig = DEFAULT_CLUSTER_NETWORK,
): { services: Service[]; problems: AllocationProblem[] } {
  const ips = new ClusterIPAllocator(config.serviceCIDR);
  const ports = new NodePortAllocator(config.nodePortRange);
  const problems: AllocationProblem[] = [];
  const services = entries.map((e) => copy(e.service));
  services.forEach((svc, index) => {
    for (const { path, r } of reserveRequested(svc, entries[index]!.owner, ips, ports)) {
      if (!r.ok) problems.push({ index, path, message: r.message });
    }
  });
  services.forEach((svc, index) => {
    const owner = entries[index]!.owner;
    const spec = svc.spec;
    if (spec.type !== "ExternalName" && spec.clusterIP === undefined) {
      const ip = ips.allocate(owner);
      if (ip === undefined)
        problems.push({
          index,
          path: ["spec", "clusterIP"],
          message: `no free ClusterIP left in ${config.serviceCIDR}`,
        });
      else spec.clusterIP = ip;
    }
    if (spec.clusterIP !== undefined) spec.clusterIPs = [spec.clusterIP];
    if (!fillNodePorts(svc, owner, ports)) {
      problems.push({
        index,
        path: ["spec", "ports"],
        message: `no free NodePort left in ${config.nodePortRange.join("-")}`,
      });
    }
    if (needsHealthCheck(spec) && spec.healthCheckNodePort === undefined) {
      const np = ports.allocate(owner);
      if (np === undefined)
        problems.push({
          index,
          path: ["spec", "healthCheckNodePort"],
          message: `no free NodePort left in ${config.nodePortRange.join("-")}`,
        });
      else spec.healthCheckNodePort = np;
    }
  });
  return { services, problems };
}
