import * as z from "zod";
import { DurationSchema, PortSchema } from "./schema-values.ts";

/**
 * Where a client sends: a literal `ip:port`, a Pod by name, a Service by
 * name (its ClusterIP, read from the API at each connection), or a DNS name
 * looked up by the client Pod's resolver at each connection (needs `dns`).
 */
export const ClientTargetSchema = z.union([
  z.string().regex(/^\d+\.\d+\.\d+\.\d+:\d+$/, "expected ip:port"),
  z.object({ pod: z.string(), port: PortSchema }),
  z.object({
    service: z.string(),
    namespace: z.string().default("default"),
    /** The Service port, by number or name. */
    port: z.union([PortSchema, z.string()]),
    /**
     * Which of the Service's addresses: its ClusterIP (default), its
     * load balancer's frontend (`status.loadBalancer.ingress[0]`), a node's
     * NodePort (`node` names the node) or its first externalIP.
     */
    via: z.enum(["cluster-ip", "load-balancer", "node-port", "external-ip"]).default("cluster-ip"),
    /** The node whose InternalIP a `node-port` target uses. */
    node: z.string().optional(),
  }),
  z.object({
    /** A host name as the application passes it to getaddrinfo: `web`, `web.default.svc.cluster.local`, `api.example.com.`. */
    name: z.string().min(1),
    port: PortSchema,
  }),
]);

const ServerSchema = z
  .object({
    /**
     * The application: `request` (one request/response per message, over TCP
     * or UDP), `http2` (Go's HTTP/2 server) or `grpc` (grpc-go's server).
     */
    kind: z.enum(["request", "http2", "grpc"]).default("request"),
    /** Pods running this server, by label selector (every matching Pod, now or later). */
    selector: z.record(z.string(), z.string()),
    namespace: z.string().default("default"),
    port: PortSchema,
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
    /**
     * The listener expects a PROXY protocol v2 header (nginx `listen … proxy_protocol`):
     * the application takes the client address from it; a connection without one is closed.
     */
    proxyProtocol: z.boolean().default(false),
    /** UDP: answer each datagram (default); false for a sink such as a statsd server. */
    reply: z.boolean().default(true),
    /**
     * What the application does on SIGTERM: `drain` (Go's Server.Shutdown /
     * gRPC GracefulStop), `exit` at once (no signal handler), or `ignore` it
     * until SIGKILL (PID 1 without a handler).
     */
    sigterm: z.enum(["drain", "exit", "ignore"]).default("drain"),
    /** http2/grpc: keepalive.ServerParameters.MaxConnectionAge (±10% jitter); infinite when absent. */
    maxConnectionAge: DurationSchema.optional(),
    /** http2/grpc: MaxConnectionAgeGrace, how long in-flight streams may finish after the age GOAWAY. */
    maxConnectionAgeGrace: DurationSchema.optional(),
    /** grpc: grpc.MaxConcurrentStreams (not advertised when absent). */
    maxConcurrentStreams: z.number().int().min(1).optional(),
  })
  .superRefine((server, ctx) => {
    if (server.kind === "request") {
      for (const field of ["maxConnectionAge", "maxConnectionAgeGrace", "maxConcurrentStreams"] as const) {
        if (server[field] !== undefined) {
          ctx.addIssue({ code: "custom", path: [field], message: `${field} needs a server of kind "http2" or "grpc"` });
        }
      }
      return;
    }
    if (server.protocol !== "TCP")
      ctx.addIssue({ code: "custom", path: ["protocol"], message: `a ${server.kind} server runs over TCP` });
    // why: both servers stop gracefully on SIGTERM (Go's Server.Shutdown, grpc-go GracefulStop):
    // GOAWAY, finish in-flight streams, exit.
    if (server.sigterm !== "drain") {
      ctx.addIssue({
        code: "custom",
        path: ["sigterm"],
        message: `a ${server.kind} server drains with GOAWAY on SIGTERM; only "drain" is modelled`,
      });
    }
  });

/** The fields every client kind has. */
const clientBase = {
  name: z.string().min(1),
  /** The Pod it runs in, or an external host (`{ external: "<host or NAT process>" }`, see `cluster.external`). */
  from: z.union([z.string().min(1), z.object({ external: z.string().min(1) })]),
  namespace: z.string().default("default"),
  to: ClientTargetSchema,
  requestBytes: z.number().int().min(0).default(128),
};

/** The original client: one new connection (or UDP socket) per request, on a fixed schedule. */
const PerRequestClientSchema = z.object({
  kind: z.literal("connection-per-request").default("connection-per-request"),
  ...clientBase,
  protocol: z.enum(["TCP", "UDP"]).default("TCP"),
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

const RatePointSchema = z.object({
  /** When the change starts. */
  at: DurationSchema,
  /** The rate to reach, requests/s. */
  rate: z.number().min(0),
  /** How long the change takes (linear); a step when absent. */
  over: DurationSchema.optional(),
});

/** How a client generates requests (see `LoadPlan` in the workload layer). */
export const ClientLoadSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("interval"),
    interval: DurationSchema.prefault("1s"),
    requests: z.number().int().min(1),
  }),
  z.object({
    /** Poisson arrivals, drawn from the stream `workload/client/<name>/arrivals`. */
    type: z.literal("open"),
    rate: z.number().min(0),
    ramp: z
      .array(RatePointSchema)
      .default([])
      .superRefine((points, ctx) => {
        points.forEach((p, i) => {
          const prev = points[i - 1];
          if (prev && p.at < prev.at + (prev.over ?? 0)) {
            ctx.addIssue({ code: "custom", path: [i, "at"], message: "expected a time after the previous ramp ends" });
          }
        });
      }),
    requests: z.number().int().min(1).optional(),
  }),
  z.object({
    type: z.literal("closed"),
    concurrency: z.number().int().min(1),
    /** Each worker's pause between the end of a request and its next. */
    think: DurationSchema.prefault("0s"),
    /** Exponential think times are drawn from `workload/client/<name>/think`. */
    thinkDistribution: z.enum(["constant", "exponential"]).default("constant"),
    requests: z.number().int().min(1).optional(),
  }),
]);

