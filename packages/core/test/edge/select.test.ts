import { describe, expect, it } from "vitest";
import { flowHash, HealthCounter, PROVIDER_PRESETS, selectTarget } from "../../src/edge/index.ts";

const T = (key: string, zone: string, healthy: boolean) => ({ key, zone, healthy });
const base = { distribution: "flow-hash" as const, crossZone: true, failOpen: true, zoneHash: 0 };
const rr = () => {
  let n = 0;
  return () => n++;
};

describe("target selection", () => {
  it("flow hash: the same 5-tuple always picks the same target, different tuples spread", () => {
    const targets = [T("a", "z1", true), T("b", "z1", true), T("c", "z2", true)];
    const h = flowHash(42, 6, 0xcb007101, 40000, 0xc6336402, 80);
    expect(flowHash(42, 6, 0xcb007101, 40000, 0xc6336402, 80)).toBe(h);
    const first = selectTarget(targets, { ...base, hash: h, nextRoundRobin: rr() }).target?.key;
    for (let i = 0; i < 5; i++)
      expect(selectTarget(targets, { ...base, hash: h, nextRoundRobin: rr() }).target?.key).toBe(first);
    // 300 source ports: a uniform hash puts ~100 on each; all three must be used.
    const counts = new Map<string, number>();
    for (let port = 40000; port < 40300; port++) {
      const k = selectTarget(targets, { ...base, hash: flowHash(42, 6, 1, port, 2, 80), nextRoundRobin: rr() }).target
        ?.key;
      counts.set(k as string, (counts.get(k as string) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(["a", "b", "c"]);
    for (const n of counts.values()) expect(n).toBeGreaterThan(60);
  });

  it("round robin cycles the healthy targets in key order", () => {
    const targets = [T("a", "z1", true), T("b", "z1", false), T("c", "z2", true)];
    const next = rr();
    const picks = Array.from(
      { length: 4 },
      () => selectTarget(targets, { ...base, distribution: "round-robin", hash: 0, nextRoundRobin: next }).target?.key,
    );
    // Healthy: [a, c]; counter 0,1,2,3 → a, c, a, c.
    expect(picks).toEqual(["a", "c", "a", "c"]);
  });

  it("cross-zone off: the flow's zone is one with a healthy target, and its target is in it", () => {
    const targets = [T("a", "z1", true), T("b", "z1", true), T("c", "z2", true), T("d", "z3", false)];
    for (let zh = 0; zh < 6; zh++) {
      const s = selectTarget(targets, { ...base, crossZone: false, zoneHash: zh, hash: zh * 7, nextRoundRobin: rr() });
      // Zones with a healthy target, sorted: [z1, z2]; zoneHash % 2 picks.
      expect(s.zone).toBe(zh % 2 === 0 ? "z1" : "z2");
      expect(targets.find((t) => t.key === s.target?.key)?.zone).toBe(s.zone);
      expect(s.candidates).toBe(zh % 2 === 0 ? 2 : 1);
    }
  });

  it("fails open to every target when none is healthy, or drops when the provider does not", () => {
    const targets = [T("a", "z1", false), T("b", "z2", false)];
    const open = selectTarget(targets, { ...base, crossZone: false, hash: 3, nextRoundRobin: rr() });
    expect(open).toMatchObject({ failOpen: true, candidates: 2, target: { key: "b" } });
    const closed = selectTarget(targets, {
      ...base,
      failOpen: PROVIDER_PRESETS.azure.failOpen,
      hash: 3,
      nextRoundRobin: rr(),
    });
    expect(closed).toMatchObject({ failOpen: false, candidates: 0, target: undefined });
  });
});

describe("health counter", () => {
  const settings = {
    ...PROVIDER_PRESETS["aws-nlb-in-tree"].healthCheck,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
    initialHealthyThreshold: 1,
  };
  it("needs the thresholds in a row, each from its own state", () => {
    const c = new HealthCounter(settings);
    expect(c.feed(false)).toBeUndefined();
    expect(c.feed(true)).toBe("healthy"); // initial: 1 pass
    expect([c.feed(false), c.feed(false), c.feed(true)]).toEqual([undefined, undefined, undefined]);
    expect([c.feed(false), c.feed(false), c.feed(false)]).toEqual([undefined, undefined, "unhealthy"]);
    expect([c.feed(true), c.feed(false), c.feed(true), c.feed(true)]).toEqual([
      undefined,
      undefined,
      undefined,
      "healthy",
    ]);
  });
});
