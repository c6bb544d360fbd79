import { describe, expect, it } from "vitest";
import { ms, Rng, Scheduler, us } from "../../src/engine/index.ts";
import { ICMP, type Packet, TCP } from "../../src/net/index.ts";
import { Network } from "../../src/node/index.ts";
import { ACCEPT } from "../../src/proxy/index.ts";
import { TraceRecorder } from "../../src/trace/index.ts";
import { cluster, hooksOf, ip, ofType, ScriptedProxy } from "./helpers.ts";

const drops = (events: Parameters<typeof ofType>[0]) =>
  ofType(events, "pkt.drop").map((e) => ({ node: e.node, id: e.pkt.id, reason: e.reason, where: e.where }));

describe("answers from the far end", () => {
  it("a SYN to a port nobody bound comes back as RST|ACK from the server's address", () => {
    const { sched, tracer, a1, b1 } = cluster();
    const seen: Packet[] = [];
    const port = a1.connect("TCP", b1.ip, 8443, (p) => seen.push(p)) as number;
    const syn = a1.packet({ proto: "TCP", srcPort: port, dst: b1.ip, dstPort: 8443, flags: TCP.SYN });
    a1.send(syn);
    sched.runToIdle();
    expect(drops(tracer.events)).toEqual([{ node: "node-b", id: syn.id, reason: "no-socket", where: "b1" }]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ src: b1.ip, srcPort: 8443, dst: a1.ip, dstPort: port, flags: TCP.RST | TCP.ACK });
  });

  it("UDP to a closed port comes back as ICMP port unreachable to the connected socket", () => {
    const { sched, a1, b1 } = cluster();
    const seen: Packet[] = [];
    const port = a1.connect("UDP", b1.ip, 53, (p) => seen.push(p)) as number;
    a1.send(a1.packet({ proto: "UDP", srcPort: port, dst: b1.ip, dstPort: 53 }));
    sched.runToIdle();
    expect(seen[0]?.proto).toBe("ICMP");
    expect(seen[0]?.src).toBe(b1.ip);
    expect(seen[0]?.icmp).toEqual({
      type: ICMP.DEST_UNREACH,
      code: ICMP.PORT_UNREACH,
      quoted: { proto: "UDP", src: a1.ip, srcPort: port, dst: b1.ip, dstPort: 53 },
    });
  });
});

