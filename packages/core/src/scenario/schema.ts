import * as z from "zod";
import { type Nanos, parseDuration } from "../engine/index.ts";
import { tryParseCidr, tryParseIPv4 } from "../net/index.ts";

/**
 * The scenario schema: one zod schema validates both a `defineScenario({...})`
 * value from a `.ts` file and a data-only `.yaml` scenario, so both forms
 * mean exactly the same thing and fail with the same messages.
 */

/** A duration: Go-style text (`"250ms"`, `"30s"`, `"2m"`) or integer nanoseconds (`s(30)`). */
export const DurationSchema = z.union([z.string(), z.number()]).transform((value, ctx): Nanos => {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return value as Nanos;
    ctx.addIssue({ code: "custom", message: `expected integer nanoseconds or a duration such as "30s", got ${value}` });
    return z.NEVER;
  }
  try {
    return parseDuration(value);
  } catch {
    ctx.addIssue({ code: "custom", message: `expected a duration such as "250ms", "30s" or "2m", got "${value}"` });
    return z.NEVER;
  }
});

const ip = z.string().refine((v) => tryParseIPv4(v) !== undefined, {
  message: "expected an IPv4 address such as 192.168.0.10",
});
const cidr = z.string().refine((v) => tryParseCidr(v) !== undefined, {
  message: "expected an IPv4 CIDR such as 10.244.1.0/24",
});

const NodeSchema = z.object({
  name: z.string().min(1),
  ip,
  podCIDR: cidr,
  zone: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
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
  serviceCIDR: cidr.default("10.96.0.0/12"),
  /**
   * kube-proxy `--cluster-cidr`: traffic from outside it is masqueraded
   * (`--detect-local-mode ClusterCIDR`). Absent: no local-traffic detection.
   */
  clusterCIDR: cidr.optional(),
  nodePortRange: z
    .string()
    .regex(/^\d+-\d+$/, "expected a port range such as 30000-32767")
    .default("30000-32767"),
  /** Pod start-up time: scheduling to Running. */
  podStartDelay: DurationSchema.prefault("1s"),
});

/** Where a client sends: a literal `ip:port`, a Pod by name, or a Service by name. */
const TargetSchema = z.union([
  z.string().regex(/^\d+\.\d+\.\d+\.\d+:\d+$/, "expected ip:port"),
  z.object({ pod: z.string(), port: z.number().int().min(1).max(65535) }),
  z.object({
    service: z.string(),
    namespace: z.string().default("default"),
    port: z.union([z.number().int().min(1).max(65535), z.string()]),
  }),
]);

const ServerSchema = z.object({
  /** Pods running this server, by label selector (every matching Pod, now or later). */
  selector: z.record(z.string(), z.string()),
  namespace: z.string().default("default"),
  port: z.number().int().min(1).max(65535),
  protocol: z.enum(["TCP", "UDP"]).default("TCP"),
  responseBytes: z.number().int().min(0).default(512),
  /** The service time: the constant, the exponential mean, or the lognormal median. */
  serviceTime: DurationSchema.prefault("1ms"),
  /** How service times vary, drawn from the stream `workload/server/<pod>:<port>`. */
  serviceTimeDistribution: z.enum(["constant", "exponential", "lognormal"]).default("constant"),
  /** The lognormal's shape (sigma of the underlying normal). */
  serviceTimeSigma: z.number().positive().default(0.5),
  /** Requests served at once per Pod; later ones wait in FIFO order. Unlimited when absent. */
  workers: z.number().int().min(1).optional(),
});

const ClientSchema = z.object({
  name: z.string().min(1),
  /** The Pod it runs in. */
  from: z.string().min(1),
  namespace: z.string().default("default"),
  to: TargetSchema,
  protocol: z.enum(["TCP", "UDP"]).default("TCP"),
  requestBytes: z.number().int().min(0).default(128),
  /** Number of requests (one connection each). */
  requests: z.number().int().min(1),
  interval: DurationSchema.prefault("1s"),
  start: DurationSchema.prefault("0s"),
  /** Give up on a request after this long (UDP: on each attempt). */
  timeout: DurationSchema.prefault("5s"),
  /** TCP: give up connecting after this long (an application connect timeout); the kernel's ~127 s when absent. */
  connectTimeout: DurationSchema.optional(),
  /** UDP: re-send the request on the same socket (same source port) this many times after a timeout. */
  retries: z.number().int().min(0).default(0),
});

/**
 * The Pods' TCP sysctls (net.ipv4.tcp_*), the same in every Pod; Linux's
 * defaults when absent (see workload/tcp/config.ts).
 */
const TcpSysctlSchema = z
  .object({
    synRetries: z.number().int().min(1).max(127),
    synLinearTimeouts: z.number().int().min(0).max(16),
    synackRetries: z.number().int().min(1).max(127),
    retries2: z.number().int().min(0).max(255),
    timestamps: z.boolean(),
    mss: z.number().int().min(88).max(65495),
  })
  .partial()
  .prefault({});

const WorkloadSchema = z
  .object({
    servers: z.array(ServerSchema).default([]),
    clients: z.array(ClientSchema).default([]),
    tcp: TcpSysctlSchema,
  })
  .prefault({});

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
export const ScenarioSchema = z.object({
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
  timeline: z.array(ActionSchema).default([]),
  expect: z.array(ExpectationSchema).default([]),
});

/** A scenario as written, before validation (what `defineScenario` accepts). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A validated scenario with every default applied. */
export type Scenario = z.output<typeof ScenarioSchema>;
export type TimelineAction = Scenario["timeline"][number];
export type Expectation = Scenario["expect"][number];
export type ClientSpec = Scenario["workload"]["clients"][number];
export type ServerSpec = Scenario["workload"]["servers"][number];
export type ClusterSpec = Scenario["cluster"];
