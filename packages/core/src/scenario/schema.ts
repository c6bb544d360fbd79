import * as z from "zod";
import { ConntrackSchema } from "./schema-conntrack.ts";
import { DnsSchema } from "./schema-dns.ts";
import { checkEdgeRefs, ExternalSchema, LoadBalancerSchema } from "./schema-edge.ts";
import { FaultActionSchemas, faultNodeRefs } from "./schema-faults.ts";
import { CidrSchema, DurationSchema, IpSchema } from "./schema-values.ts";
import { WorkloadSchema } from "./schema-workload.ts";

export { DurationSchema } from "./schema-values.ts";

/**
 * The scenario schema: one zod schema validates both a `defineScenario({...})`
 * value from a `.ts` file and a data-only `.yaml` scenario, so both forms
 * mean exactly the same thing and fail with the same messages.
 */

const NodeSchema = z.object({
  name: z.string().min(1),
  ip: IpSchema,
  podCIDR: CidrSchema,
  zone: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
  /** CPUs, for kube-proxy's nf_conntrack_max = max(conntrack.maxPerCore × cpus, conntrack.min). */
  cpus: z.number().int().min(1).default(1),
  /** This node's nf_conntrack_max, overriding `cluster.conntrack`. */
  conntrackMax: z.number().int().min(1).optional(),
});

const ProxySchema = z
  .object({
    mode: z.enum(["passthrough", "iptables"]).default("passthrough"),
    /** kube-proxy `--masquerade-all`. */
    masqueradeAll: z.boolean().default(false),
    /**
     * kube-proxy's cleanup of UDP conntrack entries for removed endpoints
     * (on in every real kube-proxy; off replays the stale-entry bug).
     */
    udpConntrackCleanup: z.boolean().default(true),
    /** How long a node's proxy takes to see an API change (informer delay). */
    watchDelay: DurationSchema.prefault("50ms"),
    /** kube-proxy `--iptables-min-sync-period` (default 1s). */
    minSyncPeriod: DurationSchema.prefault("1s"),
    /** kube-proxy `--iptables-sync-period` (default 30s). */
    syncPeriod: DurationSchema.prefault("30s"),
  })
  .prefault({});

const NetworkSchema = z
  .object({
    /** One-way latency between nodes. */
    nodeLatency: DurationSchema.prefault("100us"),
    /** One-way latency of a Pod's veth. */
    podLatency: DurationSchema.prefault("5us"),
    /** Loss probability on node-to-node links, drawn from a seeded stream. */
    loss: z.number().min(0).max(1).default(0),
  })
  .prefault({});

const ClusterSchema = z.object({
  nodes: z.array(NodeSchema).min(1),
  proxy: ProxySchema,
  network: NetworkSchema,
  serviceCIDR: CidrSchema.default("10.96.0.0/12"),
  /**
   * kube-proxy `--cluster-cidr`: traffic from outside it is masqueraded
   * (`--detect-local-mode ClusterCIDR`). Absent: no local-traffic detection.
   */
  clusterCIDR: CidrSchema.optional(),
  nodePortRange: z
    .string()
    .regex(/^\d+-\d+$/, "expected a port range such as 30000-32767")
    .default("30000-32767"),
  /** Pod start-up time: scheduling to Running. */
  podStartDelay: DurationSchema.prefault("1s"),
  /** The cloud load balancer serving `type: LoadBalancer` Services; none when absent. */
  loadBalancer: LoadBalancerSchema.optional(),
  /** Hosts outside the cluster, for external clients. */
  external: ExternalSchema.optional(),
  /** The nodes' conntrack sysctls (kube-proxy's `conntrack` block). */
  conntrack: ConntrackSchema,
  /**
   * kube-controller-manager `--node-monitor-grace-period`: how long a silent
   * node stays Ready before its Pods are marked not ready. 50s since
   * Kubernetes 1.32 (kubernetes/kubernetes#126287; 40s before).
   */
  nodeMonitorGracePeriod: DurationSchema.prefault("50s"),
});

