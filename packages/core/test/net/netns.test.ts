import { describe, expect, it } from "vitest";
import { Rng, Scheduler } from "../../src/engine/index.ts";
import {
  EPHEMERAL_PORT_RANGE,
  ICMP,
  makePacket,
  NetNamespace,
  type Packet,
  PacketIds,
  parseIPv4,
  TCP,
} from "../../src/net/index.ts";

const SERVER = parseIPv4("10.244.1.5");
const CLIENT = parseIPv4("10.244.2.9");

function setup(opts: { seed?: number; portRange?: { low: number; high: number } } = {}) {
  const sched = new Scheduler();
  const ids = new PacketIds();
  const out: Packet[] = [];
  const events: string[] = [];
  const ns = new NetNamespace({
    name: "web-1",
    ips: [SERVER],
    sched,
    rng: new Rng(opts.seed ?? 1),
    ids,
    egress: (p) => out.push(p),
    portRange: opts.portRange,
    observer: {
      sent: (p) => events.push(`sent ${p.id}`),
      received: (p) => events.push(`recv ${p.id}`),
      dropped: (p, r) => events.push(`drop ${p.id} ${r}`),
    },
  });
  const inbound = (proto: "TCP" | "UDP", dstPort: number, flags = 0, srcPort = 40000) =>
    makePacket(ids.take(), { proto, src: CLIENT, srcPort, dst: SERVER, dstPort, flags });
  return { sched, ids, ns, out, events, inbound };
}

describe("NetNamespace demux", () => {
  it("hands a packet to the listener on its (proto, port) with the current time", () => {
    const { ns, inbound, events } = setup();
    const got: [number, number][] = [];
    ns.bind("TCP", 80, (p, now) => got.push([p.id, now]));
    const syn = inbound("TCP", 80, TCP.SYN);
    ns.deliver(syn);
    expect(got).toEqual([[syn.id, 0]]);
    expect(events).toEqual([`recv ${syn.id}`]);
    expect(() => ns.bind("TCP", 80, () => {})).toThrow(/already bound/);
    // UDP has its own port space.
    expect(ns.bind("UDP", 80, () => {})).toBe(80);
  });

  it("prefers a connected socket matching the whole tuple over the listener", () => {
    const { ns, inbound } = setup();
    const seen: string[] = [];
    ns.bind("TCP", 80, () => seen.push("listener"));
    ns.connect("TCP", CLIENT, 40000, () => seen.push("conn"), 80);
    ns.deliver(inbound("TCP", 80, TCP.ACK, 40000));
    ns.deliver(inbound("TCP", 80, TCP.SYN, 40001));
    ns.disconnect("TCP", 80, CLIENT, 40000);
    ns.deliver(inbound("TCP", 80, TCP.ACK, 40000));
    expect(seen).toEqual(["conn", "listener", "listener"]);
  });
});

