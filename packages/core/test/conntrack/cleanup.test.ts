import { describe, expect, it } from "vitest";
import {
  type CleanupServicePort,
  Conntrack,
  cleanStaleEntries,
  linuxConntrackConfig,
  setDnat,
  staleUdpEntries,
} from "../../src/conntrack/index.ts";
import { ip, SYN, TestClock, tcp, udp } from "./helpers.ts";

// Scenario after pkg/proxy/conntrack/cleanup.go CleanStaleEntries: a UDP
// Service 10.96.0.10:53 (NodePort 30053, external IP 203.0.113.7) whose
// endpoint 10.244.2.8 was replaced by 10.244.2.9.
const SVC: CleanupServicePort = {
  protocol: "UDP",
  clusterIP: ip("10.96.0.10"),
  port: 53,
  nodePort: 30053,
  externalIPs: [ip("203.0.113.7")],
  servingEndpointIPs: [ip("10.244.2.9")],
};

function table() {
  const ct = new Conntrack({ config: linuxConntrackConfig(1024), clock: new TestClock() });
  const flow = (p: ReturnType<typeof udp>, backend?: string) => {
    const e = ct.receive(p).entry!;
    if (backend) {
      const [host, port] = backend.split(":");
      setDnat(e, ip(host as string), Number(port));
    }
    ct.confirm(e);
    return e;
  };
  return {
    ct,
    live: flow(udp("10.244.1.5:1000", "10.96.0.10:53"), "10.244.2.9:53"),
    stale: flow(udp("10.244.1.5:1001", "10.96.0.10:53"), "10.244.2.8:53"),
    staleExternal: flow(udp("198.51.100.1:1002", "203.0.113.7:53"), "10.244.2.8:53"),
    staleNodePort: flow(udp("198.51.100.1:1003", "10.0.0.2:30053"), "10.244.2.8:53"),
    // created while the Service had no endpoints: never DNATed, its reply comes "from" the ClusterIP
    unNatted: flow(udp("10.244.1.5:1004", "10.96.0.10:53")),
    otherPort: flow(udp("10.244.1.5:1005", "10.96.0.10:54"), "10.244.2.8:54"),
    tcpFlow: (() => {
      const e = ct.receive(tcp("10.244.1.5:1006", "10.96.0.10:53", SYN)).entry!;
      setDnat(e, ip("10.244.2.8"), 53);
      ct.confirm(e);
      return e;
    })(),
  };
}

describe("kube-proxy stale UDP conntrack cleanup (cleanup.go)", () => {
  it("selects UDP entries to a frontend or NodePort whose reply source is not a serving endpoint", () => {
    const t = table();
    const stale = staleUdpEntries(t.ct.list(), [SVC]);
    expect(new Set(stale)).toEqual(new Set([t.stale, t.staleExternal, t.staleNodePort, t.unNatted]));
  });

  it("leaves a Service without serving endpoints alone", () => {
    const t = table();
    expect(staleUdpEntries(t.ct.list(), [{ ...SVC, servingEndpointIPs: [] }])).toEqual([]);
  });

  it("ignores TCP Services and TCP entries", () => {
    const t = table();
    expect(staleUdpEntries(t.ct.list(), [{ ...SVC, protocol: "TCP" }])).toEqual([]);
    expect(staleUdpEntries(t.ct.list(), [SVC])).not.toContain(t.tcpFlow);
  });

  it("deletes the stale entries from the table; switched off, it deletes nothing (the stale-entry bug)", () => {
    const off = table();
    expect(cleanStaleEntries(off.ct, [SVC], { enabled: false })).toEqual([]);
    expect(off.ct.count).toBe(7);
    const on = table();
    expect(cleanStaleEntries(on.ct, [SVC]).length).toBe(4);
    expect(new Set(on.ct.list())).toEqual(new Set([on.live, on.otherPort, on.tcpFlow]));
  });
});
