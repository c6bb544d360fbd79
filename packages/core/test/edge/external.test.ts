import { describe, expect, it } from "vitest";
import { ExternalNetwork } from "../../src/edge/index.ts";
import { InputError, ms, s, us } from "../../src/engine/index.ts";
import { parseIPv4 } from "../../src/net/index.ts";
import type { TraceEvent } from "../../src/trace/index.ts";
import { NODE_A, NODE_B, NODE_PORT, nodePortWorld } from "./external-helpers.ts";

const ofType = <T extends TraceEvent["type"]>(events: readonly TraceEvent[], type: T) =>
  events.filter((e): e is Extract<TraceEvent, { type: T }> => e.type === type);

/** The source addresses of the SYNs the Pod received, as the trace shows them. */
const synSourcesAtPod = (events: readonly TraceEvent[]) =>
  ofType(events, "pkt.recv")
    .filter((e) => e.at === "default/web-1" && e.pkt.flags === "S")
    .map((e) => e.pkt.src);

describe("external clients reaching a NodePort Service", () => {
  it("externalTrafficPolicy Cluster via a node without the Pod: the Pod sees that node's IP", () => {
    const w = nodePortWorld({ etp: "Cluster" });
    const alice = w.ext.addHost({ name: "alice" });
    // The first host gets the range's first address.
    expect(alice.ip).toBe(parseIPv4("203.0.113.1"));
    w.client("alice", alice.netns, NODE_A);
    w.c.scheduler.runUntil(s(10));
    expect(w.records.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    // kube-proxy's rules on node-a: KUBE-NODEPORTS → KUBE-EXT-… jumps to KUBE-MARK-MASQ
    // (Cluster policy: "masquerade traffic for … external destinations"), then KUBE-SVC →
    // KUBE-SEP DNAT to the Pod on node-b; KUBE-POSTROUTING MASQUERADEs the marked packet
    // out of eth0, whose address is node-a's. So the Pod sees 192.168.0.10, never 203.0.113.1.
    expect(w.sources.sources().get("default/web-1")).toEqual({ [NODE_A]: 5 });
    const syns = synSourcesAtPod(w.c.tracer.events);
    expect(syns).toHaveLength(5);
    expect(syns.every((src) => src.startsWith(`${NODE_A}:`))).toBe(true);
    const masq = ofType(w.c.tracer.events, "nat").filter((e) => e.kind === "masquerade");
    expect(masq.every((e) => e.node === "node-a" && e.to.startsWith(`${NODE_A}:`))).toBe(true);
    // Rewritten per packet by the conntrack entry: client → Pod per connection is SYN,
    // the handshake's ACK, the request, the ACK of the response, FIN and the last ACK.
    expect(masq).toHaveLength(5 * 6);
    // The echoed client address on the client's record says the same.
    expect(w.records.every((r) => r.source?.startsWith(`${NODE_A}:`))).toBe(true);
  });

  it("externalTrafficPolicy Local on the node with the Pod: the Pod sees the client's IP", () => {
    const w = nodePortWorld({ etp: "Local" });
    const alice = w.ext.addHost({ name: "alice", ip: "203.0.113.7" });
    w.client("alice", alice.netns, NODE_B);
    w.c.scheduler.runUntil(s(10));
    expect(w.records.every((r) => r.error === undefined && r.end !== undefined)).toBe(true);
    // KUBE-EXT-… with Local policy jumps to KUBE-SVL (local endpoints) without
    // KUBE-MARK-MASQ for traffic from outside the cluster CIDR: no MASQUERADE.
    expect(w.sources.sources().get("default/web-1")).toEqual({ "203.0.113.7": 5 });
    expect(ofType(w.c.tracer.events, "nat").filter((e) => e.kind === "masquerade")).toEqual([]);
    expect(synSourcesAtPod(w.c.tracer.events).every((src) => src.startsWith("203.0.113.7:"))).toBe(true);
    // The replies leave node-b by its default route and reach the client from node-b's NodePort.
    const atAlice = ofType(w.c.tracer.events, "pkt.recv").filter((e) => e.at === "alice");
    expect(new Set(atAlice.map((e) => e.pkt.src))).toEqual(new Set([`${NODE_B}:${NODE_PORT}`]));
    expect(atAlice.every((e) => e.node === "internet")).toBe(true);
  });

  it("externalTrafficPolicy Local on a node without the Pod: kube-proxy drops the SYNs", () => {
    const w = nodePortWorld({ etp: "Local" });
    const alice = w.ext.addHost({ name: "alice" });
    w.client("alice", alice.netns, NODE_A, 1);
    w.c.scheduler.runUntil(s(10));
    // SYNs at 2, 3 and 5 s (RTO 1 s, doubling) all die in KUBE-EXTERNAL-SERVICES'
    // DROP; the application's 5 s timeout ends the request at 7 s.
    expect(w.records[0]).toMatchObject({ error: "timeout", end: 7e9, retransmissions: 2 });
    const drops = ofType(w.c.tracer.events, "pkt.drop").filter((d) => d.reason === "no-local-endpoints");
    expect(drops.map((d) => d.node)).toEqual(["node-a", "node-a", "node-a"]);
    expect(w.sources.sources().size).toBe(0);
  });

  it("MASQUERADEs with Cluster policy even when the Pod is on the node that was reached", () => {
    const w = nodePortWorld({ etp: "Cluster" });
    const alice = w.ext.addHost({ name: "alice" });
    w.client("alice", alice.netns, NODE_B, 2);
    w.c.scheduler.runUntil(s(10));
    // KUBE-EXT-… marks every external packet under Cluster policy; MASQUERADE
    // out of the Pod's veth takes the node's primary address (inet_select_addr
    // falls back to another device's address when the veth has none).
    expect(w.sources.sources().get("default/web-1")).toEqual({ [NODE_B]: 2 });
  });

  it("adds the external path's latency to each way, for hosts added after a change too", () => {
    const w = nodePortWorld({ etp: "Local" });
    const early = w.ext.addHost({ name: "early" });
    w.ext.setLatency(ms(30));
    const late = w.ext.addHost({ name: "late" });
    const own = w.ext.addHost({ name: "own", latency: ms(1) });
    for (const h of [early, late, own]) w.client(h.name, h.netns, NODE_B, 1);
    w.c.scheduler.runUntil(s(10));
    // Handshake = one round trip: external link + fabric (the scenario's nodeLatency,
    // 100 µs) + node-b → Pod veth (podLatency, 5 µs), each way; hooks take no time.
    const rtt = (ext: number) => 2 * (ext + us(100) + us(5));
    const connect = Object.fromEntries(w.records.map((r) => [r.client, (r.connected as number) - r.start]));
    expect(connect).toEqual({ early: rtt(ms(30)), late: rtt(ms(30)), own: rtt(ms(1)) });
  });

  it("a corporate NAT: many client processes, one source IP, distinct source ports", () => {
    const w = nodePortWorld({ etp: "Local" });
    const nat = w.ext.corporateNat({ name: "corp", ip: "203.0.113.50", processes: 20 });
    expect(nat.processes.map((p) => p.name).slice(0, 2)).toEqual(["corp-1", "corp-2"]);
    for (const p of nat.processes) w.client(p.name, p.netns, NODE_B, 1);
    w.c.scheduler.runUntil(s(10));
    expect(w.records.filter((r) => r.error === undefined)).toHaveLength(20);
    expect(w.sources.sources().get("default/web-1")).toEqual({ "203.0.113.50": 20 });
    // 20 connections at once from one address: the Pod sees 20 different source ports.
    const syns = synSourcesAtPod(w.c.tracer.events);
    expect(syns).toHaveLength(20);
    expect(new Set(syns).size).toBe(20);
  });

  it("drops a packet to an external address no host holds, at the fabric", () => {
    const w = nodePortWorld();
    const alice = w.ext.addHost({ name: "alice" });
    w.c.scheduler.at(s(1), () =>
      w.c.network
        .host("node-a")
        .send(
          w.c.network.host("node-a").packet({ proto: "UDP", dst: parseIPv4("203.0.113.99"), srcPort: 1, dstPort: 2 }),
        ),
    );
    w.c.scheduler.runUntil(s(2));
    expect(alice.ip).not.toBe(parseIPv4("203.0.113.99"));
    // Node-a's default route sends it to the fabric, which knows only the hosts'
    // addresses: no-route, charged to the sender, where "fabric".
    const drops = ofType(w.c.tracer.events, "pkt.drop");
    expect(drops.map((d) => [d.node, d.reason, d.where])).toEqual([["node-a", "no-route", "fabric"]]);
  });

  it("rejects a bad range, an address outside it, and a taken name, saying where", () => {
    const w = nodePortWorld();
    const base = { network: w.c.network, scheduler: w.c.scheduler, rng: w.c.rng };
    expect(() => new ExternalNetwork({ ...base, name: "x", cidr: "203.0.113.0/33" })).toThrow(InputError);
    const ext = new ExternalNetwork({ ...base, name: "partners", cidr: "198.51.100.0/24" });
    expect(() => ext.addHost({ name: "a", ip: "203.0.113.5" })).toThrow(
      /external network "partners": host "a": ip: expected a host address in 198\.51\.100\.0\/24/,
    );
    // The edge keeps the range's last usable address.
    expect(() => ext.addHost({ name: "a", ip: "198.51.100.254" })).toThrow(InputError);
    ext.addHost({ name: "a" });
    expect(() => ext.addHost({ name: "a" })).toThrow(/the name is already taken/);
    expect(() => ext.corporateNat({ name: "n", processes: 0 })).toThrow(/processes: expected an integer ≥ 1/);
  });
});