describe("drops on the way", () => {
  it("drops at TTL 1 while forwarding (ttl-exceeded) and answers ICMP time exceeded from the node", () => {
    const { sched, tracer, a1, b1, nodeA, nodeB } = cluster();
    const errs: Packet[] = [];
    const port = a1.connect("UDP", b1.ip, 53, (p) => errs.push(p)) as number;
    const dies1 = a1.packet({ proto: "UDP", srcPort: port, dst: b1.ip, dstPort: 53, ttl: 1 });
    const dies2 = a1.packet({ proto: "UDP", srcPort: port, dst: b1.ip, dstPort: 53, ttl: 2 });
    a1.send(dies1);
    a1.send(dies2);
    sched.runToIdle();
    const ttl = drops(tracer.events).filter((d) => d.reason === "ttl-exceeded");
    expect(ttl.map((d) => [d.node, d.id])).toEqual([
      ["node-a", dies1.id],
      ["node-b", dies2.id],
    ]);
    // why: ip_forward checks ttl <= 1 before the FORWARD hook, so FORWARD never sees it.
    expect(hooksOf(tracer.events, dies1.id)).toEqual(["node-a:PREROUTING"]);
    expect(errs.map((e) => [e.src, e.icmp?.type, e.icmp?.code])).toEqual([
      [nodeA.ip, ICMP.TIME_EXCEEDED, ICMP.EXC_TTL],
      [nodeB.ip, ICMP.TIME_EXCEEDED, ICMP.EXC_TTL],
    ]);
  });

  it("with no route drops (no-route) and answers ICMP net unreachable (ip_error)", () => {
    const { sched, tracer, a1 } = cluster({ defaultRoute: false });
    const errs: Packet[] = [];
    const far = ip("192.168.7.7");
    const port = a1.connect("UDP", far, 53, (p) => errs.push(p)) as number;
    const p = a1.packet({ proto: "UDP", srcPort: port, dst: far, dstPort: 53 });
    a1.send(p);
    sched.runToIdle();
    expect(drops(tracer.events)).toEqual([{ node: "node-a", id: p.id, reason: "no-route", where: "veth-a1" }]);
    expect(errs[0]?.icmp).toMatchObject({ type: ICMP.DEST_UNREACH, code: ICMP.NET_UNREACH });
  });

  it("with the default route, an address no host owns dies in the fabric", () => {
    const { sched, tracer, a1 } = cluster();
    const p = a1.packet({ proto: "UDP", srcPort: 5000, dst: ip("192.168.7.7"), dstPort: 53 });
    a1.send(p);
    sched.runToIdle();
    expect(drops(tracer.events)).toEqual([{ node: "node-a", id: p.id, reason: "no-route", where: "fabric" }]);
  });

  it("a host process with no route gets nothing out: no hook runs (ENETUNREACH)", () => {
    const { sched, tracer, nodeA } = cluster({ defaultRoute: false });
    const p = nodeA.host.packet({ proto: "UDP", srcPort: 5000, dst: ip("192.168.7.7"), dstPort: 53 });
    nodeA.host.send(p);
    sched.runToIdle();
    expect(hooksOf(tracer.events, p.id)).toEqual([]);
    expect(drops(tracer.events)).toEqual([{ node: "node-a", id: p.id, reason: "no-route", where: "output" }]);
  });

  it("a down node drops everything (node-down), and works again once up", () => {
    const { sched, tracer, net, a1, b1 } = cluster();
    const got: number[] = [];
    b1.bind("UDP", 53, (p) => got.push(p.id));
    net.setNodeUp("node-b", false);
    const lost = a1.packet({ proto: "UDP", srcPort: 5000, dst: b1.ip, dstPort: 53 });
    a1.send(lost);
    sched.runToIdle();
    expect(drops(tracer.events)).toEqual([{ node: "node-b", id: lost.id, reason: "node-down", where: "eth0" }]);
    net.setNodeUp("node-b", true);
    const ok = a1.packet({ proto: "UDP", srcPort: 5000, dst: b1.ip, dstPort: 53 });
    a1.send(ok);
    sched.runToIdle();
    expect(got).toEqual([ok.id]);
  });

  it("a detached Pod's address hits the podCIDR blackhole; a packet already on its veth dies as no-such-pod", () => {
    const { sched, tracer, net, a1, b1 } = cluster({ vethLatency: us(5), fabricLatency: us(100) });
    b1.bind("UDP", 53, () => {});
    // In flight: past node-b's routing at t=105µs, on veth-b1 until t=110µs.
    const inFlight = a1.packet({ proto: "UDP", srcPort: 5000, dst: b1.ip, dstPort: 53 });
    a1.send(inFlight);
    sched.runUntil(us(107));
    net.detachPod("b1");
    sched.runToIdle();
    const after = a1.packet({ proto: "UDP", srcPort: 5000, dst: b1.ip, dstPort: 53 });
    a1.send(after);
    sched.runToIdle();
    expect(drops(tracer.events)).toEqual([
      { node: "node-b", id: inFlight.id, reason: "no-such-pod", where: "veth-b1" },
      // why: Calico keeps `blackhole <block>` for the node's own block: silent, no ICMP.
      { node: "node-b", id: after.id, reason: "no-route", where: "blackhole" },
    ]);
    expect(net.pod("b1")).toBeUndefined();
    // The same address can be reused by a new Pod.
    const b2 = net.attachPod("node-b", "b2", "10.244.2.2");
    const got: number[] = [];
    b2.bind("UDP", 53, (p) => got.push(p.id));
    const again = a1.packet({ proto: "UDP", srcPort: 5000, dst: b2.ip, dstPort: 53 });
    a1.send(again);
    sched.runUntil(ms(1));
    expect(got).toEqual([again.id]);
  });

  it("loses node-to-node packets on a lossy fabric link, reproducibly per seed", () => {
    const run = (seed: number) => {
      const { sched, tracer, net, a1, b1 } = cluster({}, seed);
      net.fabric.link("node-a", "node-b").setLoss(0.25);
      b1.bind("UDP", 53, () => {});
      for (let i = 0; i < 100; i++) a1.send(a1.packet({ proto: "UDP", srcPort: 5000, dst: b1.ip, dstPort: 53 }));
      sched.runToIdle();
      return drops(tracer.events);
    };
    const first = run(42);
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((d) => d.reason === "link-loss" && d.where === "fabric/node-a/node-b")).toBe(true);
    expect(run(42)).toEqual(first);
  });
});

