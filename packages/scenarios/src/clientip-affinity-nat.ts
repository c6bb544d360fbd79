import { defineScenario, nodes, pod, type ScenarioInput, service } from "@svcsim/core";

/**
 * ClientIP session affinity behind a corporate NAT. 50 users each open 2
 * connections (at 35 s + i × 20 ms and one second later) to the `web`
 * Service: three Pods, one per node, `sessionAffinity: ClientIP`,
 * externalTrafficPolicy Cluster.
 *
 * kube-proxy's affinity is `-m recent` keyed on the packet's source address
 * (KUBE-SVC-…: `--rcheck --seconds 10800` per endpoint, `--set` in the
 * endpoint's KUBE-SEP chain), evaluated before MASQUERADE (POSTROUTING), so
 * the ingress node still sees the client's address even under Cluster. The
 * lists live in each node's kernel: affinity holds per node.
 *
 * - default: the 50 users sit behind one NAT address (`corp-1` … `corp-50`,
 *   all 203.0.113.1) and reach the Service through one node, node-a's
 *   NodePort (one entry point, as with a MetalLB L2 address or DNS naming one
 *   node). The first SYN picks a Pod with `-m statistic` and `--set`s the
 *   NAT's address in that Pod's list; every later SYN, from any user, matches
 *   `--rcheck`: one Pod serves all 100 requests, the other two none.
 * - `ownAddresses`: the same 50 users, each with its own address
 *   (203.0.113.1 … .50). Each user's first connection draws a Pod (⅓ each)
 *   and its second follows it: a Pod gets Binomial(50, ⅓) users, 16.7 ± 10
 *   at 3σ, so 14–54 requests; each user still stays on one Pod.
 * - `behindNlb`: the NAT again, through the NLB (instance targets, 5-tuple
 *   flow hash, client address kept). The balancer spreads the NAT's
 *   connections over the three nodes, and each node's kube-proxy pins the
 *   NAT address to the Pod its own first pick chose: every node sends all of
 *   its NAT connections to one Pod, but the nodes choose independently (all
 *   three the same Pod with probability 1/9), so the NAT spreads over as many
 *   Pods as the nodes' choices differ — never more than one per node. Nor
 *   is one user sticky: its two connections hash to two nodes independently
 *   and split whenever those nodes pinned different Pods. At seed 1 node-a
 *   pinned web-a, node-b and node-c web-b: web-a 35 requests, web-b 65,
 *   web-c 0, and 23 of the 50 users split (4/9 × 50 ≈ 22 expected).
 */
type Variant = "nat" | "ownAddresses" | "behindNlb";

const USERS = 50;
const PER_USER = 2;
const TOTAL = USERS * PER_USER;
const NAT_IP = "203.0.113.1";

const DESCRIPTIONS: Record<Variant, string> = {
  nat: "ClientIP affinity, 50 users behind one NAT address, one entry node: one Pod serves everything.",
  ownAddresses: "The same 50 users with their own addresses: each sticks to one Pod, the users spread.",
  behindNlb: "The NAT behind an NLB over three nodes: each node pins the NAT address to its own pick.",
};

const users = (variant: Variant) =>
  Array.from({ length: USERS }, (_, i) => {
    const name = variant === "ownAddresses" ? `user-${i + 1}` : `corp-${i + 1}`;
    return {
      name,
      from: { external: name },
      to:
        variant === "behindNlb"
          ? { service: "web", port: 80, via: "load-balancer" as const }
          : { service: "web", port: 80, via: "node-port" as const, node: "node-a" },
      requests: PER_USER,
      interval: "1s",
      start: `${35_000 + i * 20}ms`,
    };
  });

