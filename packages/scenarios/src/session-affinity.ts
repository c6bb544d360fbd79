import { defineScenario } from "@svcsim/core";

/**
 * ClientIP session affinity in iptables mode. kube-proxy adds `-m recent`
 * rules: the first connection from a client IP records it in the chosen
 * endpoint's list (`--set`), and every later connection within
 * `timeoutSeconds` (default 10800) finds it there (`--rcheck --seconds`) and
 * goes to the same Pod — all twenty requests to one of the three Pods.
 */
export default defineScenario({
  name: "session-affinity",
  description: "ClientIP affinity: every connection from one client goes to the same Pod.",
  seed: 1,
  duration: "30s",
  cluster: {
    nodes: [
      { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24" },
      { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24" },
    ],
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "client" },
      spec: { nodeName: "node-a", containers: [{ name: "curl" }] },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "http", ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { app: "web" }, sessionAffinity: "ClientIP", ports: [{ port: 80, targetPort: 8080 }] },
    },
  ],
  workload: {
    servers: [{ selector: { app: "web" }, port: 8080 }],
    clients: [
      { name: "curl", from: "client", to: { service: "web", port: 80 }, requests: 20, interval: "1s", start: "4s" },
    ],
  },
  expect: [
    { name: "every request succeeds", metric: "requests.ok", op: "==", value: 20 },
    {
      name: "one Pod serves every request",
      check: (result) => {
        const pods = (result as { metrics: { pods: Record<string, { requests: number }> } }).metrics.pods;
        const busy = Object.entries(pods).filter(([, p]) => p.requests > 0);
        return busy.length === 1 && busy[0]?.[1].requests === 20
          ? true
          : `requests spread over ${busy.map(([n, p]) => `${n}=${p.requests}`).join(", ")}`;
      },
    },
  ],
});
