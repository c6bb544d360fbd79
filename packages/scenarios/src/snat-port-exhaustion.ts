import { defineScenario, type ScenarioInput } from "@svcsim/core";

/**
 * SNAT port exhaustion. kube-proxy runs with `--masquerade-all`, so every
 * Service connection leaving node-a is MASQUERADEd to node-a's IP with
 * `--random-fully`. Eight batch Pods on node-a each open a new connection to
 * the `db` Service every 2 ms (4000/s in all) from 2 s on; `db` has one Pod,
 * on node-b.
 *
 * After DNAT and SNAT each connection's reply tuple is
 * `10.244.2.2:5432 → 192.168.0.10:<port>`: only the NAT port varies, and
 * MASQUERADE without `--to-ports` picks it in 1024–65535 — 64512 ports per
 * destination. A closed connection keeps its conntrack entry (and so its
 * port) for nf_conntrack_tcp_timeout_time_wait, 120 s: longer than this run.
 * At 4000 connections/s the range is used up about 16 s in. Before it is
 * quite full, `--random-fully`'s bounded search (128 probes from a random
 * offset, then halving rounds down to 16) starts to miss the few free ports:
 * SYNs die in nat POSTROUTING as `snat-ports-exhausted` and the clients time
 * out. Each Pod's own ephemeral range (32768–60999) is not the limit: 8500
 * connections per Pod leave it mostly free.
 *
 * `twoEndpoints` runs the same load against two `db` Pods: each destination
 * has its own 64512 ports, about 34000 connections go to each, and nothing
 * is dropped.
 */
// why: net/netfilter/nf_nat_core.c get_unique_tuple → nf_nat_l4proto_unique_tuple
// (range 1024–65535 for a source port ≥ 1024 without --to-ports; with
// NF_NAT_RANGE_PROTO_RANDOM_FULLY the search starts at get_random_u16()); a port is
// taken while a conntrack entry's reply tuple holds it (nf_nat_used_tuple).
const PODS = 8;
const PORTS = 65535 - 1024 + 1;

const pod = (name: string, node: string, app: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels: { app } },
  spec: { nodeName: node, containers: [{ name: app }] },
});

const scenario = (endpoints: 1 | 2, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: endpoints === 1 ? "snat-port-exhaustion" : "snat-port-exhaustion-two-endpoints",
  description:
    endpoints === 1
      ? "68000 short connections from one node to one Pod through MASQUERADE: the 64512 NAT ports run out."
      : "The same load spread over two Pods: each destination has its own ports; nothing drops.",
  seed: 1,
  duration: "21s",
  cluster: {
    nodes: [
      { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
      { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
    ],
    proxy: { mode: "iptables", masqueradeAll: true },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    ...Array.from({ length: PODS }, (_, i) => pod(`batch-${i}`, "node-a", "batch")),
    ...Array.from({ length: endpoints }, (_, i) => pod(`db-${i}`, "node-b", "db")),
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "db" },
      spec: { selector: { app: "db" }, ports: [{ port: 5432, targetPort: 5432 }] },
    },
  ],
  workload: {
    servers: [{ selector: { app: "db" }, port: 5432, serviceTime: "0s" }],
    clients: Array.from({ length: PODS }, (_, i) => ({
      name: `batch-${i}`,
      from: `batch-${i}`,
      to: { service: "db", port: 5432 },
      requests: 8500,
      interval: "2ms",
      start: "2s",
      timeout: "2s",
      connectTimeout: "1s",
    })),
  },
  expect,
});

type Result = {
  metrics: { requests: { ok: number }; drops: Record<string, number> };
  trace: { type: string; t: number; reason?: string }[];
};

export default defineScenario(
  scenario(1, [
    { name: "node-a ends with every NAT port bound to an entry", metric: "conntrack.nodes.node-a.last", value: PORTS },
    { name: "SYNs die for want of a NAT port", metric: "drops.snat-ports-exhausted", op: ">", value: 1000 },
    {
      name: "every port served one connection: the ok ones, and those whose SYN-ACK came after the client gave up",
      // A SYN whose first try found no port may get one on its retransmission 1 s later,
      // just as the 1 s connect timeout closes the socket: its SYN-ACK meets no socket.
      check: (r) => {
        const { requests, drops } = (r as Result).metrics;
        const used = requests.ok + (drops["no-socket"] ?? 0);
        return used === PORTS || `${requests.ok} ok + ${drops["no-socket"]} late = ${used}`;
      },
    },
    {
      name: "the first drop comes before the range is full (random-fully's search is bounded)",
      // 4000 connections/s from 2 s: the 64512th would be at 2 s + 16.13 s.
      check: (r) => {
        const first = (r as Result).trace.find((e) => e.type === "pkt.drop" && e.reason === "snat-ports-exhausted");
        return (first !== undefined && first.t < 18.1e9) || `first drop at ${first?.t}`;
      },
    },
  ]),
);

/** Two destinations, two port ranges: no exhaustion. */
export const twoEndpoints = scenario(2, [
  { name: "nothing is dropped", metric: "drops.total", value: 0 },
  { name: "every request succeeds", metric: "requests.ok", value: PODS * 8500 },
]);