const scenario = (variant: Variant, expect: ScenarioInput["expect"]): ScenarioInput => ({
  name: variant === "nat" ? "clientip-affinity-nat" : `clientip-affinity-nat-${variant}`,
  description: DESCRIPTIONS[variant],
  seed: 1,
  duration: "40s",
  cluster: {
    nodes: nodes(3),
    proxy: { mode: "iptables" },
    clusterCIDR: "10.244.0.0/16",
    ...(variant === "behindNlb" ? { loadBalancer: { provider: "aws-nlb-in-tree" as const } } : {}),
    external:
      variant === "ownAddresses"
        ? { hosts: Array.from({ length: USERS }, (_, i) => ({ name: `user-${i + 1}`, ip: `203.0.113.${i + 1}` })) }
        : { nats: [{ name: "corp", ip: NAT_IP, processes: USERS }] },
  },
  objects: [
    ...["a", "b", "c"].map((n) =>
      pod(`web-${n}`, { node: `node-${n}`, labels: { app: "web" }, container: "web", port: 8080 }),
    ),
    service("web", {
      type: variant === "behindNlb" ? "LoadBalancer" : "NodePort",
      sessionAffinity: "ClientIP",
      externalTrafficPolicy: "Cluster",
      ports: [{ port: 80, targetPort: 8080 }],
    }),
  ],
  workload: { servers: [{ selector: { app: "web" }, port: 8080 }], clients: users(variant) },
  expect,
});

const PODS = ["web-a", "web-b", "web-c"];
const served = (r: unknown, name: string) =>
  (r as { metrics: { pods: Record<string, { requests: number }> } }).metrics.pods[name]?.requests ?? 0;
const spread = (r: unknown) => PODS.map((p) => `${p}=${served(r, p)}`).join(", ");

interface Rec {
  client: string;
  pod?: string;
}
/** Every user's requests went to one Pod. */
const eachUserOnOnePod = (r: unknown) => {
  const byUser = new Map<string, Set<string | undefined>>();
  for (const x of (r as { workload: { records: Rec[] } }).workload.records) {
    byUser.set(x.client, (byUser.get(x.client) ?? new Set()).add(x.pod));
  }
  const split = [...byUser].filter(([, pods]) => pods.size > 1).map(([u]) => u);
  return split.length === 0 || `split over Pods: ${split.slice(0, 5).join(", ")}`;
};

interface Ev {
  type: string;
  node?: string;
  endpoint?: string;
  pkt?: { src: string };
}
/**
 * The endpoints each node's kube-proxy chose for the NAT's new connections
 * (its `lb.pick`s of SYNs from 203.0.113.1; the balancer's TCP health checks
 * to the NodePort come from its own address and are left out), by node.
 */
export function picksByNode(r: unknown): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const e of (r as { trace: Ev[] }).trace) {
    if (e.type !== "lb.pick" || !e.node?.startsWith("node-") || e.endpoint === undefined) continue;
    if (!e.pkt?.src.startsWith(`${NAT_IP}:`)) continue;
    (out[e.node] ??= new Set()).add(e.endpoint);
  }
  return Object.fromEntries(Object.entries(out).map(([n, eps]) => [n, [...eps].sort()]));
}

const everyRequestOk = { name: "every request succeeds", metric: "requests.ok", value: TOTAL } as const;

export default defineScenario(
  scenario("nat", [
    everyRequestOk,
    {
      name: "one Pod serves all 100 requests, the others none",
      check: (r) => PODS.filter((p) => served(r, p) === TOTAL).length === 1 || spread(r),
    },
    { name: "each user stays on one Pod", check: eachUserOnOnePod },
  ]),
);

/** Every user with its own address: each sticks to a Pod, the users spread over all three. */
export const ownAddresses = scenario("ownAddresses", [
  everyRequestOk,
  {
    name: "each Pod serves 14–54 requests (Binomial(50, ⅓) users × 2)",
    check: (r) => PODS.every((p) => served(r, p) >= 14 && served(r, p) <= 54) || spread(r),
  },
  { name: "each user stays on one Pod", check: eachUserOnOnePod },
]);

/** The NAT behind the NLB: affinity per node, the NAT's connections reach up to one Pod per node. */
export const behindNlb = scenario("behindNlb", [
  everyRequestOk,
  {
    name: "the balancer spreads the NAT's connections over all three nodes",
    check: (r) => Object.keys(picksByNode(r)).length === 3 || `nodes ${Object.keys(picksByNode(r)).join(", ")}`,
  },
  {
    name: "each node sends every NAT connection to one Pod",
    check: (r) => Object.values(picksByNode(r)).every((eps) => eps.length === 1) || JSON.stringify(picksByNode(r)),
  },
]);
