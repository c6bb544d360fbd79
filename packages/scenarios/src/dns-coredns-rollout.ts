import { defineScenario, deployment, kubeDnsObjects, nodes, pod, type ScenarioInput, service } from "@svcsim/core";

/**
 * DNS during a rolling restart of CoreDNS. Three app Pods, one per node, call
 * the `web` Service by name 20 times a second each, with a new connection —
 * and so a new lookup — per request. CoreDNS runs as kubeadm installs it:
 * 2 replicas behind the kube-dns ClusterIP, a rolling update with
 * maxUnavailable 1, and `health { lameduck 5s }`. At 20 s the coredns
 * Deployment is rolled out (`kubectl rollout restart`).
 *
 * Each old CoreDNS Pod gets SIGTERM and its endpoint turns not-ready at once;
 * but every node's kube-proxy takes until its next sync to drop it from the
 * kube-dns rules, and until then new queries are still DNATed to it. With
 * lameduck, CoreDNS keeps answering for 5 s after SIGTERM, which covers the
 * sync: the terminating Pods answer the stragglers and no lookup fails. The
 * `noLameduck` variant (a Corefile without it: CoreDNS stops at SIGTERM)
 * turns the same window into ICMP port unreachable: lookups fail with
 * ECONNREFUSED. (Each node's sync drops the stopped Pod before the Pod is
 * deleted, so no query meets a deleted Pod's address and times out.)
 */
const scenario = (lameduck: string, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: lameduck === "0s" ? "dns-coredns-rollout-no-lameduck" : "dns-coredns-rollout",
  description:
    lameduck === "0s"
      ? "CoreDNS without lameduck stops at SIGTERM: queries balanced to it before the next sync fail."
      : "CoreDNS's 5 s lameduck covers kube-proxy's sync: lookups sail through a rolling restart.",
  seed: 1,
  duration: "45s",
  cluster: {
    nodes: nodes(3),
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    ...kubeDnsObjects({ replicas: 2 }),
    ...["a", "b", "c"].map((n) => pod(`app-${n}`, { node: `node-${n}`, labels: { app: "app" } })),
    deployment("web", { replicas: 2, container: "http", port: 8080, portName: "http" }),
    service("web", { ports: [{ name: "http", port: 80, targetPort: "http" }] }),
  ],
  dns: { lameduck },
  workload: {
    servers: [{ selector: { app: "web" }, port: 8080, serviceTime: "2ms" }],
    clients: ["a", "b", "c"].map((n) => ({
      kind: "http1" as const,
      name: `app-${n}`,
      from: `app-${n}`,
      to: { name: "web", port: 80 },
      agent: { preset: "node-agent" as const, keepAlive: false },
      load: { type: "open" as const, rate: 20 },
      start: "5s",
      timeout: "15s",
    })),
  },
  timeline: [{ at: "20s", action: "rollout", deployment: "coredns", namespace: "kube-system" }],
  expect,
});

/** The CoreDNS Pods that got SIGTERM, and the queries each answered after it. */
export function terminatingQueries(result: unknown): number[] {
  const servers = (result as { metrics: { dns: { servers: Record<string, { queriesTerminating: number }> } } }).metrics
    .dns.servers;
  return Object.values(servers)
    .map((s) => s.queriesTerminating)
    .filter((n) => n > 0);
}

export default defineScenario(
  scenario("5s", [
    { name: "no lookup fails", metric: "dns.failed", value: 0 },
    { name: "no request fails", metric: "requests.failed", value: 0 },
    { name: "no lookup waits for a resolver timeout", metric: "dns.latencyNs.max", op: "<", value: 1e9 },
    {
      name: "both old CoreDNS Pods answered queries after SIGTERM (kube-proxy had not synced yet)",
      check: (result) =>
        terminatingQueries(result).length === 2 || `terminating answers: ${terminatingQueries(result)}`,
    },
  ]),
);

/** CoreDNS without `lameduck`: it stops listening at SIGTERM. */
export const noLameduck = scenario("0s", [
  { name: "lookups fail during the rollout", metric: "dns.failed", op: ">", value: 0 },
]);
