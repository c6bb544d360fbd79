import { defineScenario, deployment, nodes, pod, service } from "@svcsim/core";

/**
 * A selector typo: the `web` Service selects `app: wbe`, so the EndpointSlice
 * controller finds no Pods and the Service has no endpoints while the web Pods
 * run happily. kube-proxy writes a filter-table REJECT for the ClusterIP
 * ("has no endpoints"), so each SYN is answered with ICMP port unreachable
 * and the client sees "connection refused" at once, not a timeout. At 6s the
 * selector is fixed and the next sync (within minSyncPeriod) restores service.
 */
export default defineScenario({
  name: "selector-typo",
  description: "A Service whose selector matches no Pod: REJECT, then connection refused, until the selector is fixed.",
  seed: 1,
  duration: "12s",
  cluster: {
    nodes: nodes(2),
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    pod("client", { node: "node-a", container: "curl" }),
    deployment("web", { replicas: 2, container: "http", port: 8080 }),
    service("web", { selector: { app: "wbe" }, ports: [{ port: 80, targetPort: 8080 }] }),
  ],
  timeline: [
    {
      at: "6s",
      action: "apply",
      objects: [service("web", { ports: [{ port: 80, targetPort: 8080 }] })],
    },
  ],
  workload: {
    servers: [{ selector: { app: "web" }, port: 8080 }],
    clients: [
      { name: "curl", from: "client", to: { service: "web", port: 80 }, requests: 10, interval: "1s", start: "2s" },
    ],
  },
  expect: [
    {
      name: "requests before the fix are refused (ICMP port unreachable)",
      metric: "requests.errors.refused",
      op: "==",
      value: 5,
    },
    { name: "requests after the fix succeed", metric: "requests.ok", op: "==", value: 5 },
    {
      name: "the SYNs are rejected by kube-proxy's no-endpoints rule",
      metric: "drops.no-endpoints",
      op: "==",
      value: 5,
    },
  ],
});
