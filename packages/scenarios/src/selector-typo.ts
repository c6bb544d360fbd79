import { defineScenario } from "@svcsim/core";

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
        replicas: 2,
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
      spec: { selector: { app: "wbe" }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  ],
  timeline: [
    {
      at: "6s",
      action: "apply",
      objects: [
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "web" },
          spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
        },
      ],
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
