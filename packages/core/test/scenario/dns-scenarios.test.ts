import { describe, expect, it } from "vitest";
import rollout, { noLameduck, terminatingQueries } from "../../../scenarios/src/dns-coredns-rollout.ts";
import ndots, { fqdn } from "../../../scenarios/src/ndots-amplification.ts";
import { checkExpectations, prepareScenario, runScenario, type ScenarioInput } from "../../src/scenario/index.ts";
import { runCatalogue } from "./helpers.ts";

const run = (input: ScenarioInput) => runScenario(prepareScenario(input, "dns.ts"));
const failedOn = (input: ScenarioInput, result: ReturnType<typeof run>) =>
  checkExpectations(prepareScenario(input, "x.ts").scenario.expect, result.metrics, result)
    .filter((e) => !e.ok)
    .map((e) => e.name);

describe("scenario: ndots:5 amplification for an external name", () => {
  it("walks the search list before the name itself: 4 names, A and AAAA each", async () => {
    const result = await runCatalogue("ndots-amplification.ts");
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    const lookup = result.dns?.system.lookups[0];
    // kubelet's search list for `default`, then the name as is (glibc __res_context_search).
    expect(lookup?.tries.map((t) => [t.qname, t.outcome, t.queries])).toEqual([
      ["api.example.com.default.svc.cluster.local", "nxdomain", 2],
      ["api.example.com.svc.cluster.local", "nxdomain", 2],
      ["api.example.com.cluster.local", "nxdomain", 2],
      ["api.example.com", "answer", 2],
    ]);
    // Each name goes out on a new socket: 4 UDP flows, so 4 conntrack entries per lookup on node-a.
    expect(new Set(lookup?.tries.flatMap((t) => t.ports)).size).toBe(4);
  });

  it("an absolute name is sent once; the amplification expectations fail on it", () => {
    const result = run(fqdn);
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(result.dns?.system.lookups[0]?.tries.map((t) => t.qname)).toEqual(["api.example.com"]);
    expect(failedOn(ndots, result)).toEqual([
      "8 queries per lookup: 4 names × (A + AAAA)",
      "160 datagrams to kube-dns in all",
    ]);
  });
});

describe("scenario: DNS during a rolling restart of CoreDNS", () => {
  it("with lameduck the terminating CoreDNS Pods answer until kube-proxy drops them: no lookup fails", async () => {
    const result = await runCatalogue("dns-coredns-rollout.ts");
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    const dns = result.metrics.dns;
    // Two old CoreDNS Pods and two new ones served queries.
    expect(Object.keys(dns?.servers ?? {})).toHaveLength(4);
    expect(terminatingQueries(result)).toHaveLength(2);
    // Every lookup of `web` is answered by the first search domain: A + AAAA, 2 datagrams.
    expect(dns?.queriesPerLookup).toBe(2);
    // The clients' nodes keep one UDP entry per lookup socket for 30 s (nf_conntrack_udp_timeout;
    // a single request/response never becomes ASSURED): the series shows them.
    const series = result.metrics.conntrack?.nodes["node-a"];
    expect(series?.entries).toHaveLength(46); // samples at 0 … 45 s
    expect(Math.max(...(series?.udp ?? []))).toBeGreaterThan(0);
  });

  it("without lameduck queries DNATed to a stopped CoreDNS fail, and the lameduck expectations fail too", () => {
    const result = run(noLameduck);
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(result.metrics.dns?.errors.refused).toBeGreaterThan(0);
    expect(result.metrics.requests.errors["dns-refused"]).toBe(result.metrics.dns?.errors.refused);
    expect(failedOn(rollout, result)).toEqual([
      "no lookup fails",
      "no request fails",
      "both old CoreDNS Pods answered queries after SIGTERM (kube-proxy had not synced yet)",
    ]);
  });

  it("without lameduck the failures are refusals only: each node's sync drops a stopped CoreDNS before its Pod is gone", () => {
    // watchDelay 50 ms, minSyncPeriod 1 s. Old Pod w2xmn gets SIGTERM at 21 s (the new
    // Pods turn ready at that instant) and stops listening; the EndpointSlice says so at
    // 21 s and every node sees it at 21.05 s, the same instant its sync held back since
    // 20.05 s (+1 s) is due. Deliveries due at t are applied before a sync at t, so that
    // sync already programs the two new Pods only. w2xmn's Pod is deleted at 21.1 s, after
    // it left every node's rules: no query meets the blackhole of a deleted Pod's address
    // (no-route), so no lookup waits out the resolver's 5 s timeout. What fails is the
    // ICMP port unreachable from a stopped CoreDNS still in the rules: 5vvwg in
    // [20 s, 20.05 s) and w2xmn in [21 s, 21.05 s).
    const result = run(noLameduck);
    expect(result.metrics.drops["no-route"] ?? 0).toBe(0);
    expect(result.metrics.dns?.latencyNs.max).toBeLessThan(1e9);
    expect(result.metrics.dns?.errors).toEqual({ refused: result.metrics.dns?.failed });
  });
});
