import { type EndpointSlice, SERVICE_NAME_LABEL, type Service } from "../api/index.ts";
import { cidrContains, type IPv4, tryParseIPv4 } from "../net/index.ts";
import type { Node } from "../node/index.ts";
import type { ResolvedLbConfig } from "./config.ts";
import type { HealthProbeTarget } from "./health-check.ts";
import { KUBE_PROXY_HEALTHZ_PORT } from "./kube-proxy-health.ts";

/** One frontend port of a Service's load balancer. */
export interface LbListener {
  readonly proto: "TCP" | "UDP";
  /** The Service port: the frontend port. */
  readonly port: number;
  /** 0 when the Service has no node port for it. */
  readonly nodePort: number;
  /** The Service port's name ("" when unnamed), to find the endpoint port in IP mode. */
  readonly name: string;
}

/** A target the balancer registers for a Service. */
export interface TargetSpec {
  /** A node name (instance mode) or a Pod IP (IP mode). */
  readonly key: string;
  /** The node it is, or runs on. */
  readonly node: string;
  readonly zone: string | undefined;
  readonly ip: IPv4;
  /** The fabric next hop: the node's address. */
  readonly nextHop: IPv4;
  /** Frontend port → the destination port the target receives on (unchanged in passthrough). */
  readonly ports: ReadonlyMap<number, number>;
  readonly probe: HealthProbeTarget;
  /** Checked on the Service's healthCheckNodePort (externalTrafficPolicy Local): the provider's Local settings apply. */
  readonly localCheck?: boolean;
}

/** The TCP and UDP ports of a LoadBalancer Service. */
export function listenersOf(svc: Service): LbListener[] {
  return svc.spec.ports
    .filter((p) => p.protocol === "TCP" || p.protocol === "UDP")
    .map((p) => ({ proto: p.protocol as "TCP" | "UDP", port: p.port, nodePort: p.nodePort ?? 0, name: p.name ?? "" }));
}

/**
 * The targets a Service's load balancer registers and how each is checked.
 *
 * Instance mode: every node, on the NodePort (nat) or the frontend port
 * (passthrough). The check is HTTP `/healthz` on the healthCheckNodePort for
 * externalTrafficPolicy Local; for Cluster, kube-proxy's healthz on 10256 or a
 * TCP connect to the first NodePort, as the provider does.
 *
 * IP mode: every ready endpoint's Pod IP on the endpoint port, checked by a TCP
 * connect to its first port (the AWS Load Balancer Controller registers ready
 * Pods and checks the traffic port by default). Simplified: no registration
 * delay and no deregistration delay — a Pod leaves the target group as soon as
 * its endpoint is not ready; its existing flows stay in the table.
 */
export function desiredTargets(
  svc: Service,
  nodes: readonly Node[],
  slices: readonly EndpointSlice[],
  cfg: ResolvedLbConfig,
): TargetSpec[] {
  const listeners = listenersOf(svc);
  if (listeners.length === 0) return [];
  return cfg.mode === "instance"
    ? instanceTargets(svc, listeners, nodes, cfg)
    : ipTargets(svc, listeners, nodes, slices);
}

function instanceTargets(svc: Service, listeners: LbListener[], nodes: readonly Node[], cfg: ResolvedLbConfig) {
  const nat = cfg.preset.forwarding === "nat";
  // A NAT balancer needs a NodePort for every listener (allocateLoadBalancerNodePorts: false leaves none).
  if (nat && listeners.some((l) => l.nodePort === 0)) return [];
  const local = svc.spec.externalTrafficPolicy === "Local" && svc.spec.healthCheckNodePort !== undefined;
  return nodes.map((node): TargetSpec => {
    const ports = new Map(listeners.map((l) => [l.port, nat ? l.nodePort : l.port]));
    let probe: HealthProbeTarget;
    if (local)
      probe = { protocol: "HTTP", ip: node.ip, port: svc.spec.healthCheckNodePort as number, path: "/healthz" };
    else if (cfg.preset.clusterCheck === "kube-proxy-healthz")
      probe = { protocol: "HTTP", ip: node.ip, port: KUBE_PROXY_HEALTHZ_PORT, path: "/healthz" };
    else probe = { protocol: "TCP", ip: node.ip, port: (listeners[0] as LbListener).nodePort, path: "" };
    return {
      key: node.name,
      node: node.name,
      zone: node.zone,
      ip: node.ip,
      nextHop: node.ip,
      ports,
      probe,
      localCheck: local,
    };
  });
}

function ipTargets(svc: Service, listeners: LbListener[], nodes: readonly Node[], slices: readonly EndpointSlice[]) {
  const byIp = new Map<string, TargetSpec>();
  const mine = slices
    .filter((s) => s.metadata.namespace === svc.metadata.namespace)
    .filter((s) => s.metadata.labels[SERVICE_NAME_LABEL] === svc.metadata.name)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  for (const slice of mine) {
    for (const ep of slice.endpoints) {
      const text = ep.addresses[0];
      const ip = text === undefined ? undefined : tryParseIPv4(text);
      if (ip === undefined || ep.conditions.ready === false || byIp.has(text as string)) continue;
      const node = nodes.find((n) => cidrContains(n.podCidr, ip));
      if (node === undefined) continue;
      const ports = new Map<number, number>();
      for (const l of listeners) {
        const p = slice.ports.find((sp) => (sp.name ?? "") === l.name && sp.protocol === l.proto)?.port;
        if (p !== undefined) ports.set(l.port, p);
      }
      const first = ports.values().next().value;
      if (first === undefined) continue;
      const zone = ep.zone ?? node.zone;
      const probe: HealthProbeTarget = { protocol: "TCP", ip, port: first, path: "" };
      byIp.set(text as string, { key: text as string, node: node.name, zone, ip, nextHop: node.ip, ports, probe });
    }
  }
  return [...byIp.values()].sort((a, b) => a.ip - b.ip);
}
