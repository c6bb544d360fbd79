import { describe, expect, it } from "vitest";
import affinityNat, { behindNlb, ownAddresses, picksByNode } from "../../../scenarios/src/clientip-affinity-nat.ts";
import unevenLocal, { cluster as unevenCluster } from "../../../scenarios/src/etp-local-uneven-spread.ts";
import sourceCluster, { lbProxy, local, proxyProtocol, seenSources } from "../../../scenarios/src/source-ip.ts";
import { prepareScenario, runScenario, type ScenarioInput } from "../../src/scenario/index.ts";
import type { TraceLevel } from "../../src/trace/index.ts";

// Flow-level traces: some expectations read the `lb.pick` and `lb.health` events.
const run = (input: ScenarioInput, traceLevel: TraceLevel = "flow") =>
  runScenario(prepareScenario(input, `${input.name}.ts`), { traceLevel });
type Run = ReturnType<typeof run>;
const failed = (r: Run) => r.expectations.filter((e) => !e.ok).map((e) => e.name);
/** `a`'s cluster and workload checked against `b`'s expectations. */
const swap = (a: ScenarioInput, b: ScenarioInput) => run({ ...a, expect: b.expect });
const served = (r: Run, pod: string) => r.metrics.pods[pod]?.requests ?? 0;
const flows = (r: Run, node: string) => r.metrics.loadBalancers?.web?.perTarget[node] ?? 0;

describe("catalogue: etp-local-uneven-spread", () => {
  const loc = run(unevenLocal);
  const clu = run(unevenCluster);

  it("Local: node-b's lone Pod takes all of node-b's flows, node-a's three Pods share node-a's", () => {
    expect(failed(loc)).toEqual([]);
    // Local forwards only to local Pods: each node's flows equal its Pods' requests, node-c none.
    expect(flows(loc, "node-c")).toBe(0);
    expect(served(loc, "web-b1")).toBe(flows(loc, "node-b"));
    expect(served(loc, "web-a1") + served(loc, "web-a2") + served(loc, "web-a3")).toBe(flows(loc, "node-a"));
    expect(flows(loc, "node-a") + flows(loc, "node-b")).toBe(240);
  });

  it("Cluster: three nodes share the flows and every Pod serves about a quarter", () => {
    expect(failed(clu)).toEqual([]);
    expect(flows(clu, "node-a") + flows(clu, "node-b") + flows(clu, "node-c")).toBe(240);
  });

  it("each variant's expectations fail on the other's run", () => {
    expect(failed(swap(unevenCluster, unevenLocal))).toEqual([
      "node-c, with no Pod, never turns healthy and gets no flow",
      "web-b1, alone on node-b, serves 40–60% of the requests",
      "each node-a Pod serves 23–57 requests (⅙ each)",
      "web-b1 serves more than twice as much as any node-a Pod",
      "every Pod sees the client's address",
    ]);
    expect(failed(swap(unevenLocal, unevenCluster))).toEqual([
      "node-c gets about a third of the flows (58–102)",
      "each of the four Pods serves 40–80 requests (¼ each)",
      "no Pod sees the client's address: only node IPs (SNAT)",
    ]);
  });
});