describe("the proxy at the hooks", () => {
  it("routes after PREROUTING: a DNAT there sends a VIP's packet to a Pod on another node", () => {
    const vip = ip("10.96.0.10");
    const { sched, tracer, nodeA, a1, b1 } = cluster({ defaultRoute: false });
    nodeA.proxy = new ScriptedProxy((hook, pkt) => {
      if (hook === "PREROUTING" && pkt.dst === vip && pkt.dstPort === 80) {
        pkt.dst = b1.ip;
        pkt.dstPort = 8080;
      }
      return ACCEPT;
    });
    const got: Packet[] = [];
    b1.bind("TCP", 8080, (p) => got.push(p));
    const syn = a1.packet({ proto: "TCP", srcPort: 40000, dst: vip, dstPort: 80, flags: TCP.SYN });
    a1.send(syn);
    sched.runToIdle();
    // Without the DNAT the VIP has no route at all (defaultRoute: false).
    expect(got.map((p) => p.id)).toEqual([syn.id]);
    const route = ofType(tracer.events, "pkt.route").find((e) => e.node === "node-a");
    expect(route).toMatchObject({ dev: "eth0", via: "10.0.0.2" });
  });

  it("reroutes a host packet whose destination nat OUTPUT changed", () => {
    const vip = ip("10.96.0.10");
    const { sched, nodeA, a1 } = cluster({ defaultRoute: false });
    const proxy = new ScriptedProxy((hook, pkt) => {
      if (hook === "OUTPUT" && pkt.dst === vip) pkt.dst = a1.ip;
      return ACCEPT;
    });
    nodeA.proxy = proxy;
    const got: number[] = [];
    a1.bind("TCP", 80, (p) => got.push(p.id));
    // The VIP must be routable for the socket to send at all: give it a route out eth0.
    nodeA.routes.add({ dst: { base: vip, bits: 32, mask: 0xffffffff }, kind: "unicast", dev: "eth0" });
    const syn = nodeA.host.packet({ proto: "TCP", srcPort: 40000, dst: vip, dstPort: 80, flags: TCP.SYN });
    nodeA.host.send(syn);
    sched.runToIdle();
    expect(got).toEqual([syn.id]);
    // OUTPUT saw the first route's device, POSTROUTING the rerouted one.
    expect(proxy.seen.map((s) => [s.hook, s.outDev])).toEqual([
      ["OUTPUT", "eth0"],
      ["POSTROUTING", "veth-a1"],
    ]);
  });

  it("passes in/out devices to the proxy", () => {
    const { sched, nodeB, a1, b1 } = cluster();
    const proxy = new ScriptedProxy();
    nodeB.proxy = proxy;
    b1.bind("UDP", 53, () => {});
    a1.send(a1.packet({ proto: "UDP", srcPort: 5000, dst: b1.ip, dstPort: 53 }));
    sched.runToIdle();
    expect(proxy.seen.map((s) => [s.hook, s.inDev, s.outDev])).toEqual([
      ["PREROUTING", "eth0", undefined],
      ["FORWARD", "eth0", "veth-b1"],
      ["POSTROUTING", "eth0", "veth-b1"],
    ]);
  });

  it("applies drop and reject verdicts: REJECT tcp-reset answers from the destination, icmp from the node", () => {
    const vip = ip("10.96.0.20");
    const { sched, tracer, nodeA, a1 } = cluster();
    nodeA.proxy = new ScriptedProxy((hook, pkt) => {
      if (hook !== "FORWARD" || pkt.dst !== vip) return ACCEPT;
      if (pkt.proto === "TCP")
        return { kind: "reject", reason: "no-endpoints", with: "tcp-reset", where: "KUBE-SERVICES" };
      if (pkt.proto === "UDP") return { kind: "reject", reason: "no-endpoints", with: "icmp-port-unreachable" };
      return { kind: "drop", reason: "rule-drop" };
    });
    const seen: Packet[] = [];
    const tport = a1.connect("TCP", vip, 80, (p) => seen.push(p)) as number;
    const uport = a1.connect("UDP", vip, 53, (p) => seen.push(p)) as number;
    const syn = a1.packet({ proto: "TCP", srcPort: tport, dst: vip, dstPort: 80, flags: TCP.SYN });
    const dgram = a1.packet({ proto: "UDP", srcPort: uport, dst: vip, dstPort: 53 });
    const sctp = a1.packet({ proto: "SCTP", srcPort: 1, dst: vip, dstPort: 2 });
    a1.send(syn);
    a1.send(dgram);
    a1.send(sctp);
    sched.runToIdle();
    expect(drops(tracer.events)).toEqual([
      { node: "node-a", id: syn.id, reason: "no-endpoints", where: "KUBE-SERVICES" },
      { node: "node-a", id: dgram.id, reason: "no-endpoints", where: "FORWARD" },
      { node: "node-a", id: sctp.id, reason: "rule-drop", where: "FORWARD" },
    ]);
    expect(seen.map((p) => [p.proto, p.src, p.flags, p.icmp?.type, p.icmp?.code])).toEqual([
      ["TCP", vip, TCP.RST | TCP.ACK, undefined, undefined],
      ["ICMP", nodeA.ip, 0, ICMP.DEST_UNREACH, ICMP.PORT_UNREACH],
    ]);
    // The node's answers leave through its own OUTPUT path.
    const rst = seen[0] as Packet;
    expect(hooksOf(tracer.events, rst.id)).toEqual(["node-a:OUTPUT", "node-a:POSTROUTING"]);
  });
});

