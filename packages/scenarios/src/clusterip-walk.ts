import { defineScenario, deployment, nodes, pod, service } from "@svcsim/core";

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
    nodes: nodes(3, { zones: ["zone-a"] }),
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    pod("client", { node: "node-a", labels: { app: "client" }, container: "curl" }),
    deployment("web", { replicas: 2, container: "http", port: 8080, portName: "http" }),
    service("web", { ports: [{ name: "http", port: 80, targetPort: "http" }] }),
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
