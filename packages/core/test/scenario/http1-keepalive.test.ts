import { describe, expect, it } from "vitest";
import keepalive, {
  bursty,
  burstyIdle100,
  newPodShare,
  withoutKeepAlive,
} from "../../../scenarios/src/http1-keepalive-scaleout.ts";
import { checkExpectations, prepareScenario, runScenario, type ScenarioInput } from "../../src/scenario/index.ts";
import { runCatalogue } from "./helpers.ts";

const run = (input: ScenarioInput) => runScenario(prepareScenario(input, "http1-keepalive-scaleout.ts"));

describe("scenario: HTTP/1.1 keep-alive imbalance after a scale-out (3 → 6 Pods)", () => {
  it("pooled Go clients never reach the new Pods; connection counts per client stay at 2", async () => {
    const result = await runCatalogue("http1-keepalive-scaleout.ts");
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    const { share, requests } = newPodShare(result);
    expect(requests).toBeGreaterThan(10_000);
    expect(share).toBe(0);
    // Six Pods exist; the three created by the scale-out served nothing and accepted no connection.
    const web = Object.entries(result.metrics.pods).filter(([name]) => name.startsWith("web-"));
    expect(web).toHaveLength(6);
    const idle = web.filter(([, p]) => p.requests === 0);
    expect(idle).toHaveLength(3);
    expect(idle.every(([, p]) => p.connections === 0)).toBe(true);
    // Every request after each client's first two rode a reused connection (MaxIdleConnsPerHost 2 ≥ 2 in flight).
    for (const c of Object.values(result.metrics.clients)) expect(c.reused).toBe(c.requests - 2);
  });

  it("without keep-alive every request is balanced afresh, and the pooled expectations fail there", () => {
    const result = run(withoutKeepAlive);
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    // The pooled scenario's expectations, checked against this run, do not hold: the effect is gone.
    const pooled = checkExpectations(prepareScenario(keepalive, "k.ts").scenario.expect, result.metrics, result);
    expect(pooled.filter((e) => !e.ok).map((e) => e.name)).toEqual([
      "the 3 new Pods get under 5% of the requests after the scale-out (fair share 50%)",
      "each client holds its two connections for the whole run",
    ]);
  });

  it("open-loop bursts churn Go's two-idle pool, which rebalances; MaxIdleConnsPerHost 100 stops both", () => {
    const churned = run(bursty);
    expect(churned.expectations.filter((e) => !e.ok)).toEqual([]);
    for (const agent of churned.workload.agents.values()) {
      // A connection beyond the two idle ones is closed when freed (errTooManyIdleHost).
      expect(agent.stats.closedIdleLimit).toBeGreaterThan(30);
    }
    const stable = run(burstyIdle100);
    expect(stable.expectations.filter((e) => !e.ok)).toEqual([]);
    for (const agent of stable.workload.agents.values()) {
      expect(agent.stats.closedIdleLimit).toBe(0);
      expect(agent.stats.dials).toBeLessThan(10);
    }
    // Each variant's expectations fail on the other.
    expect(checkExpectations(prepareScenario(bursty, "b.ts").scenario.expect, stable.metrics, stable)[1]?.ok).toBe(
      false,
    );
    expect(
      checkExpectations(prepareScenario(burstyIdle100, "b.ts").scenario.expect, churned.metrics, churned)[1]?.ok,
    ).toBe(false);
  });

  it("replays identically for the same seed", () => {
    const a = run(bursty).workload.records;
    const b = run(bursty).workload.records;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
