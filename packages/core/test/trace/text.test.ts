import { describe, expect, it } from "vitest";
import type { Nanos } from "../../src/engine/index.ts";
import { formatEvent, formatPacket, formatWalk, type TraceEvent, type TraceEventType } from "../../src/trace/index.ts";
import { ALL_SAMPLES, SAMPLES, SYN, SYN_DNAT } from "./samples.ts";

/** For each kind, the facts its line must show (taken from the sample's own fields). */
const MUST_SHOW: { readonly [K in TraceEventType]: readonly string[] } = {
  "pkt.send": ["node-a", "web-1", "send", "TCP 10.244.1.5:40000 > 10.96.0.10:80 [S] #17"],
  "pkt.recv": ["node-b", "web-backend-2", "recv", "10.244.2.7:8080", "#17"],
  "pkt.drop": ["node-b", "DROP", "no-endpoints", "filter/KUBE-SERVICES", "#17"],
  "pkt.route": ["node-a", "forward", "eth0", "via 192.168.0.12", "#17"],
  "pkt.hook": ["node-a", "PREROUTING", "#17"],
  "nf.rule": ["nat/KUBE-SERVICES", "#1", "-j KUBE-SVC-ABCDEFGHIJKLMNOP", "#17"],
  ct: ["ct new", "TCP 10.244.1.5:40000 > 10.96.0.10:80", "reply TCP 10.244.2.7:8080", "SYN_SENT", "timeout 120s"],
  nat: ["dnat", "10.96.0.10:80 → 10.244.2.7:8080", "#17"],
  "lb.pick": ["default/web:http → 10.244.2.7:8080", "of 3", "iptables-statistic", "#17"],
  "lb.health": ["lb ", "default/web node-b healthy → unhealthy", "HTTP 192.168.0.11:32000/healthz: 503"],
  sync: ["node-b", "iptables", "full", "2 services", "3 endpoints", "41 written"],
  api: ["api", "update EndpointSlice default/web-abc12", "(ready)"],
  action: ["delete-pod", "default/web-backend-2"],
  fault: ["node-z", "fault proxy-killed"],
};

describe("text view", () => {
  it("formats a packet like tcpdump: proto, src > dst, flags, then the id", () => {
    expect(formatPacket(SYN_DNAT)).toBe("TCP 10.244.1.5:40000 > 10.244.2.7:8080 [S] #17");
    expect(formatPacket({ id: 3, proto: "ICMP", src: "10.0.0.1", dst: "10.0.0.2", len: 84 })).toBe(
      "ICMP 10.0.0.1 > 10.0.0.2 #3",
    );
  });

  it("formats a hook hop as time, node, hook, packet", () => {
    const ev: TraceEvent = { ...SAMPLES["pkt.hook"], t: 120_000 as Nanos, pkt: SYN_DNAT };
    // 120000 ns is 0.000120000 s: nine fractional digits, one per nanosecond.
    expect(formatEvent(ev)).toBe("0.000120000 node-a  PREROUTING  TCP 10.244.1.5:40000 > 10.244.2.7:8080 [S] #17");
  });

  it.each(Object.keys(MUST_SHOW) as TraceEventType[])("formats %s with its facts on one line", (type) => {
    const line = formatEvent(SAMPLES[type]);
    expect(line).not.toContain("\n");
    expect(line).not.toContain("undefined");
    for (const fact of MUST_SHOW[type]) expect(line).toContain(fact);
  });

  it("leaves out optional fields that are absent", () => {
    const { via: _via, ...noVia } = SAMPLES["pkt.route"];
    expect(formatEvent(noVia)).not.toContain("via");
    expect(formatEvent({ ...SAMPLES["nf.rule"], index: 0, rule: "ACCEPT" })).toContain("policy: ACCEPT");
  });

  it("aligns a walk on the widest time and node", () => {
    const walk = formatWalk(ALL_SAMPLES);
    const lines = walk.split("\n").slice(0, -1);
    expect(lines).toHaveLength(ALL_SAMPLES.length);
    // The widest timestamp is 12.000250000 (12 characters); shorter ones are right-aligned to it.
    expect(lines[0]?.startsWith(" 0.000000000 api   ")).toBe(true);
    const descriptionStarts = lines.map((l) => l.indexOf("  ", 12 + 1 + 6));
    expect(new Set(descriptionStarts).size).toBe(1);
  });

  it("walks only the chosen packets and cuts at the limit", () => {
    const other: TraceEvent = { ...SAMPLES["pkt.hook"], pkt: { ...SYN, id: 99 } };
    const events = [...ALL_SAMPLES, other];
    const walk = formatWalk(events, { packetIds: [99] });
    expect(walk.split("\n").slice(0, -1)).toEqual([formatEvent(other)]);
    const cut = formatWalk(events, { packetIds: [17], limit: 2 })
      .split("\n")
      .slice(0, -1);
    expect(cut).toHaveLength(3);
    expect(cut[2]).toBe("… 7 more events");
  });

  it("is empty for no events", () => {
    expect(formatWalk([])).toBe("");
  });
});
