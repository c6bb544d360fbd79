import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ms, type Nanos, Rng, Scheduler, s } from "../../src/engine/index.ts";
import {
  GO_TRANSPORT,
  LoadGenerator,
  type LoadPlan,
  RateSchedule,
  type RequestCarrier,
  type RequestRecord,
} from "../../src/workload/index.ts";
import { http1World } from "./http1-helpers.ts";

/** A carrier without a network: each request is answered `latency` after it is sent (never when undefined). */
function fakeCarrier(sched: Scheduler, latency: Nanos | undefined) {
  const state = { inFlight: 0, maxInFlight: 0, abandoned: 0 };
  const carrier: RequestCarrier = {
    send(request) {
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      let live = true;
      if (latency !== undefined) {
        sched.after(latency, () => {
          if (!live) return;
          live = false;
          state.inFlight--;
          request.record.pod = "default/p";
          request.done();
        });
      }
      return () => {
        live = false;
        state.inFlight--;
        state.abandoned++;
      };
    },
  };
  return { carrier, state };
}

function generate(plan: LoadPlan, o: { until: Nanos; latency?: Nanos; seed?: number; timeout?: Nanos; stop?: Nanos }) {
  const sched = new Scheduler();
  const records: RequestRecord[] = [];
  const { carrier, state } = fakeCarrier(sched, "latency" in o ? o.latency : ms(1));
  const gen = new LoadGenerator({
    name: "load",
    scheduler: sched,
    rng: new Rng(o.seed ?? 1),
    carrier,
    plan,
    start: 0 as Nanos,
    ...(o.stop !== undefined ? { stop: o.stop } : {}),
    timeout: o.timeout ?? s(5),
    requestBytes: 100,
    responseBytes: 100,
    records,
  });
  sched.runUntil(o.until);
  return { records, state, gen };
}

const count = (records: RequestRecord[], from: number, to: number) =>
  records.filter((r) => r.start >= from && r.start < to).length;

describe("open-loop load (Poisson arrivals)", () => {
  it("arrives at the configured rate on average, with exponential gaps", () => {
    const { records } = generate({ kind: "open", rate: 200 }, { until: s(500) });
    // A Poisson count over 500 s at 200/s: mean 100 000, sd √100 000 ≈ 316; allow 5 sd.
    expect(Math.abs(records.length - 100_000)).toBeLessThan(5 * 316);
    const gaps = records.slice(1).map((r, i) => r.start - (records[i] as RequestRecord).start);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    // Exponential gaps: mean 1/rate = 5 ms, coefficient of variation 1.
    expect(mean / 5e6).toBeCloseTo(1, 1);
    expect(sd / mean).toBeCloseTo(1, 1);
  });

  it("follows a ramp: nothing before a step up from 0, the integral of a linear ramp", () => {
    const ramp = [
      { at: s(10), rate: 100 },
      { at: s(20), rate: 300, over: s(10) },
    ];
    const { records } = generate({ kind: "open", rate: 0, ramp }, { until: s(40) });
    expect(count(records, 0, s(10))).toBe(0);
    // 10–20 s at 100/s: 1000 ± 5·√1000; 20–30 s ramping 100 → 300: 2000 ± 5·√2000; then 300/s.
    expect(Math.abs(count(records, s(10), s(20)) - 1000)).toBeLessThan(5 * Math.sqrt(1000));
    expect(Math.abs(count(records, s(20), s(30)) - 2000)).toBeLessThan(5 * Math.sqrt(2000));
    expect(Math.abs(count(records, s(30), s(40)) - 3000)).toBeLessThan(5 * Math.sqrt(3000));
  });

  it("stops at `stop` and after `requests`", () => {
    expect(
      generate({ kind: "open", rate: 100 }, { until: s(10), stop: s(2) }).records.every((r) => r.start < s(2)),
    ).toBe(true);
    expect(generate({ kind: "open", rate: 100, requests: 7 }, { until: s(10) }).records).toHaveLength(7);
  });

  it("draws from its own seeded stream: the same seed replays, another seed differs", () => {
    const starts = (seed: number) =>
      generate({ kind: "open", rate: 50 }, { until: s(2), seed }).records.map((r) => r.start);
    expect(starts(3)).toEqual(starts(3));
    expect(starts(3)).not.toEqual(starts(4));
  });

  it("rejects a ramp point that starts inside the previous ramp", () => {
    expect(
      () =>
        new RateSchedule(1, [
          { at: s(1), rate: 2, over: s(5) },
          { at: s(3), rate: 4 },
        ]),
    ).toThrow(RangeError);
  });
});

