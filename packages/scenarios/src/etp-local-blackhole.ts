import { defineScenario, type ScenarioInput } from "@svcsim/core";

/**
 * externalTrafficPolicy: Local blackhole during a rolling update, behind an
 * NLB-like load balancer: the in-tree AWS provider's NLB with instance
 * targets. For a Local Service it checks each node's healthCheckNodePort
 * over HTTP every 10 s, 2 failures to turn a node unhealthy, 2 passes to
 * turn it healthy (cloud-provider-aws buildNLBHealthCheckConfiguration);
 * cross-zone on (the aws-load-balancer-cross-zone-load-balancing-enabled
 * annotation).
 *
 * Two `web` Pods run on node-a and node-b; node-c has none, so its
 * healthCheckNodePort answers 503 and the balancer sends it nothing. An
 * external user opens a connection every 50 ms. At 60 s a rolling restart
 * (maxSurge 1, maxUnavailable 0) replaces the Pods: the scheduler puts the
 * new ones on node-c (60 s) and node-a (61 s), so node-b loses its last Pod.
 * The app has no preStop hook and exits on SIGTERM.
 *
 * - node-b's old Pod is scaled down at 62 s and exits. From node-b's
 *   62.05 s sync its health check answers 503 (no local ready endpoint)
 *   and its rules have no live endpoint for external traffic: first the
 *   dead serving-terminating one (refused, then the deleted Pod's address
 *   from its removal at 62.1 s: `no-route`), and from the next sync, held
 *   back by minSyncPeriod to 63.05 s, none ("has no local endpoints" DROP).
 * - The balancer still counts node-b healthy and sends it every flow that
 *   hashes there: half of them, as node-c is not healthy before 80 s.
 * - The checks at 70 and 80 s fail; node-b turns unhealthy at 80.0004 s
 *   (the 400 µs is the check's round trip). The blackhole lasts
 *   80.0004 − 62.05 = 17.95 s: 17.95 s × 20 connections/s × ½ ≈ 180
 *   failed connections (SYNs dropped until the 5 s request timeout; those
 *   still retrying at 80 s are reset by the balancer, as NLB does for flows
 *   to a target that turned unhealthy), plus the 2 connections refused in
 *   the old Pods' exit races (a Pod that exited on SIGTERM is still in the
 *   rules until a sync sees it terminating). Seed 1 gives 199: the flow
 *   hash sent node-b 55% of the window's flows.
 *
 * Variants:
 * - `fastChecks`: interval 5 s. Checks at 65 and 70 s fail; unhealthy at
 *   70.0004 s; 7.95 s × 10/s + 2 ≈ 82 failures (seed 1: 80). Halving the
 *   interval roughly halves the failures: the lag is the wait for the next
 *   check plus (threshold − 1) × interval, (threshold − ½) × interval on
 *   average.
 * - `cluster`: externalTrafficPolicy Cluster. Every node forwards to a live
 *   Pod anywhere (SNAT to the node's IP): no blackhole, only the 2 exit-race
 *   refusals, and no Pod sees the client's address.
 * - `fallback`: a 30 s preStop sleep, longer than the health-check lag. The
 *   terminating Pod keeps serving through kube-proxy's serving-terminating
 *   fallback (KEP-1669) while the balancer drains node-b: no failures, and
 *   the client's address preserved.
 */
const ROLLOUT_AT = "60s";

type Variant = "local" | "cluster" | "fallback" | "fast-checks";

const nodes = ["a", "b", "c"].map((z, i) => ({
  name: `node-${z}`,
  ip: `192.168.0.${10 + i}`,
  podCIDR: `10.244.${i + 1}.0/24`,
  zone: `zone-${z}`,
}));

const scenario = (variant: Variant, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: variant === "local" ? "etp-local-blackhole" : `etp-local-blackhole-${variant}`,
  description: "",
  seed: 1,
  duration: "180s",
  cluster: {
    nodes,
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
    loadBalancer: {
      provider: "aws-nlb-in-tree",
      crossZone: true,
      // The in-tree provider's defaults for a Local Service: HTTP /healthz every 10 s,
      // 2 failures; the aws-load-balancer-healthcheck-interval annotation halves it in `fastChecks`.
      ...(variant === "fast-checks" ? { healthCheck: { interval: "5s" } } : {}),
    },
    external: { hosts: [{ name: "user" }] },
  },
  objects: [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            terminationGracePeriodSeconds: variant === "fallback" ? 60 : 30,
            containers: [
              {
                name: "web",
                ports: [{ containerPort: 8080 }],
                ...(variant === "fallback" ? { lifecycle: { preStop: { sleep: { seconds: 30 } } } } : {}),
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: {
        type: "LoadBalancer",
        externalTrafficPolicy: variant === "cluster" ? "Cluster" : "Local",
        selector: { app: "web" },
        ports: [{ port: 80, targetPort: 8080 }],
      },
    },
  ],
  workload: {
    servers: [{ selector: { app: "web" }, port: 8080 }],
    clients: [
      {
        name: "user",
        from: { external: "user" },
        to: { service: "web", port: 80, via: "load-balancer" },
        requests: 2800,
        interval: "50ms",
        start: "40s",
        timeout: "5s",
      },
    ],
  },
  timeline: [{ at: ROLLOUT_AT, action: "rollout", deployment: "web" }],
  expect,
});

