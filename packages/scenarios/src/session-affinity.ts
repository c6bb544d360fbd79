import { defineScenario, deployment, nodes, pod, service } from "@svcsim/core";

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
    nodes: nodes(2),
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    pod("client", { node: "node-a", container: "curl" }),
    deployment("web", { replicas: 3, container: "http", port: 8080 }),
    service("web", { sessionAffinity: "ClientIP", ports: [{ port: 80, targetPort: 8080 }] }),
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
