import { describe, expect, it } from "vitest";
import { ms, type Nanos, s } from "../../src/engine/index.ts";
import { GRPC_PORT, grpcWorld, servedBy } from "./grpc-helpers.ts";

describe("gRPC pick_first to a ClusterIP name", () => {
  it("keeps one connection, which kube-proxy pinned to one backend, for every call", () => {
    const w = grpcWorld({ replicas: 3 });
    const ch = w.channel({
      policy: "pick_first",
      host: "grpc",
      at: s(5),
      requests: 100,
      interval: ms(10),
      warmup: s(1),
    });
    w.c.scheduler.runUntil(s(10));
    expect(w.records).toHaveLength(100);
    expect(w.records.every((r) => r.error === undefined)).toBe(true);
    const clusterIP = w.c.store.get("Service", "default/grpc")?.spec.clusterIP;
    // One subchannel to the one resolved address, the ClusterIP.
    expect(ch.channel?.subchannels().map((sc) => sc.address)).toEqual([`${clusterIP}:${GRPC_PORT}`]);
    expect(new Set(w.records.map((r) => r.remote))).toEqual(new Set([`${clusterIP}:${GRPC_PORT}`]));
    // One connection (one local port), so one DNAT decision, so one Pod.
    expect(new Set(w.records.map((r) => r.localPort)).size).toBe(1);
    expect(servedBy(w.records).size).toBe(1);
    // Streams are the odd ids 1, 3, 5, … on that connection (RFC 9113 §5.1.1).
    expect(w.records.slice(0, 3).map((r) => r.stream)).toEqual([1, 3, 5]);
  });
});

describe("gRPC round_robin over a headless Service", () => {
  it("makes one subchannel per Pod IP from the DNS answer and rotates calls evenly over them", () => {
    const w = grpcWorld({ replicas: 3 });
    const ch = w.channel({
      policy: "round_robin",
      host: "grpc-headless",
      at: s(5),
      requests: 90,
      interval: ms(10),
      warmup: s(1),
    });
    w.c.scheduler.runUntil(s(10));
    const pods = w.c.store.list("Pod", "default").filter((p) => p.metadata.labels.app === "grpc");
    const ips = pods.map((p) => `${p.status.podIP}:${GRPC_PORT}`).sort();
    expect(
      ch.channel
        ?.subchannels()
        .map((sc) => sc.address)
        .sort(),
    ).toEqual(ips);
    expect(ch.channel?.subchannels().every((sc) => sc.state === "READY")).toBe(true);
    // round_robin takes the READY subchannels in turn: 90 calls over 3 ⇒ 30 each.
    expect([...servedBy(w.records).values()]).toEqual([30, 30, 30]);
    expect(new Set(w.records.map((r) => r.localPort)).size).toBe(3);
    // Consecutive calls never land on the same Pod.
    for (let i = 1; i < w.records.length; i++) expect(w.records[i]?.pod).not.toBe(w.records[i - 1]?.pod);
  });

  it("does not see Pods added later while no connection is lost (grpc-go never polls DNS)", () => {
    const w = grpcWorld({ replicas: 2 });
    const ch = w.channel({ policy: "round_robin", host: "grpc-headless", at: s(5), requests: 900, interval: ms(100) });
    w.scale(s(10), 4);
    w.c.scheduler.runUntil(s(100));
    expect(servedBy(w.records).size).toBe(2);
    expect(ch.channel?.resolver.lookups).toBe(1);
  });

  it("re-resolves after a lost connection, no sooner than 30 s after the last resolution, and picks up new Pods", () => {
    const w = grpcWorld({ replicas: 2 });
    const ch = w.channel({ policy: "round_robin", host: "grpc-headless", at: s(5), requests: 600, interval: ms(100) });
    w.scale(s(10), 4);
    // One of the original Pods drains its connections (GOAWAY) at 20 s.
    w.c.scheduler.at(s(20), () => w.servers.get(w.records[0]?.pod as string)?.drain());
    w.c.scheduler.runUntil(s(70));
    const channel = ch.channel;
    const firstResolution = w.records[0]?.start as number; // resolution finishes before the first call is picked
    const resolvedAt = channel?.resolver.lastSuccess as number;
    expect(channel?.resolver.lookups).toBe(2);
    // grpc-go MinResolutionInterval: the ResolveNow at 20 s waits until 30 s after the first success (~5 s).
    expect(resolvedAt).toBeGreaterThanOrEqual(s(35));
    expect(resolvedAt).toBeLessThan(s(36));
    expect(firstResolution).toBeLessThan(s(6));
    const before = servedBy(w.records.filter((r) => r.start < resolvedAt));
    const after = servedBy(w.records.filter((r) => r.start > resolvedAt + s(1)));
    expect(before.size).toBe(2);
    expect(after.size).toBe(4);
    expect(channel?.subchannels()).toHaveLength(4);
    expect(w.records.every((r) => r.error === undefined)).toBe(true);
  });

  it("a resolver poll picks up new Pods without any connection loss", () => {
    const w = grpcWorld({ replicas: 2 });
    w.channel({
      policy: "round_robin",
      host: "grpc-headless",
      at: s(5),
      requests: 400,
      interval: ms(100),
      resolvePoll: s(10),
      minResolutionInterval: s(10),
    });
    w.scale(s(10), 4);
    w.c.scheduler.runUntil(s(50));
    // Polls near 15 s and 25 s: the Pods started at ~11 s are in the answer by 25 s at the latest.
    expect(servedBy(w.records.filter((r) => r.start > s(27))).size).toBe(4);
  });
});