interface Rec {
  start: number;
  error?: string;
  pod?: string;
  source?: string;
}
interface Ev {
  type: string;
  t: number;
  target?: string;
  to?: string;
}
const records = (r: unknown) => (r as { workload: { records: Rec[] } }).workload.records;
const trace = (r: unknown) => (r as { trace: Ev[] }).trace;
const sources = (r: unknown) =>
  Object.values(
    (r as { metrics: { pods: Record<string, { sources?: Record<string, number> }> } }).metrics.pods,
  ).flatMap((p) => Object.keys(p.sources ?? {}));

/** When node-b turned unhealthy, in ns, or a message. */
const nodeBUnhealthyAt = (r: unknown, t: number) => {
  const ev = trace(r).find((e) => e.type === "lb.health" && e.target === "node-b" && e.to === "unhealthy");
  return ev?.t === t || `node-b unhealthy at ${ev ? ev.t / 1e9 : "never"} s, expected ${t / 1e9} s`;
};

/** Every failed connection started during the rollout, before node-b turned unhealthy (61 s: the first old Pod's exit). */
const failuresInWindow = (r: unknown, until: number) => {
  const outside = records(r).filter((x) => x.error && (x.start < 61e9 || x.start > until));
  return outside.length === 0 || `${outside.length} failures outside 61 s … ${until / 1e9} s`;
};

const CLIENT = "203.0.113.1";

export default defineScenario(
  scenario("local", [
    { name: "about 180 + 2 connections fail (at least −15%)", metric: "requests.failed", op: ">=", value: 155 },
    { name: "about 180 + 2 connections fail (at most +15%)", metric: "requests.failed", op: "<=", value: 209 },
    {
      name: "node-b turns unhealthy at its second failed check, 80 s",
      check: (r) => nodeBUnhealthyAt(r, 80_000_400_000),
    },
    { name: "every failure falls in the rollout's blackhole", check: (r) => failuresInWindow(r, 80.0004e9) },
    {
      name: "kube-proxy drops them as having no local endpoints",
      metric: "drops.no-local-endpoints",
      op: ">",
      value: 0,
    },
    {
      name: "the Pods see the client's address",
      check: (r) => sources(r).every((ip) => ip === CLIENT) || `sources ${[...new Set(sources(r))].join(", ")}`,
    },
  ]),
);

/** Health checks every 5 s: about half the failures. */
export const fastChecks = scenario("fast-checks", [
  { name: "about 80 + 2 connections fail (at least −15%)", metric: "requests.failed", op: ">=", value: 70 },
  { name: "about 80 + 2 connections fail (at most +15%)", metric: "requests.failed", op: "<=", value: 94 },
  { name: "node-b turns unhealthy at 70 s", check: (r) => nodeBUnhealthyAt(r, 70_000_400_000) },
  { name: "every failure falls in the rollout's blackhole", check: (r) => failuresInWindow(r, 70.0004e9) },
]);

/** externalTrafficPolicy Cluster: no blackhole, no client IP. */
export const cluster = scenario("cluster", [
  {
    name: "no blackhole: at most the 2 exit-race refusals fail",
    metric: "requests.failed",
    op: "<=",
    value: 2,
  },
  { name: "nothing is dropped for want of a local endpoint", metric: "drops.no-local-endpoints", value: 0 },
  {
    name: "no Pod sees the client's address: only node IPs (SNAT)",
    check: (r) => (sources(r).length > 0 && sources(r).every((ip) => ip.startsWith("192.168.0."))) || `${sources(r)}`,
  },
]);

/** A preStop sleep longer than the health-check lag: the terminating-endpoint fallback bridges it. */
export const fallback = scenario("fallback", [
  { name: "no connection fails", metric: "requests.failed", value: 0 },
  { name: "nothing is dropped for want of a local endpoint", metric: "drops.no-local-endpoints", value: 0 },
  {
    name: "the balancer still drains node-b at 80 s, while its terminating Pod serves",
    check: (r) => nodeBUnhealthyAt(r, 80_000_400_000),
  },
  {
    name: "node-b's terminating Pod serves connections after 62 s",
    check: (r) => {
      const oldPods = new Set(
        records(r)
          .filter((x) => x.start < 60e9 && x.pod)
          .map((x) => x.pod),
      );
      const late = records(r).filter((x) => x.start > 63e9 && x.pod && oldPods.has(x.pod)).length;
      return late > 0 || "no request reached an old Pod after 63 s";
    },
  },
  {
    name: "the Pods see the client's address",
    check: (r) => sources(r).every((ip) => ip === CLIENT) || `sources ${[...new Set(sources(r))].join(", ")}`,
  },
]);
