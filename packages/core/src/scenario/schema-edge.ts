import * as z from "zod";
import { CidrSchema, DurationSchema, IpSchema } from "./schema-values.ts";

/**
 * Overrides of the provider's health check (the `aws-load-balancer-healthcheck-*`
 * annotations and their GCP/Azure equivalents). Absent fields keep the preset's.
 */
const HealthCheckOverridesSchema = z
  .object({
    interval: DurationSchema,
    timeout: DurationSchema,
    healthyThreshold: z.number().int().min(1),
    unhealthyThreshold: z.number().int().min(1),
    /** Passes that make a newly registered target healthy. */
    initialHealthyThreshold: z.number().int().min(1),
  })
  .partial();

/**
 * The cloud load balancer that serves every `type: LoadBalancer` Service
 * (see `CloudLoadBalancerConfig` in the edge layer for each field's model).
 */
export const LoadBalancerSchema = z.object({
  /** Whose defaults and behaviour: health-check timing, fail-open, cross-zone, forwarding. */
  provider: z.enum(["aws-nlb-in-tree", "aws-nlb", "gcp", "azure"]).default("aws-nlb-in-tree"),
  /** `instance`: targets are nodes through the NodePort. `ip`: targets are the Pods. */
  mode: z.enum(["instance", "ip"]).default("instance"),
  /** `flow-hash` (5-tuple, NLB-like) or `round-robin` per new flow. */
  distribution: z.enum(["flow-hash", "round-robin"]).default("flow-hash"),
  /** Cross-zone balancing; the provider's default when absent. */
  crossZone: z.boolean().optional(),
  /** `preserve`: targets see the client's address. `proxy`: the balancer's. */
  clientIp: z.enum(["preserve", "proxy"]).default("preserve"),
  /** Put a PROXY protocol v2 header in front of each connection's first data. */
  proxyProtocol: z.boolean().default(false),
  healthCheck: HealthCheckOverridesSchema.optional(),
  /** Frontend IPs; the first address is the balancer's own. */
  frontendPool: CidrSchema.default("198.51.100.0/24"),
  /** From a Service's creation to its frontend answering. */
  provisionDelay: DurationSchema.prefault("0s"),
});

const ExternalHostSchema = z.object({
  name: z.string().min(1),
  /** Its address in `external.cidr`; the next free one when absent. */
  ip: IpSchema.optional(),
  /** This host's one-way latency to the cluster's edge, instead of the network's. */
  latency: DurationSchema.optional(),
  loss: z.number().min(0).max(1).optional(),
});

/**
 * The network outside the cluster: hosts whose clients reach NodePorts,
 * externalIPs and load balancers. A corporate NAT is many client processes
 * behind one address (`<name>-1` … `<name>-<processes>`).
 */
export const ExternalSchema = z.object({
  cidr: CidrSchema.default("203.0.113.0/24"),
  /** One-way latency from each host to the cluster's edge. */
  latency: DurationSchema.prefault("10ms"),
  loss: z.number().min(0).max(1).default(0),
  hosts: z.array(ExternalHostSchema).default([]),
  nats: z.array(ExternalHostSchema.extend({ processes: z.number().int().min(1).max(10000) })).default([]),
});

/** What {@link checkEdgeRefs} reads of a scenario. */
interface EdgeRefs {
  cluster: {
    nodes: readonly { name: string }[];
    external?: { hosts: readonly { name: string }[]; nats: readonly { name: string; processes: number }[] } | undefined;
  };
  workload: {
    clients: readonly { from: string | { external: string }; to: unknown }[];
    senders: readonly { to: unknown }[];
  };
}

/**
 * Checks the names the edge ties together: an external client's host (a
 * host, or a corporate NAT's process `<nat>-<i>`), and the node of a
 * `via: node-port` target.
 */
export function checkEdgeRefs(scenario: EdgeRefs, ctx: z.RefinementCtx): void {
  const ext = scenario.cluster.external;
  const hosts = new Set(ext?.hosts.map((h) => h.name));
  for (const nat of ext?.nats ?? []) for (let i = 1; i <= nat.processes; i++) hosts.add(`${nat.name}-${i}`);
  const nodes = scenario.cluster.nodes.map((n) => n.name);
  const checkTarget = (to: unknown, path: (string | number)[]) => {
    if (typeof to !== "object" || to === null || !("via" in to) || to.via !== "node-port") return;
    const node = (to as { node?: string }).node;
    if (node !== undefined && nodes.includes(node)) return;
    ctx.addIssue({
      code: "custom",
      path: [...path, "node"],
      message: `a node-port target needs the node whose address it dials (cluster.nodes: ${nodes.join(", ")})`,
    });
  };
  scenario.workload.clients.forEach((client, i) => {
    checkTarget(client.to, ["workload", "clients", i, "to"]);
    if (typeof client.from !== "object") return;
    const path = ["workload", "clients", i, "from", "external"];
    if (!ext) {
      ctx.addIssue({ code: "custom", path, message: "an external client needs a cluster.external block" });
    } else if (!hosts.has(client.from.external)) {
      const known = [...hosts].slice(0, 5).join(", ") + (hosts.size > 5 ? ", …" : "");
      ctx.addIssue({ code: "custom", path, message: `no external host or NAT process by that name (${known})` });
    }
    if (typeof client.to === "object" && client.to !== null && "name" in client.to) {
      ctx.addIssue({
        code: "custom",
        path: ["workload", "clients", i, "to", "name"],
        message: "an external client has no cluster DNS: target a load balancer, NodePort, externalIP or ip:port",
      });
    }
  });
  scenario.workload.senders.forEach((sender, i) => {
    checkTarget(sender.to, ["workload", "senders", i, "to"]);
  });
}
