import { defineScenario, type ScenarioInput } from "@svcsim/core";

/**
 * kube-proxy dead on one node while its endpoints move. Three nodes; the
 * `web` Deployment (3 Pods, spread by the scheduler) is restarted at 10 s.
 * kube-proxy on node-a is killed at 5 s and restarted at 40 s.
 *
 * A dead kube-proxy removes nothing: the rules it last wrote stay in
 * node-a's kernel. They go on DNATing new connections to the three original
 * Pods while the rollout replaces them. Once an old Pod is gone its address
 * falls into its node's podCIDR blackhole route, which drops silently (no
 * ICMP): node-a's clients see their SYNs vanish and time out — not RSTs.
 * Clients on node-b follow the rollout through their own kube-proxy and
 * never fail. At 40 s node-a's kube-proxy LISTs, fully resyncs, and its
 * clients recover.
 *
 * `alive` is the same run without the kill: nobody fails.
 */
const KILL_AT = 5e9;
const RESTART_AT = 40e9;

const clientPod = (name: string, node: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels: { app: "client" } },
  spec: { nodeName: node, containers: [{ name: "app" }] },
});

const client = (name: string, from: string) => ({
  name,
  from,
  to: { service: "web", port: 80 },
  requests: 230,
  interval: "200ms",
  start: "3s",
  timeout: "2s",
  connectTimeout: "1s",
});

interface Rec {
  client: string;
  start: number;
  error?: string;
}

/** Failed requests of `client` that started in [from, to). */
export function failures(result: unknown, name: string, from = 0, to = Number.POSITIVE_INFINITY): Rec[] {
  const records = (result as { workload: { records: Rec[] } }).workload.records;
  return records.filter((r) => r.client === name && r.error !== undefined && r.start >= from && r.start < to);
}

const scenario = (kill: boolean, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: kill ? "kube-proxy-dead-node" : "kube-proxy-dead-node-alive",
  description: kill
    ? "kube-proxy killed on node-a during a rollout: node-a's frozen rules send new connections to deleted Pods."
    : "The same rollout with every kube-proxy running: nobody fails.",
  seed: 1,
  duration: "50s",
  cluster: {
    nodes: [
      { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
      { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
      { name: "node-c", ip: "192.168.0.12", podCIDR: "10.244.3.0/24" },
    ],
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    clientPod("client-a", "node-a"),
    clientPod("client-b", "node-b"),
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            // A preStop sleep, the usual cure for the refusals of a rolling update: the
            // Pod keeps listening while kube-proxies that are alive drop it from their rules.
            containers: [
              {
                name: "http",
                ports: [{ name: "http", containerPort: 8080 }],
                lifecycle: { preStop: { sleep: { seconds: 5 } } },
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
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    },
  ],
  workload: {
    servers: [{ selector: { app: "web" }, port: 8080, serviceTime: "1ms" }],
    clients: [client("on-a", "client-a"), client("on-b", "client-b")],
  },
  timeline: [
    ...(kill ? [{ at: KILL_AT, action: "kill-proxy" as const, node: "node-a" }] : []),
    { at: "10s", action: "rollout", deployment: "web" },
    ...(kill ? [{ at: RESTART_AT, action: "restart-proxy" as const, node: "node-a" }] : []),
  ],
  expect,
});

// The rollout (maxSurge 1, maxUnavailable 0 by default for 3 replicas: 25% rounded)
// deletes the old Pods at 11, 12 and 13 s; each keeps serving through its 5 s preStop,
// then exits and is torn down 100 ms later: gone at 16.1, 17.1 and 18.1 s. From 18.1 s
// every rule node-a still has points at a blackholed address. Requests start every
// 200 ms from 3 s, so those starting at 18.2 … 40.0 s — 110 of them — all time out
// (the one at 40.0 s sends its SYN before the 40.05 s resync). A refusal needs a
// request to reach an old Pod in the 100 ms between its exit and its teardown: at most
// one per old Pod, since requests come every 200 ms.
const BLACKHOLE_FROM = 18.1e9;
const RESYNC_AT = RESTART_AT + 50e6;

export default defineScenario(
  scenario(true, [
    { name: "clients on node-b never fail", metric: "clients.on-b.failed", value: 0 },
    {
      name: "every node-a request between the last old Pod's removal and the resync times out",
      check: (r) => {
        const failed = failures(r, "on-a", BLACKHOLE_FROM, RESYNC_AT);
        const timeouts = failed.filter((f) => f.error === "connect-timeout").length;
        return timeouts === 110 || `${timeouts} timeouts of ${failed.length} failures`;
      },
    },
    {
      name: "refusals are rare: a stale rule must hit an old Pod between its exit and its teardown",
      check: (r) => {
        const refused = failures(r, "on-a").filter((f) => f.error === "refused").length;
        return refused <= 3 || `${refused} refused`;
      },
    },
    {
      name: "nothing fails before the rollout or after the restart's sync",
      check: (r) => {
        const early = failures(r, "on-a", 0, 10e9).length;
        const late = failures(r, "on-a", RESYNC_AT).length;
        return (early === 0 && late === 0) || `${early} before 10 s, ${late} after the resync`;
      },
    },
  ]),
);

/** The same rollout with kube-proxy alive everywhere. */
export const alive = scenario(false, [
  { name: "clients on node-a never fail", metric: "clients.on-a.failed", value: 0 },
  { name: "clients on node-b never fail", metric: "clients.on-b.failed", value: 0 },
]);
