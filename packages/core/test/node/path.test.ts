import { describe, expect, it } from "vitest";
import { us } from "../../src/engine/index.ts";
import { DEFAULT_TTL, type Packet, TCP } from "../../src/net/index.ts";
import { cluster, hooksOf, ip, ofType } from "./helpers.ts";

describe("the packet path through nodes", () => {
  it("pod→pod across nodes: PREROUTING, FORWARD, POSTROUTING on each node; latency sums; TTL drops by 2", () => {
    const { sched, tracer, a1, b1 } = cluster({ vethLatency: us(3), fabricLatency: us(100) });
    const got: [Packet, number][] = [];
    b1.bind("TCP", 8080, (p, now) => got.push([p, now]));
    const syn = a1.packet({ proto: "TCP", srcPort: 40000, dst: b1.ip, dstPort: 8080, flags: TCP.SYN });
    a1.send(syn);
    sched.runToIdle();
    // Routed CNI, veth-attached Pods: each node routes (forwards) the packet,
    // so both see ip_rcv → ip_forward → ip_output (DESIGN.md "The packet path").
    expect(hooksOf(tracer.events, syn.id)).toEqual([
      "node-a:PREROUTING",
      "node-a:FORWARD",
      "node-a:POSTROUTING",
      "node-b:PREROUTING",
      "node-b:FORWARD",
      "node-b:POSTROUTING",
    ]);
    expect(got).toHaveLength(1);
    // veth a1 (3 µs) + fabric (100 µs) + veth b1 (3 µs); hooks take no time.
    expect(got[0]?.[1]).toBe(us(106));
    // Two forwarding hops, each ip_decrease_ttl.
    expect(got[0]?.[0].ttl).toBe(DEFAULT_TTL - 2);
    const routes = ofType(tracer.events, "pkt.route").filter((e) => e.pkt.id === syn.id);
    expect(routes.map((r) => [r.node, r.dev, r.via, r.local])).toEqual([
      ["node-a", "eth0", "10.0.0.2", false],
      ["node-b", "veth-b1", undefined, false],
    ]);
    expect(ofType(tracer.events, "pkt.send").map((e) => [e.from, e.pkt.id])).toEqual([["a1", syn.id]]);
    expect(ofType(tracer.events, "pkt.recv").map((e) => [e.at, e.node, e.t])).toEqual([["b1", "node-b", us(106)]]);
  });

  it("pod→pod on one node: one PREROUTING, FORWARD, POSTROUTING; two veth hops", () => {
    const { sched, tracer, a1, a2 } = cluster({ vethLatency: us(2) });
    const got: [Packet, number][] = [];
    a2.bind("UDP", 53, (p, now) => got.push([p, now]));
    const q = a1.packet({ proto: "UDP", srcPort: 5000, dst: a2.ip, dstPort: 53 });
    a1.send(q);
    sched.runToIdle();
    expect(hooksOf(tracer.events, q.id)).toEqual(["node-a:PREROUTING", "node-a:FORWARD", "node-a:POSTROUTING"]);
    expect(got[0]?.[1]).toBe(us(4));
    expect(got[0]?.[0].ttl).toBe(DEFAULT_TTL - 1);
  });

  it("host→pod: OUTPUT then POSTROUTING, no forwarding, no TTL decrement on the sending node", () => {
    const { sched, tracer, nodeA, a1, b1 } = cluster({ vethLatency: us(2), fabricLatency: us(50) });
    const got: [string, number, number][] = [];
    a1.bind("TCP", 10250, (p, now) => got.push(["a1", p.ttl, now]));
    b1.bind("TCP", 10250, (p, now) => got.push(["b1", p.ttl, now]));
    const local = nodeA.host.packet({ proto: "TCP", srcPort: 33000, dst: a1.ip, dstPort: 10250, flags: TCP.SYN });
    const remote = nodeA.host.packet({ proto: "TCP", srcPort: 33002, dst: b1.ip, dstPort: 10250, flags: TCP.SYN });
    nodeA.host.send(local);
    nodeA.host.send(remote);
    sched.runToIdle();
    expect(hooksOf(tracer.events, local.id)).toEqual(["node-a:OUTPUT", "node-a:POSTROUTING"]);
    expect(hooksOf(tracer.events, remote.id)).toEqual([
      "node-a:OUTPUT",
      "node-a:POSTROUTING",
      "node-b:PREROUTING",
      "node-b:FORWARD",
      "node-b:POSTROUTING",
    ]);
    expect(got).toEqual([
      ["a1", DEFAULT_TTL, us(2)],
      ["b1", DEFAULT_TTL - 1, us(52)],
    ]);
  });

  it("host→own address loops through lo: OUTPUT, POSTROUTING, PREROUTING, INPUT", () => {
    const { sched, tracer, nodeA } = cluster();
    const got: number[] = [];
    nodeA.host.bind("TCP", 10256, (_p, now) => got.push(now));
    const probe = nodeA.host.packet({ proto: "TCP", srcPort: 40000, dst: nodeA.ip, dstPort: 10256, flags: TCP.SYN });
    nodeA.host.send(probe);
    sched.runToIdle();
    expect(hooksOf(tracer.events, probe.id)).toEqual([
      "node-a:OUTPUT",
      "node-a:POSTROUTING",
      "node-a:PREROUTING",
      "node-a:INPUT",
    ]);
    expect(got).toEqual([0]);
  });

  it("pod→remote node IP is delivered to that node's host via INPUT", () => {
    const { sched, tracer, a1, nodeB } = cluster();
    const got: Packet[] = [];
    nodeB.host.bind("TCP", 10250, (p) => got.push(p));
    const syn = a1.packet({ proto: "TCP", srcPort: 40000, dst: nodeB.ip, dstPort: 10250, flags: TCP.SYN });
    a1.send(syn);
    sched.runToIdle();
    expect(hooksOf(tracer.events, syn.id)).toEqual([
      "node-a:PREROUTING",
      "node-a:FORWARD",
      "node-a:POSTROUTING",
      "node-b:PREROUTING",
      "node-b:INPUT",
    ]);
    expect(got).toHaveLength(1);
    const route = ofType(tracer.events, "pkt.route").find((e) => e.node === "node-b");
    expect(route).toMatchObject({ dev: "lo", local: true });
  });

  it("carries a reply back to the client's connected socket", () => {
    const { sched, a1, b1 } = cluster({ vethLatency: us(1), fabricLatency: us(10) });
    b1.bind("TCP", 80, (syn) => {
      b1.send(
        b1.packet({
          proto: "TCP",
          srcPort: 80,
          dst: syn.src,
          dstPort: syn.srcPort,
          flags: TCP.SYN | TCP.ACK,
        }),
      );
    });
    const replies: [number, number][] = [];
    const port = a1.connect("TCP", b1.ip, 80, (p, now) => replies.push([p.flags, now])) as number;
    a1.send(a1.packet({ proto: "TCP", srcPort: port, dst: b1.ip, dstPort: 80, flags: TCP.SYN }));
    sched.runToIdle();
    // One round trip: 2 × (1 + 10 + 1) µs.
    expect(replies).toEqual([[TCP.SYN | TCP.ACK, us(24)]]);
  });

  it("a pod reaches itself over lo without leaving its namespace", () => {
    const { sched, tracer, a1 } = cluster();
    const got: number[] = [];
    a1.bind("UDP", 9000, (p) => got.push(p.id));
    const p = a1.packet({ proto: "UDP", srcPort: 1234, dst: a1.ip, dstPort: 9000 });
    a1.send(p);
    sched.runToIdle();
    expect(got).toEqual([p.id]);
    expect(hooksOf(tracer.events, p.id)).toEqual([]);
  });

  it("uses the cross-zone latency between zones", () => {
    const { sched, net, a1 } = cluster({ vethLatency: us(1), fabricLatency: us(100), crossZoneLatency: us(700) });
    net.addNode({ name: "node-c", ip: "10.0.1.1", podCidr: "10.244.3.0/24", zone: "z2" });
    const c1 = net.attachPod("node-c", "c1", "10.244.3.2");
    const got: number[] = [];
    c1.bind("UDP", 53, (_p, now) => got.push(now));
    a1.send(a1.packet({ proto: "UDP", srcPort: 5353, dst: ip("10.244.3.2"), dstPort: 53 }));
    sched.runToIdle();
    expect(got).toEqual([us(702)]);
  });
});
