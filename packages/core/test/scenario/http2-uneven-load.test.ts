import { describe, expect, it } from "vitest";
import pickFirst, { newPodShare, roundRobin } from "../../../scenarios/src/http2-uneven-load.ts";
import { prepareScenario, runScenario, type ScenarioInput } from "../../src/scenario/index.ts";

const run = (input: ScenarioInput) =>
  runScenario(prepareScenario(input, "http2-uneven-load.ts"), { traceLevel: "off" });
const failed = (r: ReturnType<typeof run>) => r.expectations.filter((e) => !e.ok).map((e) => e.name);

describe("catalogue: http2-uneven-load", () => {
  const pf = run(pickFirst);
  const rr = run(roundRobin);

  it("pick_first to the ClusterIP: the new Pods get nothing; one connection per client", () => {
    expect(failed(pf)).toEqual([]);
    expect(newPodShare(pf)).toBe(0);
    const clients = Object.values(pf.metrics.clients ?? {});
    expect(clients.map((c) => c.connections)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("round_robin over the headless Service with MaxConnectionAge: the new Pods take most of their share", () => {
    expect(failed(rr)).toEqual([]);
    expect(newPodShare(rr)).toBeGreaterThan(0.5);
  });

  it("each variant's expectations fail on the other's behaviour", () => {
    // The pick_first expectations, checked against the round_robin run, and the reverse.
    const swap = (a: ScenarioInput, b: ScenarioInput) => run({ ...a, expect: b.expect });
    expect(failed(swap(roundRobin, pickFirst))).toContain(
      "the 7 new Pods get under 10% of the calls after the scale-out",
    );
    expect(failed(swap(pickFirst, roundRobin))).toEqual([
      "the new Pods get more than half their fair share over the whole window",
      "from 50 s, all 10 Pods serve within ±20% of the mean",
    ]);
  });

  it("the same seed replays the same calls", () => {
    expect(JSON.stringify(run(pickFirst).workload.records)).toBe(JSON.stringify(pf.workload.records));
  });
});