/** An HTTP/1.1 pool's settings: a documented preset, with any field overridden. */
const AgentSchema = z
  .object({
    preset: z.enum(["go-transport", "node-agent", "node-global-agent"]).default("go-transport"),
    keepAlive: z.boolean().optional(),
    maxSocketsPerHost: z.number().int().min(1).optional(),
    maxIdlePerHost: z.number().int().min(0).optional(),
    /** `"none"`: idle connections stay open until the server closes them. */
    idleTimeout: z.union([z.literal("none"), DurationSchema]).optional(),
    scheduling: z.enum(["lifo", "fifo"]).optional(),
    /** `"none"`: the kernel's SYN retries (~127 s) bound the dial. */
    connectTimeout: z.union([z.literal("none"), DurationSchema]).optional(),
  })
  .prefault({});

/** An HTTP/1.1 client with a keep-alive connection pool, driven by a load generator. */
const Http1ClientSchema = z.object({
  kind: z.literal("http1"),
  ...clientBase,
  agent: AgentSchema,
  load: ClientLoadSchema,
  /** When the first request may start. */
  start: DurationSchema.prefault("0s"),
  /** No request starts from this time on; absent: until the run ends. */
  stop: DurationSchema.optional(),
  /** The application's deadline for a whole request, waiting for a connection included (Go's http.Client.Timeout). */
  timeout: DurationSchema.prefault("30s"),
});

/** The fields of the clients driven by a load generator. */
const loadedClient = {
  load: ClientLoadSchema,
  /** When the first request may start. */
  start: DurationSchema.prefault("0s"),
  /** No request starts from this time on; absent: until the run ends. */
  stop: DurationSchema.optional(),
  /** Response size each call asks for. */
  responseBytes: z.number().int().min(0).default(512),
};

/** An HTTP/2 client (Go's http2.Transport): one connection per origin, streams multiplexed on it. */
const Http2ClientSchema = z.object({
  kind: z.literal("http2"),
  ...clientBase,
  ...loadedClient,
  /** The request's deadline (Go's context deadline). */
  timeout: DurationSchema.prefault("30s"),
});

/**
 * A gRPC channel to `dns:///<to.name>:<to.port>` (grpc-go ClientConn): the
 * name is resolved by the Pod's resolver; pick_first uses the first address
 * (a ClusterIP name: one connection), round_robin every address (a headless
 * Service: one connection per ready Pod).
 */
const GrpcClientSchema = z.object({
  kind: z.literal("grpc"),
  ...clientBase,
  ...loadedClient,
  policy: z.enum(["pick_first", "round_robin"]).default("pick_first"),
  /** grpc-go's MinResolutionInterval between re-resolutions (default 30 s). */
  minResolutionInterval: DurationSchema.optional(),
  /** Re-resolve on this period too (grpc-go's DNS resolver does not; some custom resolvers do). */
  resolvePoll: DurationSchema.optional(),
  /** The per-call deadline. */
  timeout: DurationSchema.prefault("5s"),
});

/**
 * A client, by `kind` (default `connection-per-request`): per-request
 * connections, an HTTP/1.1 keep-alive pool, an HTTP/2 client or a gRPC
 * channel.
 */
export const ClientSchema = z.discriminatedUnion("kind", [
  PerRequestClientSchema,
  Http1ClientSchema,
  Http2ClientSchema,
  GrpcClientSchema,
]);

/**
 * A statsd-like UDP sender: one connected socket for its whole life (one
 * source port, so one conntrack entry), a datagram every `interval`,
 * answered by nobody. Each datagram counts as a request at the Pod that
 * receives it (`pods.<pod>.requests`).
 */
const SenderSchema = z.object({
  name: z.string().min(1),
  /** The Pod it runs in. */
  from: z.string().min(1),
  namespace: z.string().default("default"),
  /** Resolved once, when the socket is connected at `start` (an ip:port, a Pod or a Service). */
  to: z.union([ClientTargetSchema.options[0], ClientTargetSchema.options[1], ClientTargetSchema.options[2]]),
  /** Payload octets per datagram. */
  bytes: z.number().int().min(0).default(40),
  interval: DurationSchema.prefault("1s"),
  start: DurationSchema.prefault("0s"),
  /** No datagram at or after this time; absent: until the run ends. */
  stop: DurationSchema.optional(),
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

/** Servers, clients and the Pods' TCP settings. */
export const WorkloadSchema = z
  .object({
    servers: z.array(ServerSchema).default([]),
    clients: z.array(ClientSchema).default([]),
    senders: z.array(SenderSchema).default([]),
    tcp: TcpSysctlSchema,
  })
  .prefault({});
