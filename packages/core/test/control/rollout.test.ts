import { describe, expect, it } from "vitest";
import {
  podTemplateHash,
  resolveFenceposts,
  rollingStep,
  safeEncodeString,
  scaledValue,
} from "../../src/control/index.ts";
import { InputError } from "../../src/engine/index.ts";

describe("rollout arithmetic", () => {
  it("scales int-or-percent values, surge up and unavailable down", () => {
    // why: intstr GetScaledValueFromIntOrPercent — math.Ceil when roundUp, math.Floor otherwise.
    expect(scaledValue("25%", 10, true, "x")).toBe(3);
    expect(scaledValue("25%", 10, false, "x")).toBe(2);
    expect(scaledValue(4, 10, true, "x")).toBe(4);
    expect(() => scaledValue("25", 10, true, "spec.strategy.rollingUpdate.maxSurge")).toThrow(InputError);
    expect(() => scaledValue("abc%", 10, true, "x")).toThrow(/percentage/);
  });

  it("resolves fenceposts as the examples in deployment/util say", () => {
    // why: ResolveFenceposts doc comment: "2 desired, max unavailable 1%, surge 0% - should
    // scale old(-1), then new(+1)" ⇒ unavailable resolves to 1 (both rounded to zero);
    // "2 desired, max unavailable 25%, surge 1% - should scale new(+1), then old(-1)" ⇒ surge 1, unavailable 0.
    expect(resolveFenceposts("0%", "1%", 2)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts("1%", "25%", 2)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts("1%", "0%", 1)).toEqual({ surge: 1, unavailable: 0 });
  });

  it("replays the worked example of rolling.go reconcileOldReplicaSets", () => {
    // why: rolling.go comment — "10 replicas, 2 maxUnavailable, 3 maxSurge: Deployment is
    // updated, newRS is created with 3 replicas, oldRS is scaled down to 8, and newRS is scaled up to 5."
    const old = { hash: "old", replicas: 10, available: 10, created: 0 };
    const step1 = rollingStep(10, 3, 2, { hash: "new", replicas: 0, available: 0, created: 1 }, [old]);
    expect([...step1]).toEqual([["new", 3]]);
    const step2 = rollingStep(10, 3, 2, { hash: "new", replicas: 3, available: 0, created: 1 }, [old]);
    expect([...step2]).toEqual([["old", 8]]);
    const step3 = rollingStep(10, 3, 2, { hash: "new", replicas: 3, available: 0, created: 1 }, [
      { ...old, replicas: 8, available: 8 },
    ]);
    expect([...step3]).toEqual([["new", 5]]);
  });

  it("does not scale old ReplicaSets down while the new one is unavailable (case 1 of the comment)", () => {
    // why: rolling.go comment, case 1: allPodsCount 13, minAvailable 8, newRS unavailable 5 ⇒
    // "13 - 8 - 5 = 0, so the oldRS won't be scaled down" even when an old Pod fails.
    const newRS = { hash: "new", replicas: 5, available: 0, created: 1 };
    const step = rollingStep(10, 3, 2, newRS, [{ hash: "old", replicas: 8, available: 7, created: 0 }]);
    expect(step.size).toBe(0);
  });

  it("hashes templates into the name alphabet, stably", () => {
    // why: SafeEncodeString maps each character c to alphanums[c % 27]; '0' is 48 → 48 % 27 = 21 → '4'.
    expect(safeEncodeString("0")).toBe("4");
    const t = { metadata: { labels: { app: "web" } }, spec: { containers: [] } };
    expect(podTemplateHash(t)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(podTemplateHash({ spec: { containers: [] }, metadata: { labels: { app: "web" } } })).toBe(
      podTemplateHash(t),
    );
    expect(podTemplateHash({ ...t, metadata: { labels: { app: "api" } } })).not.toBe(podTemplateHash(t));
  });
});
