import { describe, expect, it } from "vitest";
import { ms } from "../../../src/engine/index.ts";
import { IptablesProgrammer } from "../../../src/proxy/index.ts";
import { KUBE_PROXY_OVERALL } from "../../netfilter/fixtures.ts";
import { ep, epPort, fakeProxierConfig, makeService, makeSlice, port, view } from "../fixtures.ts";
import { sortIPTablesRules } from "./dump.ts";

// The six Services and five slices of proxier_test.go TestOverallIPTablesRules, re-typed.
const services = [
  // create ClusterIP service
  makeService("ns1", "svc1", (s) => {
    s.spec.clusterIP = "172.30.0.41";
    s.spec.ports = [port("p80", 80)];
  }),
  // create LoadBalancer service with Local traffic policy
  makeService("ns2", "svc2", (s) => {
    s.spec.type = "LoadBalancer";
    s.spec.externalTrafficPolicy = "Local";
    s.spec.clusterIP = "172.30.0.42";
    s.spec.ports = [port("p80", 80, "TCP", 3001)];
    s.status.loadBalancer.ingress = [{ ip: "1.2.3.4" }];
    s.spec.externalIPs = ["192.168.99.22"];
    s.spec.healthCheckNodePort = 30000;
  }),
  // create NodePort service
  makeService("ns3", "svc3", (s) => {
    s.spec.type = "NodePort";
    s.spec.clusterIP = "172.30.0.43";
    s.spec.ports = [port("p80", 80, "TCP", 3003)];
  }),
  // create ExternalIP service (a NodePort Service whose port has no nodePort in the Go test)
  makeService("ns4", "svc4", (s) => {
    s.spec.type = "NodePort";
    s.spec.clusterIP = "172.30.0.44";
    s.spec.externalIPs = ["192.168.99.33"];
    s.spec.ports = [port("p80", 80)];
  }),
  // create LoadBalancer service with Cluster traffic policy, source ranges, and session affinity
  makeService("ns5", "svc5", (s) => {
    s.spec.type = "LoadBalancer";
    s.spec.externalTrafficPolicy = "Cluster";
    s.spec.clusterIP = "172.30.0.45";
    s.spec.ports = [port("p80", 80, "TCP", 3002)];
    s.status.loadBalancer.ingress = [{ ip: "5.6.7.8" }];
    s.spec.healthCheckNodePort = 30000;
    // Extra whitespace to ensure that invalid value will not result in a crash.
    s.spec.loadBalancerSourceRanges = [" 203.0.113.0/25"];
    s.spec.sessionAffinity = "ClientIP";
    s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }),
  // create ClusterIP service with no endpoints
  makeService("ns6", "svc6", (s) => {
    s.spec.clusterIP = "172.30.0.46";
    s.spec.ports = [port("p80", 80)];
  }),
];

const slices = [
  makeSlice("ns1", "svc1", 1, [ep("10.180.0.1")], [epPort("p80", 80)]),
  // Local LoadBalancer endpoints without NodeName: non-local, so ignored for external traffic.
  makeSlice("ns2", "svc2", 1, [ep("10.180.0.2")], [epPort("p80", 80)]),
  makeSlice("ns3", "svc3", 1, [ep("10.180.0.3")], [epPort("p80", 80)]),
  makeSlice("ns4", "svc4", 1, [ep("10.180.0.4"), ep("10.180.0.5", "test-node")], [epPort("p80", 80)]),
  makeSlice("ns5", "svc5", 1, [ep("10.180.0.3")], [epPort("p80", 80)]),
];

// proxier_test.go TestOverallIPTablesRules `expected` (already in sortIPTablesRules order), shared with
// the netfilter round-trip tests.
const expected = KUBE_PROXY_OVERALL;

describe("TestOverallIPTablesRules (kubernetes pkg/proxy/iptables/proxier_test.go)", () => {
  it("writes exactly kube-proxy's expected rules (compared after sortIPTablesRules, as the Go test does)", () => {
    const p = new IptablesProgrammer(fakeProxierConfig());
    const stats = p.sync(view(services, slices), true, ms(0));
    expect(sortIPTablesRules(stats.restoreInput)).toBe(expected);
  });

  it("reports the number of rules written: every line of the restore input that is a rule", () => {
    const p = new IptablesProgrammer(fakeProxierConfig());
    const stats = p.sync(view(services, slices), true, ms(0));
    // The Go test counts nat rules from the dump (countRules) and compares with the metric.
    const count = (table: string) =>
      expected
        .split(`*${table}\n`)[1]!
        .split("COMMIT")[0]!
        .split("\n")
        .filter((l) => l.startsWith("-A ")).length;
    expect(stats.natRules).toBe(count("nat"));
    expect(stats.filterRules).toBe(count("filter"));
    expect(stats.written).toBe(count("nat") + count("filter"));
    expect(stats.services).toBe(6);
    expect(stats.endpoints).toBe(6);
  });

  it("the expected dump is itself in sortIPTablesRules order (so the comparison is meaningful)", () => {
    expect(sortIPTablesRules(expected)).toBe(expected);
  });
});
