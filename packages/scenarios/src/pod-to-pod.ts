import { defineScenario, nodes, pod } from "@svcsim/core";

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
    nodes: nodes(2, { zones: ["zone-a"] }),
    network: { nodeLatency: "100us", podLatency: "5us" },
  },
  objects: [
    pod("client", { node: "node-a", labels: { app: "client" }, container: "curl", image: "curlimages/curl" }),
    pod("server", {
      node: "node-b",
      labels: { app: "server" },
      container: "http",
      image: "nginx",
      port: 8080,
      portName: "http",
    }),
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
