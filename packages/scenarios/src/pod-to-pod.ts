import { defineScenario } from "@svcsim/core";

/**
 * Pod to Pod across two nodes, through the routed CNI and no Service: the
 * baseline every Service path is compared with. A client Pod on node-a opens
 * ten TCP connections, one per second, to a server Pod on node-b and sends one
 * request on each.
 */
export default defineScenario({
  name: "pod-to-pod",
  description: "A client Pod on node-a talks to a server Pod on node-b through the routed CNI.",
  seed: 1,
  duration: "12s",
  cluster: {
    nodes: [
      { name: "node-a", ip: "192.168.0.10", podCIDR: "10.244.1.0/24", zone: "zone-a" },
      { name: "node-b", ip: "192.168.0.11", podCIDR: "10.244.2.0/24", zone: "zone-a" },
    ],
    network: { nodeLatency: "100us", podLatency: "5us" },
  },
  objects: [
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "client", labels: { app: "client" } },
      spec: { nodeName: "node-a", containers: [{ name: "curl", image: "curlimages/curl" }] },
    },
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "server", labels: { app: "server" } },
      spec: {
        nodeName: "node-b",
        containers: [{ name: "http", image: "nginx", ports: [{ name: "http", containerPort: 8080 }] }],
      },
    },
  ],
  workload: {
    servers: [{ selector: { app: "server" }, port: 8080, responseBytes: 1024, serviceTime: "2ms" }],
    clients: [
      {
        name: "curl",
        from: "client",
        to: { pod: "server", port: 8080 },
        requests: 10,
        interval: "1s",
        start: "1500ms",
        requestBytes: 200,
      },
    ],
  },
  expect: [
    { name: "every request succeeds", metric: "requests.ok", op: "==", value: 10 },
    { name: "no packet is dropped", metric: "drops.total", op: "==", value: 0 },
    { name: "the server Pod serves all ten", metric: "pods.server.requests", op: "==", value: 10 },
  ],
});
