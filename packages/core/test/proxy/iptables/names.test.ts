import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { endpointChainName, probability, serviceChainNames } from "../../../src/proxy/index.ts";

describe("chain names (proxier.go portProtoHash / servicePortEndpointChainName)", () => {
  // Expected names are the ones in proxier_test.go TestOverallIPTablesRules / TestSyncProxyRulesRepeated.
  it.each([
    ["ns1/svc1:p80", "KUBE-SVC-XPGD46QRK7WJZT7O"],
    ["ns2/svc2:p80", "KUBE-SVC-GNZBNJ2PO5MGZ6GT"],
    ["ns3/svc3:p80", "KUBE-SVC-X27LE4BHSL4DOUIK"],
    ["ns4/svc4:p80", "KUBE-SVC-4SW47YFZTEDKD3PK"],
    ["ns5/svc5:p80", "KUBE-SVC-NUKIZ6OKUXPJNT4C"],
    ["ns2/svc2:p8080", "KUBE-SVC-2VJB64SDSIJUP5T6"],
  ])("%s/tcp → %s", (name, chain) => {
    expect(serviceChainNames(name, "tcp").cluster).toBe(chain);
  });

  it("shares one hash across SVC, SVL, EXT and FW", () => {
    expect(serviceChainNames("ns2/svc2:p80", "tcp")).toEqual({
      cluster: "KUBE-SVC-GNZBNJ2PO5MGZ6GT",
      local: "KUBE-SVL-GNZBNJ2PO5MGZ6GT",
      external: "KUBE-EXT-GNZBNJ2PO5MGZ6GT",
      firewall: "KUBE-FW-GNZBNJ2PO5MGZ6GT",
    });
  });

  it.each([
    ["ns1/svc1:p80", "10.180.0.1:80", "KUBE-SEP-SXIVWICOYRO3J4NJ"],
    ["ns5/svc5:p80", "10.180.0.3:80", "KUBE-SEP-I77PXRDZVX7PMWMN"],
    ["ns3/svc3:p80", "10.180.0.3:80", "KUBE-SEP-OYPFS5VJICHGATKP"],
    ["ns3/svc3:p80", "10.0.3.1:80", "KUBE-SEP-BSWRHOQ77KEXZLNL"],
  ])("SEP of %s → %s is %s", (name, endpoint, chain) => {
    expect(endpointChainName(name, "tcp", endpoint)).toBe(chain);
  });

  it("names are valid iptables chain names (at most 28 characters)", () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom("tcp", "udp", "sctp"), fc.string(), (name, proto, endpoint) => {
        const all = [...Object.values(serviceChainNames(name, proto)), endpointChainName(name, proto, endpoint)];
        for (const c of all) expect(c).toMatch(/^KUBE-(SVC|SVL|EXT|FW|SEP)-[A-Z2-7]{16}$/);
        for (const c of all) expect(c.length).toBeLessThanOrEqual(28);
      }),
    );
  });
});

describe("probability (proxier.go computeProbability, TestComputeProbability)", () => {
  it.each([
    [1, "1.0000000000"],
    [2, "0.5000000000"],
    [10, "0.1000000000"],
    [100, "0.0100000000"],
    [1000, "0.0010000000"],
    [10000, "0.0001000000"],
    [100000, "0.0000100000"],
    [100001, "0.0000099999"],
  ])("1/%i → %s", (n, text) => {
    expect(probability(n)).toBe(text);
  });

  it("is strictly decreasing in n (TestComputeProbability's loop, sampled)", () => {
    let prev = 0;
    for (let i = 100000; i > 1; i -= 7) {
      const cur = Number(probability(i));
      expect(cur).toBeGreaterThan(prev);
      prev = cur;
    }
  });

  it("rounds an exact tie to even like Go's strconv (1/2048 = 0.00048828125)", () => {
    expect(probability(2048)).toBe("0.0004882812");
  });

  it("agrees with exact rounding everywhere else", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (n) => {
        if (n === 2048) return;
        expect(probability(n)).toBe((1 / n).toFixed(10));
      }),
    );
  });
});