const ActionSchema = z.discriminatedUnion("action", [
  z.object({
    at: DurationSchema,
    action: z.literal("scale"),
    deployment: z.string(),
    namespace: z.string().default("default"),
    replicas: z.number().int().min(0),
  }),
  z.object({
    at: DurationSchema,
    action: z.literal("rollout"),
    deployment: z.string(),
    namespace: z.string().default("default"),
  }),
  z.object({
    at: DurationSchema,
    action: z.literal("delete-pod"),
    pod: z.string(),
    namespace: z.string().default("default"),
  }),
  z.object({ at: DurationSchema, action: z.literal("apply"), objects: z.array(z.unknown()).min(1) }),
  z.object({
    at: DurationSchema,
    action: z.literal("delete"),
    kind: z.string(),
    name: z.string(),
    namespace: z.string().default("default"),
  }),
  z.object({
    at: DurationSchema,
    action: z.literal("set-ready"),
    pod: z.string(),
    namespace: z.string().default("default"),
    ready: z.boolean(),
  }),
  ...FaultActionSchemas,
]);

const ExpectationSchema = z.union([
  z.object({
    name: z.string().optional(),
    /** A dotted path into the run's metrics, e.g. `drops.total` or `pods.server.requests`. */
    metric: z.string().min(1),
    op: z.enum(["==", "!=", "<", "<=", ">", ">="]).default("=="),
    value: z.number(),
  }),
  z.object({
    name: z.string(),
    /** A check over the whole result (TypeScript scenarios only): true, or a string saying what went wrong. */
    check: z.custom<(result: unknown) => boolean | string>((v) => typeof v === "function", {
      message: "expected a function (result) => boolean | string",
    }),
  }),
]);

/** A scenario as written by a user. */
export const ScenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(""),
    seed: z.number().int().default(1),
    duration: DurationSchema,
    cluster: ClusterSchema,
    /** YAML manifest files, relative to the scenario file. */
    manifests: z.array(z.string()).default([]),
    /** Kubernetes objects as plain values (the manifest shape). */
    objects: z.array(z.unknown()).default([]),
    workload: WorkloadSchema,
    /** Cluster DNS: CoreDNS behind the kube-dns Service, and every Pod's stub resolver. Absent: no DNS. */
    dns: DnsSchema,
    timeline: z.array(ActionSchema).default([]),
    expect: z.array(ExpectationSchema).default([]),
  })
  .superRefine((scenario, ctx) => {
    checkFaultNodes(scenario, ctx);
    checkEdgeRefs(scenario, ctx);
    scenario.workload.clients.forEach((client, i) => {
      if (client.kind === "grpc" && !(typeof client.to === "object" && "name" in client.to)) {
        const path = ["workload", "clients", i, "to"];
        ctx.addIssue({
          code: "custom",
          path,
          message: "a grpc client needs a name target { name, port } (dns:///name:port)",
        });
      }
      if (typeof client.to !== "object" || !("name" in client.to)) return;
      const path = ["workload", "clients", i, "to", "name"];
      if (client.kind === "connection-per-request") {
        ctx.addIssue({
          code: "custom",
          path,
          message: 'a name target needs a client of kind "http1", "http2" or "grpc"',
        });
      } else if (scenario.dns === undefined) {
        ctx.addIssue({ code: "custom", path, message: "a name target needs a dns block to resolve it" });
      }
    });
  });

/** Every node a fault action names must be one of `cluster.nodes`. */
function checkFaultNodes(
  scenario: { cluster: { nodes: { name: string }[] }; timeline: readonly object[] },
  ctx: z.RefinementCtx,
): void {
  const names = scenario.cluster.nodes.map((n) => n.name);
  scenario.timeline.forEach((action, i) => {
    for (const { key, name } of faultNodeRefs(action as Record<string, unknown>)) {
      if (names.includes(name)) continue;
      ctx.addIssue({
        code: "custom",
        path: ["timeline", i, key],
        message: `no node named ${JSON.stringify(name)} (cluster.nodes: ${names.join(", ")})`,
        params: { noValue: true },
      });
    }
  });
}

/** A scenario as written, before validation (what `defineScenario` accepts). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A validated scenario with every default applied. */
export type Scenario = z.output<typeof ScenarioSchema>;
export type TimelineAction = Scenario["timeline"][number];
export type Expectation = Scenario["expect"][number];
export type ClientSpec = Scenario["workload"]["clients"][number];
export type ServerSpec = Scenario["workload"]["servers"][number];
export type SenderSpec = Scenario["workload"]["senders"][number];
export type ClusterSpec = Scenario["cluster"];
export type DnsSpec = NonNullable<Scenario["dns"]>;