describe("closed-loop load", () => {
  it("keeps `concurrency` requests in flight: throughput is concurrency / (latency + think)", () => {
    const { records, state } = generate(
      { kind: "closed", concurrency: 4, think: ms(9) },
      { until: s(1), latency: ms(1) },
    );
    // Each worker cycles every 1 ms + 9 ms: requests start at 0, 10, …, 1000 ms (runUntil
    // runs the events at its end time too): 101 per worker.
    expect(records).toHaveLength(404);
    expect(state.maxInFlight).toBe(4);
  });

  it("never has more than `concurrency` in flight, whatever the latency and think time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        (concurrency, think, latency, exponential) => {
          const { state, records } = generate(
            {
              kind: "closed",
              concurrency,
              think: ms(think),
              thinkDistribution: exponential ? "exponential" : "constant",
            },
            { until: ms(300), latency: ms(latency) },
          );
          expect(state.maxInFlight).toBeLessThanOrEqual(concurrency);
          // Every request but those still in flight at the end has finished.
          expect(records.filter((r) => r.end === undefined).length).toBeLessThanOrEqual(concurrency);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("records a timeout and abandons the request when the carrier never answers", () => {
    const { records, state } = generate(
      { kind: "closed", concurrency: 1, think: ms(0) },
      { until: s(3), latency: undefined, timeout: s(1) },
    );
    expect(records.map((r) => [r.start, r.end, r.error])).toEqual([
      [0, s(1), "timeout"],
      [s(1), s(2), "timeout"],
      [s(2), s(3), "timeout"],
      [s(3), undefined, undefined],
    ]);
    expect(state.abandoned).toBe(3);
  });
});

describe("load through an HTTP/1.1 agent", () => {
  it("a closed loop of 2 on Go's Transport holds exactly two connections", () => {
    const world = http1World(GO_TRANSPORT);
    world.load({ kind: "closed", concurrency: 2, think: ms(5) }, 0 as Nanos);
    world.w.sched.runUntil(s(2));
    expect(world.records.length).toBeGreaterThan(100);
    expect(world.records.every((r) => r.error === undefined)).toBe(true);
    expect(new Set(world.records.map((r) => r.localPort)).size).toBe(2);
    expect(world.agent.stats.dials).toBe(2);
  });

  it("an open loop that bursts past two in flight churns Go's connections; Node's pool keeps them", () => {
    const churn = (config: typeof GO_TRANSPORT) => {
      const world = http1World(config, { serviceTime: { kind: "exponential", mean: ms(20) } });
      world.load({ kind: "open", rate: 100 }, 0 as Nanos);
      world.w.sched.runUntil(s(10));
      return world.agent.stats;
    };
    // ~2 requests in flight on average (100/s × 20 ms): bursts above 2 dial, and Go closes
    // whatever exceeds two idle connections afterwards (DefaultMaxIdleConnsPerHost).
    const go = churn(GO_TRANSPORT);
    expect(go.closedIdleLimit).toBeGreaterThan(10);
    expect(go.dials).toBeGreaterThan(10);
    const node = churn({ ...GO_TRANSPORT, maxIdlePerHost: 256 });
    expect(node.closedIdleLimit).toBe(0);
    expect(node.dials).toBeLessThan(go.dials);
  });
});
