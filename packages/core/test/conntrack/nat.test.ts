import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Conntrack,
  type CtEntry,
  IPS,
  invertTuple,
  linuxConntrackConfig,
  setDnat,
  setSnat,
  type Tuple,
  translate,
  translateIcmpError,
} from "../../src/conntrack/index.ts";
import { Rng } from "../../src/engine/index.ts";
import { formatEndpoint, ICMP, icmpErrorFor, makePacket, type Packet, PacketIds } from "../../src/net/index.ts";
import { ip, SYN, SYNACK, TestClock, tcp, udp } from "./helpers.ts";

const A = "10.244.1.5:40000";
const VIP = "10.96.0.10:80";
const B = ip("10.244.2.7");
const NODE = ip("10.0.0.2");

function setup() {
  const clock = new TestClock();
  return new Conntrack({ config: linuxConntrackConfig(4096), clock });
}

const ep = (p: { src: number; srcPort: number; dst: number; dstPort: number }) =>
  `${formatEndpoint(p.src, p.srcPort)} > ${formatEndpoint(p.dst, p.dstPort)}`;

/** The first packet of a flow through DNAT (and optional SNAT to the node), confirmed. */
function natFlow(ct: Conntrack, first: Packet, snat?: Parameters<typeof setSnat>[2]) {
  const e = ct.receive(first).entry!;
  setDnat(e, B, 8080);
  const s = snat ? setSnat(ct, e, snat) : undefined;
  const changes = translate(first, e, "original");
  if (s === undefined || s.ok) expect(ct.confirm(e)).toBe(true);
  return { e, s, changes };
}

describe("DNAT and un-DNAT", () => {
  it("rewrites the first packet to the endpoint and the reply back to the ClusterIP", () => {
    const ct = setup();
    const syn = tcp(A, VIP, SYN);
    const { e, changes } = natFlow(ct, syn);
    expect(changes).toEqual([{ kind: "dnat", fromIp: ip("10.96.0.10"), fromPort: 80, toIp: B, toPort: 8080 }]);
    expect(ep(syn)).toBe("10.244.1.5:40000 > 10.244.2.7:8080");
    expect(e.has(IPS.DST_NAT)).toBe(true);
    expect(e.has(IPS.SRC_NAT)).toBe(false);
    const synack = tcp("10.244.2.7:8080", A, SYNACK);
    const h = ct.receive(synack);
    expect([h.entry, h.dir, h.state]).toEqual([e, "reply", "ESTABLISHED"]);
    expect(translate(synack, e, "reply").map((c) => c.kind)).toEqual(["un-dnat"]);
    expect(ep(synack)).toBe("10.96.0.10:80 > 10.244.1.5:40000");
    // later original packets are translated by the entry, not by rules
    const ack = tcp(A, VIP, 0x10);
    expect(ct.receive(ack).entry).toBe(e);
    translate(ack, e, "original");
    expect(ep(ack)).toBe("10.244.1.5:40000 > 10.244.2.7:8080");
  });

  it("splits into the PREROUTING (dst) and POSTROUTING (src) halves", () => {
    const ct = setup();
    const { e } = natFlow(ct, tcp(A, VIP, SYN), { ip: NODE, masquerade: true });
    const reply = tcp("10.244.2.7:8080", "10.0.0.2:40000", SYNACK);
    expect(translate(reply, e, "reply", "dst").map((c) => c.kind)).toEqual(["un-snat"]);
    expect(ep(reply)).toBe("10.244.2.7:8080 > 10.244.1.5:40000");
    expect(translate(reply, e, "reply", "src").map((c) => c.kind)).toEqual(["un-dnat"]);
    expect(ep(reply)).toBe("10.96.0.10:80 > 10.244.1.5:40000");
  });
});

