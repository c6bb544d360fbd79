import { defineScenario, deployment, nodes, pod, service } from "@svcsim/core";

/**
 * A targetPort mistake: the `web` Service sends to `targetPort: 8081`, while
 * the application listens on 8080. Everything the control plane shows looks
 * healthy — the readiness probe checks 8080, where the application answers,
 * so every endpoint is ready, and kube-proxy DNATs to podIP:8081 as told.
 * But nothing listens on 8081 in the Pods: each SYN is answered with a RST by
 * the Pod's own kernel, and the client's connect() fails with ECONNREFUSED.
 */
export default defineScenario({
  name: "targetport-mismatch",
  description: "targetPort 8081, app on 8080: every connection is refused by the Pod while the endpoints look ready.",
  seed: 1,
  duration: "15s",
  cluster: {
    nodes: nodes(2),
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    pod("client", { node: "node-a", container: "curl" }),
    deployment("web", {
      replicas: 3,
      container: "http",
      port: 8080,
      portName: "http",
      readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 1 },
    }),
    // The mistake: the app listens on 8080.
    service("web", { ports: [{ port: 80, targetPort: 8081 }] }),
  ],
  workload: {
    servers: [{ selector: { app: "web" }, port: 8080 }],
    clients: [
      { name: "curl", from: "client", to: { service: "web", port: 80 }, requests: 20, interval: "500ms", start: "4s" },
    ],
  },
  expect: [
    { name: "every request is refused", metric: "requests.errors.refused", value: 20 },
    { name: "no request succeeds", metric: "requests.ok", value: 0 },
    {
      name: "no Pod serves a request",
      check: (result) => {
        const pods = (result as { metrics: { pods: Record<string, { requests: number }> } }).metrics.pods;
        const served = Object.values(pods).reduce((sum, p) => sum + p.requests, 0);
        return served === 0 || `${served} requests served`;
      },
    },
    {
      name: "the endpoints look healthy: three, all ready, on port 8081",
      check: (result) => {
        type Slice = { ports: { port: number }[]; endpoints: { conditions: { ready: boolean } }[] };
        const slices = (result as { cluster: { store: { list(kind: string): Slice[] } } }).cluster.store.list(
          "EndpointSlice",
        );
        const endpoints = slices.flatMap((s) => s.endpoints);
        const ports = slices.flatMap((s) => s.ports.map((p) => p.port));
        const ready = endpoints.filter((e) => e.conditions.ready).length;
        return (
          (endpoints.length === 3 && ready === 3 && ports.every((p) => p === 8081)) ||
          `${ready}/${endpoints.length} ready, ports ${ports.join(",")}`
        );
      },
    },
  ],
});
