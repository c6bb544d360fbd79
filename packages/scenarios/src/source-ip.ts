import { defineScenario, nodes, pod, type ScenarioInput, service } from "@svcsim/core";

/**
 * Which client address a Pod's application sees behind a cloud load
 * balancer: the same two external users, alice (203.0.113.10) and bob
 * (203.0.113.20), 12 connections each from 35 s, to a `web` Service with one
 * Pod on each of two nodes; four ways of wiring the edge.
 *
 * - `cluster` (default): NLB instance targets, externalTrafficPolicy Cluster.
 *   The balancer keeps the client's address, but the node that receives a
 *   flow masquerades it (KUBE-EXT → KUBE-MARK-MASQ, then MASQUERADE in
 *   KUBE-POSTROUTING) so the reply of a flow sent to the other node's Pod
 *   comes back through it. Every one of the 24 requests arrives from a node
 *   address, 192.168.0.10 or .11; no Pod sees 203.0.113.x.
 * - `local`: externalTrafficPolicy Local. No masquerade, no second hop: the
 *   Pods see 203.0.113.10 ×12 and 203.0.113.20 ×12, all 24 between them.
 * - `lbProxy`: NLB IP targets with client IP preservation off (the target
 *   group default for IP targets over TCP, which the AWS Load Balancer
 *   Controller uses): the balancer connects to the Pod from its own address,
 *   so all 24 requests come from 198.51.100.1.
 * - `proxyProtocol`: the same, with a PROXY protocol v2 header
 *   (`aws-load-balancer-proxy-protocol: "*"`) and a server that reads it
 *   (nginx `listen … proxy_protocol`). The TCP peer is still 198.51.100.1 —
 *   every SYN that reaches a node comes from it — but the application takes
 *   the client from the header: 203.0.113.10 ×12 and 203.0.113.20 ×12 again.
 */
type Variant = "cluster" | "local" | "lbProxy" | "proxyProtocol";

const ALICE = "203.0.113.10";
const BOB = "203.0.113.20";
/** The balancer's own address: the first of its frontend pool, 198.51.100.0/24. */
const BALANCER = "198.51.100.1";
const EACH = 12;

const DESCRIPTIONS: Record<Variant, string> = {
  cluster: "externalTrafficPolicy Cluster: the Pods see node addresses (SNAT).",
  local: "externalTrafficPolicy Local: the Pods see the clients' addresses.",
  lbProxy: "NLB IP targets without client IP preservation: the Pods see the balancer's address.",
  proxyProtocol: "NLB IP targets with PROXY protocol v2: the peer is the balancer, the header names the client.",
};

const scenario = (variant: Variant, expect: ScenarioInput["expect"]): ScenarioInput => {
  const proxied = variant === "lbProxy" || variant === "proxyProtocol";
  const user = (name: string) => ({
    name,
    from: { external: name },
    to: { service: "web", port: 80, via: "load-balancer" as const },
    requests: EACH,
    interval: "100ms",
    start: "35s",
  });
  return {
    name: variant === "cluster" ? "source-ip" : `source-ip-${variant}`,
    description: DESCRIPTIONS[variant],
    seed: 1,
    duration: "40s",
    cluster: {
      nodes: nodes(2),
      proxy: { mode: "iptables" },
      clusterCIDR: "10.244.0.0/16",
      loadBalancer: proxied
        ? { provider: "aws-nlb", mode: "ip", clientIp: "proxy", proxyProtocol: variant === "proxyProtocol" }
        : { provider: "aws-nlb-in-tree" },
      external: {
        hosts: [
          { name: "alice", ip: ALICE },
          { name: "bob", ip: BOB },
        ],
      },
    },
    objects: [
      pod("web-a", { node: "node-a", labels: { app: "web" }, container: "web", port: 8080 }),
      pod("web-b", { node: "node-b", labels: { app: "web" }, container: "web", port: 8080 }),
      service("web", {
        type: "LoadBalancer",
        externalTrafficPolicy: variant === "local" ? "Local" : "Cluster",
        ports: [{ port: 80, targetPort: 8080 }],
      }),
    ],
    workload: {
      servers: [{ selector: { app: "web" }, port: 8080, proxyProtocol: variant === "proxyProtocol" }],
      clients: [user("alice"), user("bob")],
    },
    expect,
  };
};

type Pods = Record<string, { sources?: Record<string, number> }>;

/** Requests by the client address the applications saw, summed over the Pods. */
export function seenSources(r: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of Object.values((r as { metrics: { pods: Pods } }).metrics.pods)) {
    for (const [ip, n] of Object.entries(p.sources ?? {})) out[ip] = (out[ip] ?? 0) + n;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The applications saw exactly `want` (address → requests). */
const sourcesAre = (want: Record<string, number>) => (r: unknown) => {
  const got = JSON.stringify(seenSources(r));
  return got === JSON.stringify(want) || `saw ${got}`;
};

interface Rec {
  source?: string;
  local?: string;
}
/** Requests whose application saw exactly the client's own `ip:port` (its socket's local address). */
const exactClient = (r: unknown) => {
  const recs = (r as { workload: { records: Rec[] } }).workload.records;
  const off = recs.filter((x) => x.source === undefined || x.source !== x.local);
  return off.length === 0 || `${off.length} requests saw another address, e.g. ${off[0]?.source} for ${off[0]?.local}`;
};

const everyRequestOk = { name: "every request succeeds", metric: "requests.ok", value: 2 * EACH } as const;

export default defineScenario(
  scenario("cluster", [
    everyRequestOk,
    {
      name: "the Pods see only node addresses (192.168.0.x), never a client's",
      check: (r) => {
        const ips = Object.keys(seenSources(r));
        return (ips.length > 0 && ips.every((ip) => ip.startsWith("192.168.0."))) || `saw ${ips.join(", ")}`;
      },
    },
  ]),
);

/** externalTrafficPolicy Local: the clients' own addresses. */
export const local = scenario("local", [
  everyRequestOk,
  { name: "the Pods see alice ×12 and bob ×12", check: sourcesAre({ [ALICE]: EACH, [BOB]: EACH }) },
  { name: "each request's application saw its client's exact ip:port", check: exactClient },
]);

/** IP targets, client IP not preserved, no PROXY protocol: the balancer's address. */
export const lbProxy = scenario("lbProxy", [
  everyRequestOk,
  { name: "the Pods see the balancer's address for all 24", check: sourcesAre({ [BALANCER]: 2 * EACH }) },
]);

/** The same with PROXY protocol v2: the header's client, while the TCP peer is the balancer. */
export const proxyProtocol = scenario("proxyProtocol", [
  everyRequestOk,
  { name: "the Pods see alice ×12 and bob ×12", check: sourcesAre({ [ALICE]: EACH, [BOB]: EACH }) },
  { name: "each request's application saw its client's exact ip:port", check: exactClient },
]);
