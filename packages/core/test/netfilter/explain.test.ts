import { describe, expect, it } from "vitest";
import { ns } from "../../src/engine/index.ts";
import { formatIPv4, parseIPv4 } from "../../src/net/index.ts";
import {
  compileRuleset,
  type ExplainOutcome,
  explainChain,
  parseIptablesSave,
  traceLikeKubeProxy,
} from "../../src/netfilter/index.ts";
import { KUBE_PROXY_OVERALL, KUBE_PROXY_TRACE_RULES } from "./fixtures.ts";
import { tcp } from "./helpers.ts";

const dest = (o: ExplainOutcome) =>
  o.verdict.kind === "DNAT" ? `${formatIPv4(o.verdict.range.minIp)}:${o.verdict.range.ports?.lo}` : o.verdict.kind;

describe("explain: follow both branches of every statistic match", () => {
  const rs = compileRuleset(parseIptablesSave(KUBE_PROXY_OVERALL));
  const node = { now: ns(0), localAddresses: new Set([parseIPv4("192.168.0.2")]) };

  it("lists every endpoint of a Service with its share and path", () => {
    const r = explainChain(rs, "nat", "KUBE-SERVICES", tcp("10.0.0.2", "172.30.0.44", 80), node);
    expect(r.outcomes.map(dest)).toEqual(["10.180.0.4:80", "10.180.0.5:80"]);
    expect(r.outcomes.map((o) => o.probability)).toEqual([0.5, 0.5]);
    expect(r.outcomes[0]?.decisions).toEqual([
      { chain: "KUBE-SVC-4SW47YFZTEDKD3PK", index: 2, passed: true, probability: 0.5 },
    ]);
    expect(r.outcomes[1]?.matchedRules.map((m) => m.chain)).toEqual([
      "KUBE-SERVICES",
      "KUBE-SVC-4SW47YFZTEDKD3PK",
      "KUBE-SEP-C6EBXVWJJZMIWKLZ",
    ]);
    // a pod source (10.0.0.0/8) is not masqueraded
    expect(r.outcomes.every((o) => (o.mark & 0x4000) === 0)).toBe(true);
  });

  it("shows masquerading through the mark KUBE-MARK-MASQ sets, and RETURN out of a user chain", () => {
    const r = explainChain(rs, "nat", "KUBE-SERVICES", tcp("203.0.113.2", "192.168.99.33", 80), node);
    expect(r.outcomes.map(dest)).toEqual(["10.180.0.4:80", "10.180.0.5:80"]);
    expect(r.outcomes.every((o) => (o.mark & 0x4000) !== 0)).toBe(true);
    const none = explainChain(rs, "nat", "KUBE-SERVICES", tcp("10.0.0.2", "10.0.0.3", 80), node);
    expect(none.outcomes.map((o) => o.verdict.kind)).toEqual(["RETURN"]);
  });

  it("changes nothing: no counters, no recent entries", () => {
    explainChain(rs, "nat", "KUBE-SERVICES", tcp("10.0.0.2", "172.30.0.45", 80), node);
    const sep = rs.ruleset.tables.get("nat")?.chains.get("KUBE-SEP-I77PXRDZVX7PMWMN");
    expect(sep?.rules.every((r) => r.counters.packets === 0)).toBe(true);
    expect(rs.recent.names()).toEqual([]);
  });

  it("caps the number of outcomes", () => {
    const r = explainChain(rs, "nat", "KUBE-SERVICES", tcp("10.0.0.2", "172.30.0.44", 80), node, { maxOutcomes: 1 });
    expect(r.outcomes).toHaveLength(1);
    expect(r.truncated).toBe(true);
  });
});

describe("traceLikeKubeProxy mirrors proxier_test.go tracePacket", () => {
  // Cases and expected results: TestTracePacket in kubernetes pkg/proxy/iptables/proxier_test.go
  // (testNodeIPs 192.168.0.2, 192.168.1.2, 192.168.99.11; testExternalClient 203.0.113.2).
  const rs = parseIptablesSave(KUBE_PROXY_TRACE_RULES);
  const nodeIPs = ["192.168.0.2", "192.168.1.2", "192.168.99.11"].map(parseIPv4);
  const cases: [name: string, src: string, dst: string, port: number, output: string, masq: boolean][] = [
    ["no match", "10.0.0.2", "10.0.0.3", 80, "", false],
    ["single endpoint", "10.0.0.2", "172.30.0.41", 80, "10.180.0.1:80", false],
    ["multiple endpoints", "10.0.0.2", "172.30.0.44", 80, "10.180.0.4:80, 10.180.0.5:80", false],
    ["LOCAL, KUBE-MARK-MASQ", "192.168.0.2", "192.168.99.22", 80, "10.180.0.2:80", true],
    ["DROP", "203.0.113.2", "192.168.99.22", 80, "DROP", false],
    ["ACCEPT (NodePortHealthCheck)", "192.168.0.2", "192.168.0.2", 30000, "ACCEPT", false],
    ["REJECT", "10.0.0.2", "172.30.0.46", 80, "REJECT", false],
  ];
  for (const [name, src, dst, port, output, masq] of cases) {
    it(name, () => {
      const r = traceLikeKubeProxy(
        rs,
        { src: parseIPv4(src), protocol: "tcp", dst: parseIPv4(dst), dstPort: port },
        nodeIPs,
      );
      expect(r.output).toBe(output);
      expect(r.masq).toBe(masq);
    });
  }

  it("reports matched rules as their -A lines", () => {
    const r = traceLikeKubeProxy(
      rs,
      { src: parseIPv4("10.0.0.2"), protocol: "tcp", dst: parseIPv4("172.30.0.41"), dstPort: 80 },
      nodeIPs,
    );
    expect(r.matches[0]).toBe('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(r.matches.at(-1)).toBe(
      "-A KUBE-SEP-SXIVWICOYRO3J4NJ -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.180.0.1:80",
    );
  });
});
