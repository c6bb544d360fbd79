import { defineScenario, deployment, nodes, pod, type ScenarioInput, service } from "@svcsim/core";

/**
 * HTTP/1.1 keep-alive imbalance after a scale-out. Four client Pods each run
 * a Go program whose 2 worker goroutines call the `web` Service in a loop
 * (think time ~10 ms) through `http.DefaultTransport` (MaxIdleConnsPerHost
 * 2, IdleConnTimeout 90 s). The Deployment runs 3 Pods and is scaled to 6 at
 * 20 s.
 *
 * kube-proxy balances connections, not requests: its `-m statistic` rules
 * choose a Pod for a connection's SYN, and conntrack sends every later packet
 * of that connection to the same Pod. Each client opens two connections at
 * the start and, never having more than two requests in flight, never needs
 * a third: the 8 connections stay where their SYNs landed, on the 3 original
 * Pods, for the whole run. After the scale-out the new Pods are in every
 * node's rules, yet no SYN comes to be balanced to them.
 *
 * Variants (used by the tests and the docs page):
 * - `withoutKeepAlive`: `DisableKeepAlives`, a connection per request, each
 *   balanced afresh: the new Pods take half the requests within a sync.
 * - `bursty`: the same Transport under open-loop Poisson traffic (50
 *   requests/s per client). Bursts of three or more requests dial extra
 *   connections, which Go closes when more than two are idle
 *   (errTooManyIdleHost): the pool churns, about one new connection per
 *   second per client, and within seconds of the scale-out the new Pods get
 *   close to their share.
 * - `burstyIdle100`: the same bursts with MaxIdleConnsPerHost 100, the usual
 *   cure for that churn: the pool keeps the few connections it opened, and
 *   the imbalance is back.
 */
const SCALE_AT = 20e9;

interface Rec {
  start: number;
  pod?: string;
  error?: string;
}

/** Requests from `from` on, and the share of them served by Pods that served nothing before the scale-out. */
export function newPodShare(result: unknown, from = SCALE_AT): { share: number; requests: number; newPods: number } {
  const records = (result as { workload: { records: Rec[] } }).workload.records;
  const original = new Set(records.filter((r) => r.start < SCALE_AT && r.pod).map((r) => r.pod));
  const after = records.filter((r) => r.start >= from && r.pod);
  const onNew = after.filter((r) => !original.has(r.pod));
  return { share: onNew.length / after.length, requests: after.length, newPods: new Set(onNew.map((r) => r.pod)).size };
}

const clientPod = (i: number) => pod(`client-${i}`, { node: `node-${"abc"[i % 3]}`, labels: { app: "client" } });

type Variant = "pooled" | "no-keepalive" | "bursty" | "bursty-idle100";

const DESCRIPTIONS: Record<Variant, string> = {
  pooled: "Go clients keep their pooled connections on the old Pods: the 3 new Pods get no traffic.",
  "no-keepalive": "With keep-alives disabled every request is balanced afresh: the new Pods take their share.",
  bursty: "Open-loop bursts churn Go's 2-idle pool: new connections soon reach the new Pods.",
  "bursty-idle100": "MaxIdleConnsPerHost 100 stops the churn, and the old Pods keep the traffic again.",
};

const scenario = (variant: Variant, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: variant === "pooled" ? "http1-keepalive-scaleout" : `http1-keepalive-scaleout-${variant}`,
  description: DESCRIPTIONS[variant],
  seed: 1,
  duration: "60s",
  cluster: {
    nodes: nodes(3),
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    ...[0, 1, 2, 3].map(clientPod),
    deployment("web", { replicas: 3, container: "http", port: 8080, portName: "http" }),
    service("web", { ports: [{ name: "http", port: 80, targetPort: "http" }] }),
  ],
  workload: {
    servers: [
      {
        selector: { app: "web" },
        port: 8080,
        responseBytes: 2048,
        serviceTime: "5ms",
        serviceTimeDistribution: "exponential",
      },
    ],
    clients: [0, 1, 2, 3].map((i) => ({
      kind: "http1" as const,
      name: `go-${i}`,
      from: `client-${i}`,
      to: { service: "web", port: 80 },
      agent: {
        preset: "go-transport" as const,
        ...(variant === "no-keepalive" ? { keepAlive: false } : {}),
        ...(variant === "bursty-idle100" ? { maxIdlePerHost: 100 } : {}),
      },
      load: variant.startsWith("bursty")
        ? { type: "open" as const, rate: 50 }
        : { type: "closed" as const, concurrency: 2, think: "10ms", thinkDistribution: "exponential" as const },
      start: "5s",
    })),
  },
  timeline: [{ at: "20s", action: "scale", deployment: "web", replicas: 6 }],
  expect,
});

export default defineScenario(
  scenario("pooled", [
    { name: "every request succeeds", metric: "requests.failed", value: 0 },
    {
      name: "the 3 new Pods get under 5% of the requests after the scale-out (fair share 50%)",
      check: (result) => {
        const { share } = newPodShare(result);
        return share < 0.05 || `new Pods served ${(share * 100).toFixed(1)}%`;
      },
    },
    {
      name: "each client holds its two connections for the whole run",
      check: (result) => {
        const clients = (result as { metrics: { clients: Record<string, { connections: number }> } }).metrics.clients;
        const conns = Object.values(clients).map((c) => c.connections);
        return conns.every((n) => n === 2) || `connections per client: ${conns.join(", ")}`;
      },
    },
  ]),
);

/** The same cluster with `DisableKeepAlives`: a connection per request. */
export const withoutKeepAlive = scenario("no-keepalive", [
  { name: "every request succeeds", metric: "requests.failed", value: 0 },
  {
    name: "once the new Pods are in the rules they take about half the requests",
    check: (result) => {
      const { share } = newPodShare(result, 25e9);
      return (share > 0.4 && share < 0.6) || `new Pods served ${(share * 100).toFixed(1)}%`;
    },
  },
]);

/** Open-loop Poisson traffic through the same Transport: the two-idle pool churns. */
export const bursty = scenario("bursty", [
  { name: "every request succeeds", metric: "requests.failed", value: 0 },
  {
    name: "the churn brings the new Pods a large part of their share",
    check: (result) => {
      const { share } = newPodShare(result);
      return share > 0.3 || `new Pods served ${(share * 100).toFixed(1)}%`;
    },
  },
]);

/** The same bursts with MaxIdleConnsPerHost 100: the pool keeps every connection it opened. */
export const burstyIdle100 = scenario("bursty-idle100", [
  { name: "every request succeeds", metric: "requests.failed", value: 0 },
  {
    name: "the new Pods get under 10% of the requests again",
    check: (result) => {
      const { share } = newPodShare(result);
      return share < 0.1 || `new Pods served ${(share * 100).toFixed(1)}%`;
    },
  },
]);
