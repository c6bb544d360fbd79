import { describe, expect, it } from "vitest";
import { BareHeap } from "../bare-heap.ts";
import { bareRound, engineRound, engineTable, makeDelays, runEngineBench } from "../engine.ts";
import { median, mulberry32 } from "../stats.ts";

describe("bench building blocks", () => {
  it("BareHeap pops keys in ascending order and grows past its capacity", () => {
    const rand = mulberry32(1);
    const heap = new BareHeap(4);
    const keys = Array.from({ length: 500 }, () => Math.floor(rand() * 100));
    for (const k of keys) heap.push(k);
    const out: number[] = [];
    while (heap.size > 0) out.push(heap.pop());
    expect(out).toEqual([...keys].sort((a, b) => a - b));
  });

  it("makes whole-nanosecond delays with a mean near 1 ms", () => {
    const delays = makeDelays(42);
    expect(delays.every((d) => Number.isInteger(d) && d >= 1)).toBe(true);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    // Exponential, mean 1e6 ns: the standard error over 65,536 draws is about 3,900 ns.
    expect(Math.abs(mean - 1e6)).toBeLessThan(30_000);
  });

  it("median handles odd and even lengths", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("both hold models keep the pending count and report a rate", () => {
    const delays = makeDelays(7);
    expect(engineRound(50, 2_000, delays)).toBeGreaterThan(0);
    expect(bareRound(50, 2_000, delays)).toBeGreaterThan(0);
  });

  it("runs a tiny configuration end to end and tabulates it", () => {
    const results = runEngineBench({ sizes: [10, 100], rounds: 1, eventsFor: () => 1_000, seed: 1, warmup: false });
    expect(results.map((r) => r.pending)).toEqual([10, 100]);
    const table = engineTable(results);
    expect(table.split("\n")).toHaveLength(4);
    expect(table).toContain("engine/bare time");
  });
});