describe("NetNamespace answers for closed ports", () => {
  it("answers a SYN to a closed TCP port with RST|ACK from the port it was sent to (tcp_v4_send_reset)", () => {
    const { ns, inbound, out, events } = setup();
    const syn = inbound("TCP", 8080, TCP.SYN);
    ns.deliver(syn);
    expect(out).toHaveLength(1);
    const rst = out[0] as Packet;
    // why: no ACK on the SYN → the reset carries ACK (acking the SYN); addresses and ports swapped.
    expect(rst).toMatchObject({ proto: "TCP", src: SERVER, srcPort: 8080, dst: CLIENT, dstPort: 40000 });
    expect(rst.flags).toBe(TCP.RST | TCP.ACK);
    expect(events).toEqual([`drop ${syn.id} no-socket`, `sent ${rst.id}`]);
  });

  it("answers a segment carrying ACK with a bare RST, and never answers a RST", () => {
    const { ns, inbound, out } = setup();
    ns.deliver(inbound("TCP", 8080, TCP.ACK | TCP.PSH));
    expect(out[0]?.flags).toBe(TCP.RST);
    ns.deliver(inbound("TCP", 8080, TCP.RST));
    expect(out).toHaveLength(1);
  });

  it("answers UDP to a closed port with ICMP port unreachable quoting the datagram (__udp4_lib_rcv)", () => {
    const { ns, inbound, out } = setup();
    const dgram = inbound("UDP", 53);
    ns.deliver(dgram);
    const icmp = out[0] as Packet;
    expect(icmp.proto).toBe("ICMP");
    expect(icmp.src).toBe(SERVER);
    expect(icmp.dst).toBe(CLIENT);
    // include/uapi/linux/icmp.h: ICMP_DEST_UNREACH 3, ICMP_PORT_UNREACH 3.
    expect(icmp.icmp).toEqual({
      type: 3,
      code: 3,
      quoted: { proto: "UDP", src: CLIENT, srcPort: 40000, dst: SERVER, dstPort: 53 },
    });
    // 20 IP + 8 ICMP + the 28-byte datagram quoted whole (it fits in 576).
    expect(icmp.length).toBe(56);
  });

  it("gives an ICMP error to the connected socket that sent the quoted packet, and drops it otherwise", () => {
    const { ns, ids, events } = setup();
    const errs: Packet[] = [];
    const port = ns.connect("UDP", CLIENT, 53, (p) => errs.push(p)) as number;
    const quoted = { proto: "UDP" as const, src: SERVER, srcPort: port, dst: CLIENT, dstPort: 53 };
    const err = makePacket(ids.take(), {
      proto: "ICMP",
      src: CLIENT,
      dst: SERVER,
      icmp: { type: ICMP.DEST_UNREACH, code: ICMP.PORT_UNREACH, quoted },
    });
    ns.deliver(err);
    expect(errs).toEqual([err]);
    const stray = makePacket(ids.take(), {
      proto: "ICMP",
      src: CLIENT,
      dst: SERVER,
      icmp: { type: ICMP.DEST_UNREACH, code: ICMP.PORT_UNREACH, quoted: { ...quoted, dstPort: 54 } },
    });
    ns.deliver(stray);
    expect(events.at(-1)).toBe(`drop ${stray.id} no-socket`);
  });
});

describe("NetNamespace ephemeral ports", () => {
  it("allocates in ip_local_port_range, even ports first, consecutive connects 2 apart (__inet_hash_connect)", () => {
    const { ns } = setup({ seed: 3 });
    const ports = Array.from({ length: 5 }, (_, i) => ns.connect("TCP", CLIENT, 80 + i, () => {}) as number);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(EPHEMERAL_PORT_RANGE.low);
      expect(p).toBeLessThanOrEqual(EPHEMERAL_PORT_RANGE.high);
      expect(p % 2).toBe(0);
    }
    for (let i = 1; i < ports.length; i++) {
      const step = ((ports[i] as number) - (ports[i - 1] as number) + 28232) % 28232;
      expect(step).toBe(2);
    }
  });

  it("is deterministic per seed", () => {
    const first = (seed: number) => setup({ seed }).ns.connect("TCP", CLIENT, 80, () => {});
    expect(first(11)).toBe(first(11));
    const distinct = new Set([1, 2, 3, 4, 5, 6].map(first));
    expect(distinct.size).toBeGreaterThan(1);
  });

  it("shares a port between different remotes, then runs out per remote (EADDRNOTAVAIL)", () => {
    const { ns } = setup({ portRange: { low: 40000, high: 40003 } });
    const toA = [0, 1, 2, 3].map((i) => ns.connect("TCP", CLIENT, 80, () => {}, undefined) ?? `none${i}`);
    expect([...toA].sort()).toEqual([40000, 40001, 40002, 40003]);
    // even ports first, then odd (the second parity pass)
    expect(toA.slice(0, 2).every((p) => (p as number) % 2 === 0)).toBe(true);
    expect(ns.connect("TCP", CLIENT, 80, () => {})).toBeUndefined();
    expect(ns.connect("TCP", CLIENT, 81, () => {})).toBeDefined();
    ns.disconnect("TCP", toA[0] as number, CLIENT, 80);
    expect(ns.connect("TCP", CLIENT, 80, () => {})).toBe(toA[0]);
  });

  it("skips ports that have a listener", () => {
    const { ns } = setup({ portRange: { low: 40000, high: 40001 } });
    ns.bind("TCP", 40000, () => {});
    expect(ns.connect("TCP", CLIENT, 80, () => {})).toBe(40001);
  });
});
