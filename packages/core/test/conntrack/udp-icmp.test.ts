import { describe, expect, it } from "vitest";
import { Conntrack, IPS, linuxConntrackConfig } from "../../src/conntrack/index.ts";
import { ICMP, icmpErrorFor, makePacket, PacketIds } from "../../src/net/index.ts";
import { ip, pkt, TestClock, udp } from "./helpers.ts";

function setup() {
  const clock = new TestClock();
  return { clock, ct: new Conntrack({ config: linuxConntrackConfig(1024), clock }) };
}

const C = "10.244.1.5:53000";
const D = "10.244.2.8:53";

describe("UDP tracking (nf_conntrack_proto_udp.c)", () => {
  it("keeps an unreplied flow 30 s (nf_conntrack_udp_timeout) and then forgets it", () => {
    const { ct, clock } = setup();
    const r = ct.receive(udp(C, D));
    expect(r.state).toBe("NEW");
    ct.confirm(r.entry!);
    expect((r.entry!.deadline - clock.now) / 1e9).toBe(30);
    clock.advance(29.999);
    expect(ct.lookup(udp(C, D))?.entry).toBe(r.entry);
    clock.advance(0.001);
    expect(ct.lookup(udp(C, D))).toBeUndefined();
  });

  it("a quick request/response (DNS) is replied but not ASSURED, and keeps the 30 s timeout", () => {
    const { ct, clock } = setup();
    const e = ct.receive(udp(C, D)).entry!;
    ct.confirm(e);
    clock.advance(0.002);
    const r = ct.receive(udp(D, C));
    expect([r.state, r.dir]).toEqual(["ESTABLISHED", "reply"]);
    expect(e.has(IPS.SEEN_REPLY)).toBe(true);
    expect(e.has(IPS.ASSURED)).toBe(false);
    expect((e.deadline - clock.now) / 1e9).toBe(30);
    clock.advance(1);
    ct.receive(udp(C, D)); // within 2 s of creation: still not a stream
    expect([e.has(IPS.ASSURED), (e.deadline - clock.now) / 1e9]).toEqual([false, 30]);
  });

  it("a replied flow still active after 2 s becomes a stream: ASSURED, 120 s (nf_conntrack_udp_timeout_stream)", () => {
    const { ct, clock } = setup();
    const e = ct.receive(udp(C, D)).entry!;
    ct.confirm(e);
    ct.receive(udp(D, C));
    clock.advance(2.5);
    const r = ct.receive(udp(C, D));
    expect(r.state).toBe("ESTABLISHED");
    expect([e.has(IPS.ASSURED), (e.deadline - clock.now) / 1e9]).toEqual([true, 120]);
  });

  it("traffic in one direction only stays NEW and UNREPLIED", () => {
    const { ct, clock } = setup();
    const e = ct.receive(udp(C, D)).entry!;
    ct.confirm(e);
    clock.advance(5);
    expect(ct.receive(udp(C, D)).state).toBe("NEW");
    expect(e.has(IPS.SEEN_REPLY)).toBe(false);
  });
});

describe("ICMP tracking (nf_conntrack_proto_icmp.c)", () => {
  const A = "10.244.1.5";
  const B = "10.244.2.8";
  const echo = (from: string, to: string, type: number) => pkt("ICMP", `${from}:7`, to, 0, { icmp: { type, code: 0 } });

  it("tracks an echo request and matches its reply (30 s timeout)", () => {
    const { ct, clock } = setup();
    const r = ct.receive(echo(A, B, ICMP.ECHO_REQUEST));
    expect(r.state).toBe("NEW");
    ct.confirm(r.entry!);
    expect((r.entry!.deadline - clock.now) / 1e9).toBe(30);
    const reply = ct.receive(echo(B, A, ICMP.ECHO_REPLY));
    expect([reply.state, reply.dir, reply.entry]).toEqual(["ESTABLISHED", "reply", r.entry]);
  });

  it("an echo reply nobody asked for is INVALID", () => {
    const { ct } = setup();
    expect(ct.receive(echo(B, A, ICMP.ECHO_REPLY)).state).toBe("INVALID");
    expect(ct.count).toBe(0);
  });

  it("an ICMP error quoting a tracked flow is RELATED to it, in the direction it travels", () => {
    const { ct } = setup();
    const ids = new PacketIds();
    const query = udp(C, D);
    const e = ct.receive(query).entry!;
    ct.confirm(e);
    const err = icmpErrorFor(ids, query, ICMP.DEST_UNREACH, ICMP.PORT_UNREACH, ip("10.244.2.8"))!;
    const r = ct.receive(err);
    expect([r.state, r.dir, r.entry]).toEqual(["RELATED", "reply", e]);
  });

  it("an ICMP error about an unknown flow, or sent to the wrong host, is INVALID", () => {
    const { ct } = setup();
    const ids = new PacketIds();
    const query = udp(C, D);
    const unknown = icmpErrorFor(ids, query, ICMP.DEST_UNREACH, ICMP.PORT_UNREACH, ip("10.244.2.8"))!;
    expect(ct.receive(unknown).state).toBe("INVALID");
    ct.confirm(ct.receive(query).entry!);
    // nf_conntrack_inet_error: the outer destination must be the found direction's destination.
    const misdirected = makePacket(ids.take(), { ...unknown, dst: ip("10.244.9.9") });
    expect(ct.receive(misdirected).state).toBe("INVALID");
  });
});
