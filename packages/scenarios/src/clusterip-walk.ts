import { defineScenario } from "@svcsim/core";

/**
 * A ClusterIP packet walk in kube-proxy's iptables mode. A client Pod on
 * node-a connects to the `web` Service's ClusterIP; node-a's nat PREROUTING
 * sends the SYN through KUBE-SERVICES → KUBE-SVC-… → KUBE-SEP-… and DNATs it
 * to one of the two web Pods, which the scheduler spreads to node-b and
 * node-c; conntrack un-NATs the replies so that the client only ever sees
 * the ClusterIP.
 */
export default defineScenario({
  name: "clusterip-walk",
  description: "Client Pod → ClusterIP → DNAT on the client's node → remote Pod → reply un-NATed by conntrack.",
  seed: 1,
  duration: "12s",
  cluster: {
    nodes: [
      { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24", zone: "zone-a" },
      { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24", zone: "zone-a" },
      { name: "node-c", ip: "192.168.0.12", podCIDR: "10.244.3.0/24", zone: "zone-a" },
    ],
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "client", labels: { app: "client" } },
      spec: { nodeName: "node-a", containers: [{ name: "curl" }] },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [{ name: "http", ports: [{ name: "http", containerPort: 8080 }] }],
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
    clients: [
      { name: "curl", from: "client", to: { service: "web", port: 80 }, requests: 10, interval: "500ms", start: "4s" },
    ],
  },
  expect: [
    { name: "every request succeeds through the ClusterIP", metric: "requests.ok", op: "==", value: 10 },
    { name: "nothing is dropped", metric: "drops.total", op: "==", value: 0 },
  ],
});
