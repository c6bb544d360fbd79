import { defineScenario, type ScenarioInput } from "@svcsim/core";

/**
 * externalTrafficPolicy: Local blackhole during a rolling update, behind an
 * NLB-like load balancer (the in-tree AWS provider's NLB: instance targets,
 * HTTP checks of each node's healthCheckNodePort every 30 s, 3 failures to
 * turn a node unhealthy, 3 passes to turn it healthy; cross-zone on).
 *
 * Two `web` Pods run on node-a and node-b; node-c has none, so its
 * healthCheckNodePort answers 503 and the balancer never sends it traffic.
 * An external user opens a connection every 50 ms. At 60 s a rolling
 * restart (maxSurge 1, maxUnavailable 0) replaces the Pods: the scheduler
 * puts the new ones on node-c and node-a, so node-b loses its last Pod.
 *
 * - node-b's old Pod turns terminating at 62 s. kube-proxy on node-b stops
 *   counting it as a local *ready* endpoint: its health check answers 503
 *   from the 62.05 s sync, while its rules keep serving through the
 *   serving-terminating endpoint (KEP-1669) until the Pod exits after its
 *   5 s preStop sleep and is gone at 67.1 s.
 * - From node-b's 67.15 s sync, its rules DROP every new connection ("has no
 *   local endpoints"): the balancer still counts node-b healthy and sends it
 *   every flow that hashes there (half of them: node-c is not healthy yet).
 * - The checks at 90, 120 and 150 s fail; node-b turns unhealthy at
 *   150.0004 s (the 400 µs is the check's round trip). The blackhole lasts
 *   150.0004 − 67.15 = 82.85 s: 82.85 s × 20 connections/s × ½ ≈ 829
 *   failed connections (SYNs dropped until the 5 s request timeout; those in
 *   flight at 150 s are reset by the balancer, as NLB does for flows to a
 *   target that turned unhealthy).
 *
 * Variants:
 * - `fastChecks`: interval 15 s. Checks at 75, 90, 105 s fail; unhealthy at
 *   105.0004 s; 37.85 s × 10/s ≈ 379 failures. Halving the interval
 *   roughly halves the failures (the lag is up to interval × threshold).
 * - `cluster`: externalTrafficPolicy Cluster. Every node forwards to a live
 *   Pod anywhere (SNAT to the node's IP): no failures, and no Pod sees the
 *   client's address.
 * - `fallback`: a preStop sleep of 100 s, longer than the health-check lag.
 *   The terminating Pod keeps serving through kube-proxy's fallback while
 *   the balancer drains node-b: no failures, client IP preserved.
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
      // The in-tree provider's defaults: HTTP /healthz every 30 s, 3 failures; the
      // aws-load-balancer-healthcheck-interval annotation halves it in `fastChecks`.
      ...(variant === "fast-checks" ? { healthCheck: { interval: "15s" } } : {}),
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
            terminationGracePeriodSeconds: variant === "fallback" ? 120 : 30,
            containers: [
              {
                name: "web",
                ports: [{ containerPort: 8080 }],
                lifecycle: { preStop: { sleep: { seconds: variant === "fallback" ? 100 : 5 } } },
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

/** Every failed connection started while node-b was a blackhole: after its last Pod left, before it turned unhealthy. */
const failuresInWindow = (r: unknown, until: number) => {
  const outside = records(r).filter((x) => x.error && (x.start < 67e9 || x.start > until));
  return outside.length === 0 || `${outside.length} failures outside 67 s … ${until / 1e9} s`;
};

const CLIENT = "203.0.113.1";

export default defineScenario(
  scenario("local", [
    { name: "about 829 connections fail (±10%)", metric: "requests.failed", op: ">=", value: 746 },
    { name: "about 829 connections fail (at most +10%)", metric: "requests.failed", op: "<=", value: 912 },
    {
      name: "node-b turns unhealthy at the third failed check, 150 s",
      check: (r) => nodeBUnhealthyAt(r, 150_000_400_000),
    },
    { name: "every failure falls in node-b's blackhole", check: (r) => failuresInWindow(r, 150.0004e9) },
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

/** Health checks every 15 s: about half the failures. */
export const fastChecks = scenario("fast-checks", [
  { name: "about 379 connections fail (±10%)", metric: "requests.failed", op: ">=", value: 341 },
  { name: "about 379 connections fail (at most +10%)", metric: "requests.failed", op: "<=", value: 417 },
  { name: "node-b turns unhealthy at 105 s", check: (r) => nodeBUnhealthyAt(r, 105_000_400_000) },
  { name: "every failure falls in node-b's blackhole", check: (r) => failuresInWindow(r, 105.0004e9) },
]);

/** externalTrafficPolicy Cluster: no blackhole, no client IP. */
export const cluster = scenario("cluster", [
  { name: "no connection fails", metric: "requests.failed", value: 0 },
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
    name: "the balancer still drains node-b at 150 s, while its terminating Pod serves",
    check: (r) => nodeBUnhealthyAt(r, 150_000_400_000),
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