describe("catalogue: source-ip", () => {
  const runs = { cluster: run(sourceCluster), local: run(local), lbProxy: run(lbProxy), pp: run(proxyProtocol) };

  it("every variant passes; the applications see node IPs, clients, the balancer, clients", () => {
    for (const r of Object.values(runs)) expect(failed(r)).toEqual([]);
    expect(Object.keys(seenSources(runs.cluster))).toEqual(["192.168.0.10", "192.168.0.11"]);
    expect(seenSources(runs.local)).toEqual({ "203.0.113.10": 12, "203.0.113.20": 12 });
    expect(seenSources(runs.lbProxy)).toEqual({ "198.51.100.1": 24 });
    expect(seenSources(runs.pp)).toEqual({ "203.0.113.10": 12, "203.0.113.20": 12 });
  });

  it("each variant's expectations fail on its contrast's run", () => {
    expect(failed(swap(local, sourceCluster))).toEqual([
      "the Pods see only node addresses (192.168.0.x), never a client's",
    ]);
    expect(failed(swap(sourceCluster, local))).toEqual([
      "the Pods see alice ×12 and bob ×12",
      "each request's application saw its client's exact ip:port",
    ]);
    expect(failed(swap(proxyProtocol, lbProxy))).toEqual(["the Pods see the balancer's address for all 24"]);
    expect(failed(swap(lbProxy, proxyProtocol))).toEqual([
      "the Pods see alice ×12 and bob ×12",
      "each request's application saw its client's exact ip:port",
    ]);
  });

  it("with PROXY protocol the TCP peer is the balancer and the header carries the client", () => {
    const atPods = run(proxyProtocol, "packet").trace.flatMap((e) =>
      e.type === "pkt.recv" && e.at?.startsWith("default/web-") ? [e.pkt] : [],
    );
    const syns = atPods.filter((p) => p.flags === "S");
    // 24 client connections plus the balancer's TCP health checks of the two Pods: all from 198.51.100.1.
    expect(syns.length).toBeGreaterThanOrEqual(24);
    expect(new Set(syns.map((p) => p.src.split(":")[0]))).toEqual(new Set(["198.51.100.1"]));
    const headers = atPods.flatMap((p) => (p.proxy ? [p.proxy] : []));
    expect(headers.length).toBe(24);
    expect(new Set(headers.map((h) => h.split(":")[0]))).toEqual(new Set(["203.0.113.10", "203.0.113.20"]));
  });
});

describe("catalogue: clientip-affinity-nat", () => {
  const nat = run(affinityNat);
  const own = run(ownAddresses);
  const nlb = run(behindNlb);

  it("one NAT address, one entry node: one Pod takes all 100 requests", () => {
    expect(failed(nat)).toEqual([]);
    const counts = ["web-a", "web-b", "web-c"].map((p) => served(nat, p)).sort((a, b) => a - b);
    expect(counts).toEqual([0, 0, 100]);
    // One statistic draw, then 99 recent hits.
    expect(Object.values(picksByNode(nat)).flat()).toHaveLength(1);
  });

  it("own addresses spread; behind the NLB each node pins the NAT to its own pick", () => {
    expect(failed(own)).toEqual([]);
    expect(failed(nlb)).toEqual([]);
    const pinned = picksByNode(nlb);
    expect(Object.keys(pinned)).toEqual(["node-a", "node-b", "node-c"]);
    // The Pods serving the NAT are exactly the nodes' picks: at most one per node.
    const servingPods = ["web-a", "web-b", "web-c"].filter((p) => served(nlb, p) > 0).length;
    expect(servingPods).toBe(new Set(Object.values(pinned).flat()).size);
    // A user's two connections hash to two independent, uniform nodes; they split when those
    // nodes pinned different Pods. With picks (p_a, p_b, p_c): P(split) = #{(i, j): p_i ≠ p_j} / 9,
    // 4/9 when two nodes agree (22.2 of 50 users, σ 3.5).
    const picks = Object.values(pinned).map((eps) => eps[0]);
    const differ = picks.flatMap((x) => picks.filter((y) => y !== x)).length;
    const mean = (50 * differ) / 9;
    const sd = Math.sqrt(50 * (differ / 9) * (1 - differ / 9));
    const byUser = new Map<string, Set<string | undefined>>();
    for (const x of nlb.workload.records) byUser.set(x.client, (byUser.get(x.client) ?? new Set()).add(x.pod));
    const split = [...byUser.values()].filter((pods) => pods.size > 1).length;
    expect(Math.abs(split - mean)).toBeLessThanOrEqual(3 * sd + 0.5);
  });

  it("each variant's expectations fail on its contrast's run", () => {
    expect(failed(swap(ownAddresses, affinityNat))).toEqual(["one Pod serves all 100 requests, the others none"]);
    expect(failed(swap(affinityNat, ownAddresses))).toEqual([
      "each Pod serves 14–54 requests (Binomial(50, ⅓) users × 2)",
    ]);
    // Behind the NLB even one user is not sticky: its two connections may cross different nodes.
    expect(failed(swap(behindNlb, affinityNat))).toEqual([
      "one Pod serves all 100 requests, the others none",
      "each user stays on one Pod",
    ]);
    expect(failed(swap(ownAddresses, behindNlb))).toContain(
      "the balancer spreads the NAT's connections over all three nodes",
    );
  });
});
