import { defineScenario, nodes, pod, type ScenarioInput, service } from "@svcsim/core";

/**
 * externalTrafficPolicy: Local with an uneven Pod spread, behind an NLB-like
 * balancer (the in-tree AWS provider: instance targets, 5-tuple flow hash,
 * HTTP checks of each node's healthCheckNodePort every 30 s).
 *
 * Four `web` Pods: three on node-a (`web-a1`…`web-a3`), one on node-b
 * (`web-b1`), none on node-c. One external user opens 240 connections, one
 * every 50 ms from 35 s (the nodes' checks pass at 30 s; the 0 s check ran
 * before any Pod was ready).
 *
 * - The balancer knows nodes, not Pods. node-c's healthCheckNodePort answers
 *   503 (no local endpoint), so it never turns healthy; node-a and node-b
 *   answer 200 and share the flows by the flow hash: each flow is a fair coin,
 *   so each node gets Binomial(240, ½) = 120 ± 7.7 (1σ).
 * - Each node's kube-proxy sends a flow only to its own Pods (Local: no
 *   second hop, no SNAT). node-b has one: `web-b1` serves all of node-b's
 *   flows, 120 ± 23 at 3σ, i.e. 40–60% of the requests. node-a splits its
 *   half three ways (`-m statistic` 1/3, 1/2, 1): each node-a Pod gets
 *   Binomial(240, ⅙) = 40 ± 17 at 3σ. So `web-b1` takes as much as the three
 *   node-a Pods together, three times each of them.
 * - Every Pod sees the client's address, 203.0.113.1.
 *
 * Variant `cluster`: externalTrafficPolicy Cluster. node-c's check (TCP to the
 * NodePort) passes, so three nodes share the flows, Binomial(240, ⅓) =
 * 80 ± 22 (3σ) each, and each node's rules pick among all four Pods, wherever
 * they run (SNAT to the node's address for the second hop): each Pod gets
 * Binomial(240, ¼) = 60 ± 20 (3σ). Even per Pod, and the client's address
 * is gone: the Pods see the nodes' addresses.
 */
type Variant = "local" | "cluster";

const REQUESTS = 240;
const CLIENT = "203.0.113.1";
const NODE_A_PODS = ["web-a1", "web-a2", "web-a3"];

const web = (name: string, node: string) => pod(name, { node, labels: { app: "web" }, container: "web", port: 8080 });

const scenario = (variant: Variant, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: variant === "local" ? "etp-local-uneven-spread" : `etp-local-uneven-spread-${variant}`,
  description:
    variant === "local"
      ? "externalTrafficPolicy Local, Pods 3/1/0 over three nodes: the lone Pod on node-b takes half the flows."
      : "The same spread with externalTrafficPolicy Cluster: even per Pod, client address lost.",
  seed: 1,
  duration: "50s",
  cluster: {
    nodes: nodes(3),
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
    loadBalancer: { provider: "aws-nlb-in-tree" },
    external: { hosts: [{ name: "user", ip: CLIENT }] },
  },
  objects: [
    ...NODE_A_PODS.map((name) => web(name, "node-a")),
    web("web-b1", "node-b"),
    service("web", {
      type: "LoadBalancer",
      externalTrafficPolicy: variant === "local" ? "Local" : "Cluster",
      ports: [{ port: 80, targetPort: 8080 }],
    }),
  ],
  workload: {
    servers: [{ selector: { app: "web" }, port: 8080 }],
    clients: [
      {
        name: "user",
        from: { external: "user" },
        to: { service: "web", port: 80, via: "load-balancer" },
        requests: REQUESTS,
        interval: "50ms",
        start: "35s",
      },
    ],
  },
  expect,
});

interface PodMetrics {
  requests: number;
  sources?: Record<string, number>;
}
const pods = (r: unknown) => (r as { metrics: { pods: Record<string, PodMetrics> } }).metrics.pods;
const served = (r: unknown, name: string) => pods(r)[name]?.requests ?? 0;
interface LbMetrics {
  perTarget: Record<string, number>;
  targets: Record<string, { state: string }>;
}
const lb = (r: unknown) =>
  (r as { metrics: { loadBalancers: Record<string, LbMetrics> } }).metrics.loadBalancers.web as LbMetrics;
const flowsTo = (r: unknown, node: string) => lb(r).perTarget[node] ?? 0;
const allSources = (r: unknown) => Object.values(pods(r)).flatMap((p) => Object.keys(p.sources ?? {}));

/** Each of `names` served between `lo` and `hi` requests. */
const eachBetween = (names: readonly string[], lo: number, hi: number) => (r: unknown) => {
  const off = names.filter((n) => served(r, n) < lo || served(r, n) > hi);
  return off.length === 0 || off.map((n) => `${n}=${served(r, n)}`).join(", ");
};

export default defineScenario(
  scenario("local", [
    { name: "every request succeeds", metric: "requests.ok", value: REQUESTS },
    {
      name: "node-c, with no Pod, never turns healthy and gets no flow",
      check: (r) =>
        (lb(r).targets["node-c"]?.state !== "healthy" && flowsTo(r, "node-c") === 0) || `${flowsTo(r, "node-c")} flows`,
    },
    {
      name: "web-b1, alone on node-b, serves 40–60% of the requests",
      check: eachBetween(["web-b1"], 96, 144),
    },
    { name: "each node-a Pod serves 23–57 requests (⅙ each)", check: eachBetween(NODE_A_PODS, 23, 57) },
    {
      name: "web-b1 serves more than twice as much as any node-a Pod",
      check: (r) => {
        const most = Math.max(...NODE_A_PODS.map((n) => served(r, n)));
        return served(r, "web-b1") > 2 * most || `web-b1=${served(r, "web-b1")}, busiest node-a Pod=${most}`;
      },
    },
    {
      name: "every Pod sees the client's address",
      check: (r) => allSources(r).every((ip) => ip === CLIENT) || `sources ${[...new Set(allSources(r))].join(", ")}`,
    },
  ]),
);

/** externalTrafficPolicy Cluster: three nodes, four Pods, even per Pod; the client's address is lost. */
export const cluster = scenario("cluster", [
  { name: "every request succeeds", metric: "requests.ok", value: REQUESTS },
  {
    name: "node-c gets about a third of the flows (58–102)",
    check: (r) => (flowsTo(r, "node-c") >= 58 && flowsTo(r, "node-c") <= 102) || `${flowsTo(r, "node-c")} flows`,
  },
  {
    name: "each of the four Pods serves 40–80 requests (¼ each)",
    check: eachBetween([...NODE_A_PODS, "web-b1"], 40, 80),
  },
  {
    name: "no Pod sees the client's address: only node IPs (SNAT)",
    check: (r) =>
      (allSources(r).length > 0 && allSources(r).every((ip) => ip.startsWith("192.168.0."))) ||
      `sources ${[...new Set(allSources(r))].join(", ")}`,
  },
]);
