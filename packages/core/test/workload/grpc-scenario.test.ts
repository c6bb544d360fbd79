import { describe, expect, it } from "vitest";
import { ms, type Nanos, s } from "../../src/engine/index.ts";
import type { LbPolicy } from "../../src/workload/grpc/index.ts";
import { grpcWorld, servedBy } from "./grpc-helpers.ts";

/**
 * The catalogue scenario "HTTP/2 uneven load", built directly on the cluster
 * (the scenario schema has no client kinds for gRPC yet). Six client Pods,
 * each with one gRPC channel making 10 calls/s from 6 s to 96 s, to a
 * Deployment scaled from 3 to 10 Pods at 30 s.
 */
const CLIENTS = 6;
const SCALE_AT = s(30);
const END = s(96);

function unevenLoad(policy: LbPolicy, maxConnectionAge?: Nanos) {
  const w = grpcWorld({ replicas: 3, clients: CLIENTS, ...(maxConnectionAge ? { maxConnectionAge } : {}) });
  const original = new Set<string>();
  w.c.scheduler.at(s(29), () => {
    for (const key of w.servers.keys()) original.add(key);
  });
  for (let i = 0; i < CLIENTS; i++) {
    w.channel({
      policy,
      host: policy === "pick_first" ? "grpc" : "grpc-headless",
      from: `client-${i}`,
      name: `client-${i}`,
      at: s(5),
      warmup: s(1),
      requests: 900,
      interval: ms(100),
    });
  }
  w.scale(SCALE_AT, 10);
  w.c.scheduler.runUntil(END);
  const after = w.records.filter((r) => r.start >= SCALE_AT);
  const perPod = servedBy(after);
  const newServed = [...perPod].filter(([pod]) => !original.has(pod)).reduce((a, [, n]) => a + n, 0);
  return { w, original, after, perPod, newShare: newServed / after.length };
}

// The 7 new Pods' fair share of calls after the scale-out is 7/10.
const FAIR_NEW_SHARE = 7 / 10;

describe("scenario: HTTP/2 uneven load after a scale-out (3 → 10 Pods)", () => {
  it("pick_first to the ClusterIP: the 7 new Pods get almost nothing, every connection stays where it landed", () => {
    const { w, original, after, newShare } = unevenLoad("pick_first");
    expect(w.servers.size).toBe(10);
    expect(original.size).toBe(3);
    expect(after.every((r) => r.error === undefined)).toBe(true);
    // The effect: well under 10% of the calls after the scale-out reach the new Pods.
    expect(newShare).toBeLessThan(0.1);
    // One connection per channel for the whole run, each served by one original Pod.
    const ports = new Set(w.records.map((r) => `${r.client}:${r.localPort}`));
    expect(ports.size).toBe(CLIENTS);
    const open = [...w.servers].map(([pod, server]) => [pod, server.connections] as const);
    expect(open.filter(([pod]) => !original.has(pod)).every(([, n]) => n === 0)).toBe(true);
    expect(open.reduce((a, [, n]) => a + n, 0)).toBe(CLIENTS);
  });

  it("round_robin over the headless Service with MaxConnectionAge 30 s: the new Pods take their share", () => {
    const { w, after, perPod, newShare } = unevenLoad("round_robin", s(30));
    expect(after.every((r) => r.error === undefined)).toBe(true);
    // More than half of the new Pods' fair share over the whole post-scale window
    // (the first ~6 s of it come before any connection reaches its age).
    expect(newShare).toBeGreaterThan(0.5 * FAIR_NEW_SHARE);
    expect(perPod.size).toBe(10);
    // Once every channel has re-resolved, no skew: calls per Pod within ±20% of the mean.
    const late = servedBy(w.records.filter((r) => r.start >= s(50)));
    const counts = [...late.values()];
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(counts).toHaveLength(10);
    for (const n of counts) expect(Math.abs(n - mean) / mean).toBeLessThan(0.2);
  });

  it("the same scenario and seed replay identically", () => {
    const a = unevenLoad("pick_first").w.records;
    const b = unevenLoad("pick_first").w.records;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
