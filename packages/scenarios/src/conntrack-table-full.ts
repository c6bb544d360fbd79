import { defineScenario, type ScenarioInput } from "@svcsim/core";

/**
 * A full conntrack table on one node. node-a's `nf_conntrack_max` is 100 —
 * a tiny stand-in for the 131072 kube-proxy sets, so that the run is short;
 * the mechanism does not depend on the size. At 1.5 s `steady` opens one
 * keep-alive connection from node-a to the `api` Service; at 2 s a
 * connection-pooling application on node-a (`pooler`) opens 99 more and
 * keeps them busy. Each is an ESTABLISHED, ASSURED entry, which the kernel's
 * early drop may not evict (only unassured or closing ones): the table is
 * full with connections that are all in use.
 *
 * From then on every packet that would create a new entry on node-a is
 * dropped before any rule sees it — the kernel logs
 * `nf_conntrack: table full, dropping packet` — so:
 *
 * - new connections from node-a (`fresh-a`, and the pooler's last 20) time
 *   out: their SYNs die as `conntrack-full`;
 * - the connection `steady` opened at 1 s keeps working: its packets match
 *   an existing entry and need no new one;
 * - node-b is not affected: `fresh-b` is served throughout.
 *
 * `roomy` is the same run with the default table (131072): nothing drops.
 */
const MAX = 100;

const pod = (name: string, node: string, labels: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels },
  spec: { nodeName: node, containers: [{ name: "app", ports: [{ name: "http", containerPort: 8080 }] }] },
});

const perRequest = (name: string, from: string) => ({
  name,
  from,
  to: { service: "api", port: 80 },
  requests: 20,
  interval: "250ms",
  start: "4s",
  timeout: "2s",
  connectTimeout: "1s",
});

const scenario = (full: boolean, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: full ? "conntrack-table-full" : "conntrack-table-roomy",
  description: full
    ? "node-a's conntrack table fills: its new flows drop, its established flow continues, node-b is fine."
    : "The same traffic with the default table size: nothing drops.",
  seed: 1,
  duration: "12s",
  cluster: {
    nodes: [
      { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24", ...(full ? { conntrackMax: MAX } : {}) },
      { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
      { name: "node-c", ip: "192.168.0.12", podCIDR: "10.244.3.0/24" },
    ],
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    pod("pooler", "node-a", { app: "pooler" }),
    pod("app-a", "node-a", { app: "client" }),
    pod("app-b", "node-b", { app: "client" }),
    pod("api-c1", "node-c", { app: "api" }),
    pod("api-c2", "node-c", { app: "api" }),
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api" },
      spec: { selector: { app: "api" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    },
  ],
  workload: {
    servers: [{ selector: { app: "api" }, port: 8080, serviceTime: "1ms" }],
    clients: [
      {
        kind: "http1",
        name: "steady",
        from: "app-a",
        to: { service: "api", port: 80 },
        agent: { maxSocketsPerHost: 1 },
        load: { type: "interval", interval: "250ms", requests: 42 },
        start: "1500ms",
      },
      {
        kind: "http1",
        name: "pooler",
        from: "pooler",
        to: { service: "api", port: 80 },
        agent: { maxIdlePerHost: 200, connectTimeout: "1s" },
        load: { type: "closed", concurrency: 99, think: "100ms" },
        start: "2s",
        timeout: "2s",
      },
      perRequest("fresh-a", "app-a"),
      perRequest("fresh-b", "app-b"),
    ],
  },
  expect,
});

export default defineScenario(
  scenario(true, [
    { name: "node-a's table holds exactly nf_conntrack_max entries", metric: "conntrack.nodes.node-a.max", value: MAX },
    { name: "new connections from node-a all time out", metric: "clients.fresh-a.ok", value: 0 },
    { name: "the established connection keeps working", metric: "clients.steady.failed", value: 0 },
    { name: "node-b's new connections are all served", metric: "clients.fresh-b.ok", value: 20 },
    // 20 requests × 2 SYNs (the first and its retransmission 1 s later, when the 1 s
    // connect timeout also fires): 40 drops, every one on node-a's full table.
    { name: "each of fresh-a's SYNs dies as conntrack-full", metric: "drops.conntrack-full", value: 40 },
    { name: "and nothing else is dropped", metric: "drops.total", value: 40 },
  ]),
);

/** The default table: room for everything. */
export const roomy = scenario(false, [
  { name: "nothing is dropped", metric: "drops.total", value: 0 },
  { name: "new connections from node-a are served", metric: "clients.fresh-a.ok", value: 20 },
]);