describe("SNAT source-port choice (nf_nat_core.c get_unique_tuple)", () => {
  it("keeps the source port when the reply tuple is unique", () => {
    const ct = setup();
    const syn = tcp(A, VIP, SYN);
    const { e, s, changes } = natFlow(ct, syn, { ip: NODE, masquerade: true });
    expect(s).toEqual({ ok: true, changed: true, port: 40000 });
    expect(changes.map((c) => c.kind)).toEqual(["dnat", "masquerade"]);
    expect(ep(syn)).toBe("10.0.0.2:40000 > 10.244.2.7:8080");
    expect(ep(e.reply)).toBe("10.244.2.7:8080 > 10.0.0.2:40000");
  });

  it("picks another port when the kept one would collide, from 1024-65535 for an unprivileged port", () => {
    const ct = setup();
    natFlow(ct, tcp(A, VIP, SYN), { ip: NODE });
    const { s } = natFlow(ct, tcp("10.244.3.9:40000", VIP, SYN), { ip: NODE });
    expect(s?.ok).toBe(true);
    const port = s?.ok ? s.port : -1;
    expect(port).not.toBe(40000);
    expect(port).toBeGreaterThanOrEqual(1024);
  });

  it("maps a colliding privileged port into 600-1023 ('>> 512 is credential passing')", () => {
    const ct = setup();
    natFlow(ct, tcp("10.244.1.5:700", VIP, SYN), { ip: NODE });
    const { s } = natFlow(ct, tcp("10.244.3.9:700", VIP, SYN), { ip: NODE });
    const port = s?.ok ? s.port : -1;
    expect(port).toBeGreaterThanOrEqual(600);
    expect(port).toBeLessThanOrEqual(1023);
    expect(port).not.toBe(700);
  });

  it("fails when every port of a tiny range is taken (→ snat-ports-exhausted)", () => {
    const ct = setup();
    const spec = { ip: NODE, ports: { lo: 50000, hi: 50001 }, mode: "random-fully" as const };
    const got = [1, 2, 3].map((i) => natFlow(ct, tcp(`10.244.1.${i}:40000`, VIP, SYN), spec).s);
    const ports = got.slice(0, 2).map((r) => (r?.ok ? r.port : -1));
    expect(ports.sort()).toEqual([50000, 50001]);
    expect(got[2]).toEqual({ ok: false, reason: "snat-ports-exhausted" });
  });

  it("random-fully draws from the given stream: same seed, same ports; always within the range", () => {
    const run = (seed: number) => {
      const ct = setup();
      const stream = new Rng(seed).stream("node/worker-1/nat");
      return [1, 2, 3, 4, 5].map((i) => {
        const r = natFlow(ct, udp(`10.244.1.${i}:5353`, "10.96.0.10:53"), {
          ip: NODE,
          ports: { lo: 30000, hi: 39999 },
          mode: "random-fully",
          stream,
        }).s;
        return r?.ok ? r.port : -1;
      });
    };
    const a = run(42);
    expect(run(42)).toEqual(a);
    expect(run(43)).not.toEqual(a);
    for (const p of a) expect(p >= 30000 && p <= 39999).toBe(true);
  });

  it("refuses to bind NAT on a confirmed entry", () => {
    const ct = setup();
    const { e } = natFlow(ct, tcp(A, VIP, SYN));
    expect(() => setDnat(e, B, 1)).toThrow(/confirmed/);
  });
});

describe("ICMP errors (nf_nat_icmp_reply_translation)", () => {
  it("un-NATs the outer header and the quoted packet of a port-unreachable", () => {
    const ct = setup();
    const ids = new PacketIds();
    const query = udp("10.244.1.5:5353", "10.96.0.10:53");
    const { e } = natFlow(ct, query, { ip: NODE, masquerade: true });
    // the endpoint's host answers the translated packet it received
    const err = icmpErrorFor(ids, query, ICMP.DEST_UNREACH, ICMP.PORT_UNREACH, B)!;
    const r = ct.receive(err);
    expect([r.state, r.dir]).toEqual(["RELATED", "reply"]);
    expect(translateIcmpError(err, e, "reply").map((c) => c.kind)).toEqual(["un-snat", "un-dnat"]);
    expect([err.src, err.dst]).toEqual([ip("10.96.0.10"), ip("10.244.1.5")]);
    // the client sees its own packet quoted, as it sent it
    expect(ep(err.icmp!.quoted!)).toBe("10.244.1.5:5353 > 10.96.0.10:53");
  });
});

describe("property: NAT is reversible and the reply finds its entry", () => {
  const octet = fc.integer({ min: 1, max: 254 });
  const flow = fc.record({
    proto: fc.constantFrom("TCP" as const, "UDP" as const),
    client: octet,
    sport: fc.integer({ min: 1, max: 65535 }),
    backend: octet,
    bport: fc.integer({ min: 1, max: 65535 }),
    snat: fc.constantFrom("none", "keep", "random-fully"),
  });
  it("for random flows, reply lookup after NAT finds the entry and there-and-back restores the tuple", () => {
    fc.assert(
      fc.property(fc.array(flow, { minLength: 1, maxLength: 30 }), fc.integer(), (flows, seed) => {
        const ct = setup();
        const stream = new Rng(seed).stream("nat");
        const ids = new PacketIds();
        const seen: [CtEntry, Tuple][] = [];
        for (const f of flows) {
          const p = makePacket(ids.take(), {
            proto: f.proto,
            src: ip(`10.244.1.${f.client}`),
            srcPort: f.sport,
            dst: ip("10.96.0.10"),
            dstPort: 53,
            flags: SYN,
          });
          const before: Tuple = { ...p };
          const r = ct.receive(p);
          if (r.state !== "NEW") continue; // a repeated flow: already tracked
          setDnat(r.entry!, ip(`10.244.2.${f.backend}`), f.bport);
          if (f.snat !== "none") {
            const mode = f.snat as "keep" | "random-fully";
            if (!setSnat(ct, r.entry!, { ip: NODE, mode, stream }).ok) continue;
          }
          translate(p, r.entry!, "original");
          expect(ct.confirm(r.entry!)).toBe(true);
          seen.push([r.entry!, before]);
          // the reply: the translated packet turned around
          const back = invertTuple(p)!;
          const reply = makePacket(ids.take(), { ...back, flags: SYNACK });
          const h = ct.lookup(reply)!;
          expect(h.entry).toBe(r.entry);
          expect(h.dir).toBe("reply");
          translate(reply, h.entry, "reply");
          expect(invertTuple(reply)).toEqual(invertTuple(invertTuple(before)!));
        }
        // every entry is still found from its original tuple
        for (const [e, t] of seen) expect(ct.lookupTuple(t)?.entry).toBe(e);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