describe("Network", () => {
  it("refuses clashing nodes with an InputError naming both", () => {
    const net = new Network({ scheduler: new Scheduler(), rng: new Rng(1) });
    net.addNode({ name: "n1", ip: "10.0.0.1", podCidr: "10.244.0.0/16" });
    expect(() => net.addNode({ name: "n2", ip: "10.0.0.1", podCidr: "10.244.1.0/24" })).toThrow(
      /ip 10.0.0.1 is node "n1"'s[\s\S]*overlaps node "n1"'s 10.244.0.0\/16/,
    );
    expect(() => net.attachPod("n1", "p", "10.245.0.1")).toThrow(/outside node n1's podCIDR/);
  });

  it("records nothing at trace level off", () => {
    const sched = new Scheduler();
    const tracer = new TraceRecorder("off");
    const net = new Network({ scheduler: sched, rng: new Rng(1), tracer });
    net.addNode({ name: "n1", ip: "10.0.0.1", podCidr: "10.244.1.0/24" });
    const p1 = net.attachPod("n1", "p1", "10.244.1.2");
    p1.send(p1.packet({ proto: "TCP", srcPort: 1, dst: ip("10.244.1.9"), dstPort: 2, flags: TCP.SYN }));
    sched.runToIdle();
    expect(tracer.events).toEqual([]);
  });

  it("lists nodes in name order", () => {
    const net = new Network({ scheduler: new Scheduler(), rng: new Rng(1) });
    net.addNode({ name: "b", ip: "10.0.0.2", podCidr: "10.244.2.0/24" });
    net.addNode({ name: "a", ip: "10.0.0.1", podCidr: "10.244.1.0/24" });
    expect(net.nodes().map((n) => n.name)).toEqual(["a", "b"]);
  });
});
