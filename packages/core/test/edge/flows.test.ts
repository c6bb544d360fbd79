import { describe, expect, it } from "vitest";
import type { Nanos } from "../../src/engine/index.ts";
import { ms, s } from "../../src/engine/index.ts";
import { connectAt, lbWorld } from "./lb-helpers.ts";

// Fast checks so that targets settle early: every 2 s, 1 pass from initial, 2 failures.
const FAST = { interval: s(2), timeout: s(1), healthyThreshold: 1, unhealthyThreshold: 2, initialHealthyThreshold: 1 };

const picks = (w: ReturnType<typeof lbWorld>) =>
  w.c.tracer.events.flatMap((e) => (e.type === "lb.pick" && e.node === "cloud-lb" ? [e] : []));

describe("cloud load balancer flows", () => {
  it("flow hash keeps a connection on one target; eTP Local sees the client's own address", () => {
    const w = lbWorld({
      pods: ["node-a", "node-b"],
      policy: "Local",
      zones: ["a", "b"],
      lb: { crossZone: true, healthCheck: FAST },
    });
    const client = w.client("client-1", "203.0.113.10");
    // Both nodes pass their 2 s check (Pods ready at 1 s) → healthy by 2.0004 s.
    const conn = connectAt(w, client, s(5), 5);
    w.c.scheduler.runUntil(s(8));
    expect(conn.error).toBeUndefined();
    // One connection, five requests: one pick, and every reply from the same Pod.
    expect(conn.replies).toHaveLength(5);
    expect(new Set(conn.replies).size).toBe(1);
    expect(picks(w)).toHaveLength(1);
    expect(w.lb.frontend("default/web")?.stats.flows).toBe(1);
    // Client IP preserved, no SNAT under Local: the Pod saw 203.0.113.10.
    const pod = conn.replies[0] as string;
    expect(w.peers.get(pod)).toEqual(["203.0.113.10"]);
  });

  it("eTP Cluster with the client IP preserved: the Pod sees the node's address (kube-proxy's SNAT)", () => {
    const w = lbWorld({
      pods: ["node-a"],
      policy: "Cluster",
      zones: ["a", "b"],
      lb: { crossZone: true, distribution: "round-robin", healthCheck: FAST },
    });
    const client = w.client("client-1", "203.0.113.10");
    // Round robin over [node-a, node-b]: the 1st flow → node-a, the 2nd → node-b (which forwards to node-a's Pod).
    const c1 = connectAt(w, client, s(5));
    const c2 = connectAt(w, client, (s(5) + ms(50)) as Nanos);
    w.c.scheduler.runUntil(s(8));
    expect([c1.error, c2.error]).toEqual([undefined, undefined]);
    expect(w.peers.get("web-0")).toEqual(["192.168.0.10", "192.168.0.11"]);
  });

  it("round robin spreads new flows across healthy targets in turn", () => {
    const w = lbWorld({
      pods: ["node-a", "node-b"],
      policy: "Local",
      zones: ["a", "b"],
      lb: { crossZone: true, distribution: "round-robin", healthCheck: FAST },
    });
    const client = w.client("client-1", "203.0.113.10");
    const conns = [0, 1, 2, 3].map((i) => connectAt(w, client, (s(5) + i * ms(20)) as Nanos));
    w.c.scheduler.runUntil(s(8));
    for (const c of conns) expect(c.error).toBeUndefined();
    // Targets sorted [node-a, node-b]; counter 0..3 → a, b, a, b.
    expect(w.lb.summary()[0]?.perTarget).toEqual({ "node-a": 2, "node-b": 2 });
    expect(conns.map((c) => c.replies[0])).toEqual(["web-0", "web-1", "web-0", "web-1"]);
  });

  it("cross-zone off keeps every flow on a target in the zone it entered", () => {
    const w = lbWorld({
      pods: ["node-a", "node-b", "node-c"],
      policy: "Local",
      zones: ["a", "a", "b"],
      lb: { crossZone: false, healthCheck: FAST },
    });
    const zoneOf: Record<string, string> = { "node-a": "a", "node-b": "a", "node-c": "b" };
    const client = w.client("client-1", "203.0.113.10");
    const conns = Array.from({ length: 20 }, (_, i) => connectAt(w, client, (s(5) + i * ms(10)) as Nanos));
    w.c.scheduler.runUntil(s(8));
    for (const c of conns) expect(c.error).toBeUndefined();
    const all = picks(w);
    expect(all).toHaveLength(20);
    const zones = new Set<string>();
    for (const p of all) {
      const zone = /zone (\w+)/.exec(p.via)?.[1] as string;
      zones.add(zone);
      expect(zoneOf[p.endpoint.split(" ")[0] as string]).toBe(zone);
    }
    // 20 flows hashed over two zones: both are entered (each with probability 1 - 2^-19).
    expect([...zones].sort()).toEqual(["a", "b"]);
  });

  it("fails open when every target is unhealthy; kube-proxy then drops at the node", () => {
    const w = lbWorld({ pods: [], policy: "Local", zones: ["a", "b"], lb: { crossZone: true, healthCheck: FAST } });
    const client = w.client("client-1", "203.0.113.10");
    // No endpoint anywhere: 0 s refused, 2 s 503 → both unhealthy at ~2 s.
    const conn = connectAt(w, client, s(5));
    w.c.scheduler.runUntil(s(6));
    const f = w.lb.summary()[0];
    expect(f?.targets.map((t) => t.state)).toEqual(["unhealthy", "unhealthy"]);
    expect(f?.failOpenFlows).toBe(1);
    expect(picks(w)[0]?.via).toBe("flow-hash+fail-open");
    // The Service has no endpoint at all: kube-proxy's filter KUBE-EXTERNAL-SERVICES rejects at the node.
    const drops = w.c.tracer.events.filter((e) => e.type === "pkt.drop" && e.reason === "no-endpoints");
    expect(drops.length).toBeGreaterThan(0);
    expect(conn.replies).toEqual([]);
  });

  it("Azure does not fail open: the balancer drops new flows when no target is healthy", () => {
    const w = lbWorld({ pods: [], policy: "Local", zones: ["a", "b"], lb: { provider: "azure", healthCheck: FAST } });
    const client = w.client("client-1", "203.0.113.10");
    connectAt(w, client, s(5));
    w.c.scheduler.runUntil(s(6));
    expect(w.lb.summary()[0]?.dropped.noTarget).toBeGreaterThan(0);
    expect(w.lb.summary()[0]?.flows).toBe(0);
  });

  it("loadBalancerSourceRanges: the cloud firewall drops sources outside the ranges", () => {
    const w = lbWorld({
      pods: ["node-a"],
      policy: "Cluster",
      zones: ["a"],
      sourceRanges: ["203.0.113.0/28"],
      lb: { healthCheck: FAST },
    });
    const inside = connectAt(w, w.client("in", "203.0.113.10"), s(5));
    const outside = connectAt(w, w.client("out", "203.0.113.20"), s(5));
    w.c.scheduler.runUntil(s(7));
    expect(inside.replies).toEqual(["web-0"]);
    expect(outside.replies).toEqual([]);
    expect(w.lb.summary()[0]?.dropped.sourceRange).toBeGreaterThan(0);
  });

  it("proxied client IP with PROXY v2: the Pod sees the balancer, the header names the client", () => {
    const w = lbWorld({
      pods: ["node-a"],
      policy: "Local",
      zones: ["a"],
      level: "packet",
      lb: { clientIp: "proxy", proxyProtocol: true, healthCheck: FAST },
    });
    const conn = connectAt(w, w.client("client-1", "203.0.113.10"), s(5));
    w.c.scheduler.runUntil(s(7));
    expect(conn.replies).toEqual(["web-0"]);
    expect(w.peers.get("web-0")).toEqual(["198.51.100.1"]);
    const withHeader = w.c.tracer.events.filter(
      (e) => e.type === "pkt.recv" && e.node === "node-a" && e.pkt.proxy !== undefined,
    );
    expect(withHeader).toHaveLength(1);
    // client ip:port > frontend (198.51.100.2, the pool's first frontend address):80.
    expect(withHeader[0]?.type === "pkt.recv" ? withHeader[0].pkt.proxy : "").toMatch(
      /^203\.0\.113\.10:\d+ > 198\.51\.100\.2:80$/,
    );
  });
});
