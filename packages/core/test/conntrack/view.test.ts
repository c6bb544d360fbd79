import { describe, expect, it } from "vitest";
import {
  Conntrack,
  conntrackSummary,
  formatConntrackEntry,
  formatConntrackList,
  kubeProxyConntrackConfig,
  linuxConntrackConfig,
  setDnat,
} from "../../src/conntrack/index.ts";
import { ACK, ip, pkt, SYN, SYNACK, TestClock, tcp, udp } from "./helpers.ts";

// Expected lines follow libnetfilter_conntrack snprintf_default.c: "%-8s %u "
// protocol, "%u " seconds, TCP state, tuple, [UNREPLIED], reply tuple,
// [ASSURED], "mark=%u ", "use=%u", trailing blank removed.

describe("conntrack -L view", () => {
  it("prints an ESTABLISHED, DNATed TCP entry with the seconds left", () => {
    const clock = new TestClock();
    const ct = new Conntrack({ config: kubeProxyConntrackConfig({ cores: 1 }), clock });
    const e = ct.receive(tcp("10.244.1.5:40000", "10.96.0.10:80", SYN)).entry!;
    setDnat(e, ip("10.244.2.7"), 8080);
    ct.confirm(e);
    ct.receive(tcp("10.244.2.7:8080", "10.244.1.5:40000", SYNACK));
    ct.receive(tcp("10.244.1.5:40000", "10.96.0.10:80", ACK));
    clock.advance(3);
    expect(formatConntrackEntry(e, clock.now)).toBe(
      "tcp      6 86397 ESTABLISHED src=10.244.1.5 dst=10.96.0.10 sport=40000 dport=80 " +
        "src=10.244.2.7 dst=10.244.1.5 sport=8080 dport=40000 [ASSURED] mark=0 use=1",
    );
  });

  it("prints an unreplied UDP entry with [UNREPLIED] after the original tuple", () => {
    const clock = new TestClock();
    const ct = new Conntrack({ config: linuxConntrackConfig(64), clock });
    const e = ct.receive(udp("10.244.1.5:53000", "10.96.0.10:53")).entry!;
    setDnat(e, ip("10.244.2.8"), 53);
    ct.confirm(e);
    clock.advance(1);
    expect(formatConntrackList(ct.list(), clock.now)).toBe(
      "udp      17 29 src=10.244.1.5 dst=10.96.0.10 sport=53000 dport=53 [UNREPLIED] " +
        "src=10.244.2.8 dst=10.244.1.5 sport=53 dport=53000 mark=0 use=1\n",
    );
  });

  it("prints ICMP as type/code/id, and counters when accounting is on", () => {
    const clock = new TestClock();
    const ct = new Conntrack({ config: linuxConntrackConfig(64), clock });
    const e = ct.receive(pkt("ICMP", "10.244.1.5:7", "10.244.2.8", 0, { icmp: { type: 8, code: 0 }, length: 84 }))
      .entry!;
    ct.confirm(e);
    expect(formatConntrackEntry(e, clock.now, { counters: true })).toBe(
      "icmp     1 30 src=10.244.1.5 dst=10.244.2.8 type=8 code=0 id=7 packets=1 bytes=84 [UNREPLIED] " +
        "src=10.244.2.8 dst=10.244.1.5 type=0 code=0 id=7 packets=0 bytes=0 mark=0 use=1",
    );
  });

  it("has the stderr summary line of conntrack-tools", () => {
    expect(conntrackSummary(2)).toBe("conntrack v1.4.8 (conntrack-tools): 2 flow entries have been shown.");
    expect(conntrackSummary(0, "1.4.6")).toBe("conntrack v1.4.6 (conntrack-tools): 0 flow entries have been shown.");
  });
});