describe("server MaxConnectionAge", () => {
  it("sends GOAWAY after the age ±10%: pick_first reconnects through the ClusterIP and lands on several Pods", () => {
    const w = grpcWorld({ replicas: 3, maxConnectionAge: s(10), maxConnectionAgeGrace: s(5) });
    w.channel({ policy: "pick_first", host: "grpc", at: s(5), requests: 600, interval: ms(100), warmup: s(1) });
    w.c.scheduler.runUntil(s(68));
    expect(w.records.every((r) => r.error === undefined)).toBe(true);
    // Each connection is one DNAT decision: every call on it is served by one Pod.
    const byConn = new Map<number, Set<string>>();
    for (const r of w.records)
      byConn.set(r.localPort as number, (byConn.get(r.localPort as number) ?? new Set()).add(r.pod as string));
    for (const pods of byConn.values()) expect(pods.size).toBe(1);
    // Connections live 9–11 s (grpc-go getJitter: ±10%), so 60 s of calls use 6 or 7 of them.
    expect(byConn.size).toBeGreaterThanOrEqual(6);
    expect(byConn.size).toBeLessThanOrEqual(7);
    const firsts = [...byConn.keys()].map((port) => w.records.find((r) => r.localPort === port)?.start as number);
    const gaps = firsts.slice(1).map((t, i) => t - (firsts[i] as number));
    for (const gap of gaps.slice(0, -1)) {
      expect(gap).toBeGreaterThanOrEqual(s(9) - ms(200));
      expect(gap).toBeLessThanOrEqual(s(11) + ms(200));
    }
    // With this seed the reconnections reach more than one Pod (each is a fresh 1/3 draw by kube-proxy).
    expect(servedBy(w.records).size).toBeGreaterThan(1);
  });
});

describe("determinism", () => {
  it("the same seed gives the same records; the run is independent of wall time", () => {
    const run = (seed: number) => {
      const w = grpcWorld({ replicas: 3, seed, maxConnectionAge: s(5) });
      w.channel({ policy: "pick_first", host: "grpc", at: s(5), requests: 200, interval: ms(100) });
      w.c.scheduler.runUntil(s(30) as Nanos);
      return JSON.stringify(w.records);
    };
    expect(run(7)).toBe(run(7));
  });
});
