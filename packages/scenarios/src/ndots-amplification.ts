import { defineScenario, kubeDnsObjects, nodes, pod, type ScenarioInput } from "@svcsim/core";

/**
 * `ndots:5` amplification for an external name. A Node.js app in the
 * `default` namespace calls `https://api.example.com` once a second through
 * an agent without keep-alive (Node's `http.globalAgent` before Node 19),
 * so every request dials, and every dial looks the name up.
 *
 * kubelet writes the Pod's resolv.conf with `search default.svc.cluster.local
 * svc.cluster.local cluster.local` and `options ndots:5`. `api.example.com`
 * has 2 dots, fewer than 5, so glibc tries the search list first: three
 * names that CoreDNS answers NXDOMAIN, then the name as given. getaddrinfo
 * asks for A and AAAA on each (AF_UNSPEC): 8 datagrams through the kube-dns
 * ClusterIP, 4 conntrack entries, per lookup. The trailing-dot variant
 * (`api.example.com.`, an absolute name) is sent as is: 2 datagrams.
 *
 * The name's upstream answer points at an egress proxy Pod so the requests
 * themselves succeed and only DNS differs.
 */
const EGRESS_IP = "10.244.2.100";

const scenario = (name: string, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: name.endsWith(".") ? "ndots-amplification-fqdn" : "ndots-amplification",
  description: name.endsWith(".")
    ? "An absolute name (trailing dot) is sent as is: 2 queries per lookup."
    : "An external name with fewer than 5 dots walks the search list first: 8 queries per lookup.",
  seed: 1,
  duration: "30s",
  cluster: {
    nodes: nodes(2),
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
  },
  objects: [
    ...kubeDnsObjects({ replicas: 2 }),
    pod("app", { node: "node-a", labels: { app: "app" }, container: "node" }),
    pod("egress", { node: "node-b", labels: { app: "egress" }, container: "proxy", port: 443, podIP: EGRESS_IP }),
  ],
  dns: { upstream: [{ name: "api.example.com", addresses: [EGRESS_IP] }] },
  workload: {
    servers: [{ selector: { app: "egress" }, port: 443, serviceTime: "5ms" }],
    clients: [
      {
        kind: "http1",
        name: "app",
        from: "app",
        to: { name, port: 443 },
        agent: { preset: "node-agent", keepAlive: false },
        load: { type: "interval", interval: "1s", requests: 20 },
        start: "5s",
      },
    ],
  },
  expect,
});

// why: glibc resolv/res_query.c __res_context_search — fewer than ndots dots: the search
// domains first, then the name as is; getaddrinfo(AF_UNSPEC) sends A and AAAA for each name.
// kubelet's search list for namespace `default` has three domains (pkg/kubelet/network/dns).
export default defineScenario(
  scenario("api.example.com", [
    { name: "every request succeeds", metric: "requests.ok", value: 20 },
    { name: "one lookup per request (a dial each)", metric: "dns.lookups", value: 20 },
    { name: "8 queries per lookup: 4 names × (A + AAAA)", metric: "dns.queriesPerLookup", value: 8 },
    { name: "160 datagrams to kube-dns in all", metric: "dns.queries", value: 160 },
  ]),
);

/** The same app with the absolute name `api.example.com.`. */
export const fqdn = scenario("api.example.com.", [
  { name: "every request succeeds", metric: "requests.ok", value: 20 },
  { name: "2 queries per lookup: the name as is, A + AAAA", metric: "dns.queriesPerLookup", value: 2 },
  { name: "40 datagrams to kube-dns in all", metric: "dns.queries", value: 40 },
]);
