import { defineScenario, deployment, kubeDnsObjects, nodes, pod, type ScenarioInput, service } from "@svcsim/core";

/**
 * HTTP/2 uneven load after a scale-out. Six client Pods each hold one gRPC
 * channel and make 10 unary calls per second from 6 s to 96 s. The `grpc`
 * Deployment starts with 3 Pods and is scaled to 10 at 30 s.
 *
 * - pick_first to the ClusterIP name `grpc` (this file's default export):
 *   the channel resolves the name to one address, the ClusterIP, and keeps
 *   one HTTP/2 connection to it. kube-proxy's `-m statistic` rules choose a
 *   backend for the connection's SYN only; conntrack sends every later packet
 *   — every later call, multiplexed as a stream — to the same Pod. Nothing
 *   closes the connection, so nothing chooses again: the 7 new Pods get no
 *   calls, while every client has exactly one connection (balanced, as far
 *   as connection counts go).
 * - round_robin over the headless Service `grpc-headless`, servers with
 *   MaxConnectionAge 30 s (`roundRobin`): DNS returns every ready Pod, the
 *   channel keeps a subchannel per address; each connection drained at its
 *   age (GOAWAY) makes the channel re-resolve, find the new Pods and spread
 *   the calls over all ten.
 */
const SCALE_AT = 30e9;
const CLIENTS = 6;

interface Rec {
  start: number;
  pod?: string;
  error?: string;
}

/** The share of the calls started from `from` on that Pods which served nothing before the scale-out answered. */
export function newPodShare(result: unknown, from = SCALE_AT): number {
  const records = (result as { workload: { records: Rec[] } }).workload.records;
  const original = new Set(records.filter((r) => r.start < SCALE_AT && r.pod).map((r) => r.pod));
  const after = records.filter((r) => r.start >= from && r.pod);
  return after.filter((r) => !original.has(r.pod)).length / after.length;
}

/** Calls per Pod among those started from `from` on. */
function perPod(result: unknown, from: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of (result as { workload: { records: Rec[] } }).workload.records) {
    if (r.start >= from && r.pod && !r.error) m.set(r.pod, (m.get(r.pod) ?? 0) + 1);
  }
  return m;
}

const grpcService = (name: string, headless: boolean) =>
  service(name, { headless, selector: { app: "grpc" }, ports: [{ name: "grpc", port: 50051, targetPort: 50051 }] });

type Policy = "pick_first" | "round_robin";

const scenario = (policy: Policy, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: policy === "pick_first" ? "http2-uneven-load" : "http2-uneven-load-round-robin",
  description:
    policy === "pick_first"
      ? "gRPC pick_first to a ClusterIP keeps one connection per client: the 7 Pods added at 30 s get no calls."
      : "gRPC round_robin over a headless Service with MaxConnectionAge 30 s spreads calls to the new Pods.",
  seed: 1,
  duration: "96s",
  cluster: {
    nodes: nodes(3),
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    ...kubeDnsObjects({ replicas: 2 }),
    deployment("grpc", { replicas: 3, container: "grpc", port: 50051, portName: "grpc" }),
    grpcService("grpc", false),
    grpcService("grpc-headless", true),
    ...Array.from({ length: CLIENTS }, (_, i) => pod(`client-${i}`, { node: "node-a", labels: { app: "client" } })),
  ],
  dns: { family: "ipv4" },
  workload: {
    servers: [
      {
        kind: "grpc",
        selector: { app: "grpc" },
        port: 50051,
        responseBytes: 100,
        serviceTime: "2ms",
        ...(policy === "round_robin" ? { maxConnectionAge: "30s" } : {}),
      },
    ],
    clients: Array.from({ length: CLIENTS }, (_, i) => ({
      kind: "grpc" as const,
      name: `client-${i}`,
      from: `client-${i}`,
      to: { name: policy === "pick_first" ? "grpc" : "grpc-headless", port: 50051 },
      policy,
      requestBytes: 100,
      responseBytes: 100,
      load: { type: "interval" as const, interval: "100ms", requests: 900 },
      start: "6s",
      timeout: "5s",
    })),
  },
  timeline: [{ at: "30s", action: "scale", deployment: "grpc", replicas: 10 }],
  expect,
});

// The 7 new Pods' fair share of the calls after the scale-out is 7/10.
const FAIR_NEW_SHARE = 7 / 10;

export default defineScenario(
  scenario("pick_first", [
    { name: "every call succeeds", metric: "requests.failed", value: 0 },
    {
      name: "the 7 new Pods get under 10% of the calls after the scale-out",
      check: (result) => newPodShare(result) < 0.1 || `new Pods' share ${newPodShare(result).toFixed(3)}`,
    },
    {
      name: "connections look balanced: one per client, none to a new Pod",
      check: (result) => {
        const conns = (result as { metrics: { pods: Record<string, { connections?: number }> } }).metrics.pods;
        const grpc = Object.entries(conns).filter(([pod]) => pod.startsWith("grpc-"));
        const total = grpc.reduce((n, [, p]) => n + (p.connections ?? 0), 0);
        return total === CLIENTS || `${total} connections to grpc Pods`;
      },
    },
  ]),
);

/** The contrast: round_robin over the headless Service, servers with MaxConnectionAge 30 s. */
export const roundRobin = scenario("round_robin", [
  { name: "every call succeeds", metric: "requests.failed", value: 0 },
  {
    name: "the new Pods get more than half their fair share over the whole window",
    check: (result) =>
      newPodShare(result) > 0.5 * FAIR_NEW_SHARE || `new Pods' share ${newPodShare(result).toFixed(3)}`,
  },
  {
    name: "from 50 s, all 10 Pods serve within ±20% of the mean",
    check: (result) => {
      const counts = [...perPod(result, 50e9).values()];
      const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
      const worst = Math.max(...counts.map((n) => Math.abs(n - mean) / mean));
      return (counts.length === 10 && worst < 0.2) || `${counts.length} Pods, worst deviation ${worst.toFixed(2)}`;
    },
  },
]);
