import { defineScenario, type ScenarioInput } from "@svcsim/core";

/**
 * `internalTrafficPolicy: Local` with no local endpoint. The `metrics-agent`
 * Service is meant to reach "the agent on my node", but its only Pod runs on
 * node-b. A client on node-b is served by it; a client on node-a, whose node
 * has no endpoint, is not: kube-proxy does not fall back to remote
 * endpoints for internal traffic. Its filter table has
 *
 *   -A KUBE-SERVICES -d <clusterIP> -p tcp --dport 8080
 *      -m comment --comment "default/metrics-agent:http has no local endpoints" -j DROP
 *
 * so node-a's SYNs are dropped (reason `no-local-endpoints`) and its client
 * times out; unlike a Service with no endpoints at all (REJECT, connection
 * refused at once), nothing answers.
 *
 * `cluster` is the same Service with the default policy: both clients are
 * served, node-a's across the fabric.
 */
// why: pkg/proxy/iptables/proxier.go — when the Service has endpoints but none for
// internal traffic (CategorizeEndpoints with internalTrafficPolicy Local finds no local
// ready endpoint), internalTrafficFilterTarget is "DROP" with the comment
// "<svc> has no local endpoints", written into the filter table's KUBE-SERVICES.
const scenario = (policy: "Local" | "Cluster", expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: policy === "Local" ? "internal-traffic-policy-local" : "internal-traffic-policy-cluster",
  description:
    policy === "Local"
      ? "internalTrafficPolicy Local: the client on a node without an endpoint is dropped; the other is served."
      : "internalTrafficPolicy Cluster: both clients are served.",
  seed: 1,
  duration: "10s",
  cluster: {
    nodes: [
      { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
      { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
    ],
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    ...["a", "b"].map((n) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `app-${n}`, labels: { app: "app" } },
      spec: { nodeName: `node-${n}`, containers: [{ name: "app" }] },
    })),
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "agent-b", labels: { app: "metrics-agent" } },
      spec: { nodeName: "node-b", containers: [{ name: "agent", ports: [{ name: "http", containerPort: 8080 }] }] },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "metrics-agent" },
      spec: {
        selector: { app: "metrics-agent" },
        internalTrafficPolicy: policy,
        ports: [{ name: "http", port: 8080, targetPort: "http" }],
      },
    },
  ],
  workload: {
    servers: [{ selector: { app: "metrics-agent" }, port: 8080, serviceTime: "1ms" }],
    clients: ["a", "b"].map((n) => ({
      name: `on-${n}`,
      from: `app-${n}`,
      to: { service: "metrics-agent", port: 8080 },
      requests: 10,
      interval: "500ms",
      start: "3s",
      timeout: "2s",
      connectTimeout: "1s",
    })),
  },
  expect,
});

// Each node-a request sends its SYN at t and retransmits it 1 s later (the first RTO);
// the connect timeout ends it at t + 1 s, just as the retransmission is sent: 2 SYNs
// dropped per request, 20 in all.
export default defineScenario(
  scenario("Local", [
    { name: "the client on node-b is served by its local agent", metric: "clients.on-b.ok", value: 10 },
    { name: "the client on node-a gets nothing", metric: "clients.on-a.ok", value: 0 },
    { name: "node-a's requests time out (DROP answers nothing)", metric: "requests.errors.connect-timeout", value: 10 },
    { name: "kube-proxy's no-local-endpoints DROP is the only drop", metric: "drops.total", value: 20 },
    { name: "dropped as no-local-endpoints", metric: "drops.no-local-endpoints", value: 20 },
  ]),
);

/** The default policy: node-a's client reaches the agent on node-b. */
export const cluster = scenario("Cluster", [
  { name: "both clients are served", metric: "requests.ok", value: 20 },
  { name: "nothing is dropped", metric: "drops.total", value: 0 },
]);
