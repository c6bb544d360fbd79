/**
 * Engine throughput: events per second through the Scheduler in a hold model
 * (every fired event schedules one new event at now + a random delay, so the
 * number pending stays constant), against a bare float64 min-heap doing the
 * same pop + push in the same run. Delays are drawn up front from a seeded
 * PRNG so that drawing them is not measured.
 */
import { type Nanos, Scheduler } from "../packages/core/src/engine/index.ts";
import { BareHeap } from "./bare-heap.ts";
import { formatRate, median, mulberry32 } from "./stats.ts";

/** One size's result: medians over rounds, in events per second. */
export interface EngineSizeResult {
  pending: number;
  eventsPerRound: number;
  rounds: number;
  engineMedian: number;
  bareMedian: number;
  /** engine time per event / bare time per event (bare rate / engine rate): 1.0 means as fast as the bare heap. */
  ratio: number;
  engineRounds: number[];
  bareRounds: number[];
}

/** How the benchmark is sized. */
export interface EngineBenchOptions {
  sizes: readonly number[];
  rounds: number;
  /** Events fired per measured round, by pending-set size. */
  eventsFor: (pending: number) => number;
  seed: number;
  /** Warm the JIT before measuring (off only in tests). */
  warmup?: boolean;
}

export const DEFAULT_ENGINE_OPTIONS: EngineBenchOptions = {
  sizes: [100, 1_000, 10_000, 100_000, 1_000_000],
  rounds: 7,
  eventsFor: (pending) => (pending >= 1_000_000 ? 1_500_000 : 1_000_000),
  seed: 42,
};

/** 2^16 delays, exponential with a mean of 1 ms, as whole nanoseconds ≥ 1. */
export function makeDelays(seed: number, count = 1 << 16): Float64Array {
  const rand = mulberry32(seed);
  const delays = new Float64Array(count);
  for (let i = 0; i < count; i++) delays[i] = Math.max(1, Math.round(-1e6 * Math.log(1 - rand())));
  return delays;
}

/** One measured round through the Scheduler; returns events per second. */
export function engineRound(pending: number, events: number, delays: Float64Array): number {
  const sched = new Scheduler();
  const mask = delays.length - 1;
  let k = 0;
  const fire = (): void => {
    sched.after(delays[k++ & mask] as Nanos, fire, "bench");
  };
  for (let i = 0; i < pending; i++) sched.at(delays[k++ & mask] as Nanos, fire, "bench");
  const start = performance.now();
  for (let i = 0; i < events; i++) sched.step();
  const seconds = (performance.now() - start) / 1e3;
  if (sched.pending !== pending || sched.fired !== events) throw new Error("engine bench: hold model broke");
  return events / seconds;
}

/** The same hold model on the bare heap; returns events per second. */
export function bareRound(pending: number, events: number, delays: Float64Array): number {
  const heap = new BareHeap(pending + 1);
  const mask = delays.length - 1;
  let k = 0;
  for (let i = 0; i < pending; i++) heap.push(delays[k++ & mask] as number);
  const start = performance.now();
  for (let i = 0; i < events; i++) {
    const now = heap.pop();
    heap.push(now + (delays[k++ & mask] as number));
  }
  const seconds = (performance.now() - start) / 1e3;
  if (heap.size !== pending) throw new Error("bare bench: hold model broke");
  return events / seconds;
}

/** Runs every size, alternating engine and bare rounds so that drift hits both alike. */
export function runEngineBench(
  options: EngineBenchOptions = DEFAULT_ENGINE_OPTIONS,
  log: (line: string) => void = () => {},
): EngineSizeResult[] {
  const delays = makeDelays(options.seed);
  // Warm the JIT on both paths before anything is measured, with few and many
  // pending events, and long enough for times to pass 2^31 ns (beyond V8's
  // small integers), so that no measured round pays for a re-optimisation.
  for (const pending of options.warmup === false ? [] : [100, 10_000, 100]) {
    engineRound(pending, 400_000, delays);
    bareRound(pending, 400_000, delays);
  }
  const results: EngineSizeResult[] = [];
  for (const pending of options.sizes) {
    const events = options.eventsFor(pending);
    const engineRounds: number[] = [];
    const bareRounds: number[] = [];
    for (let r = 0; r < options.rounds; r++) {
      engineRounds.push(engineRound(pending, events, delays));
      bareRounds.push(bareRound(pending, events, delays));
    }
    const engineMedian = median(engineRounds);
    const bareMedian = median(bareRounds);
    const result = {
      pending,
      eventsPerRound: events,
      rounds: options.rounds,
      engineMedian,
      bareMedian,
      ratio: bareMedian / engineMedian,
      engineRounds,
      bareRounds,
    };
    results.push(result);
    log(
      `  ${String(pending).padStart(9)} pending: engine ${formatRate(engineMedian)}, bare ${formatRate(bareMedian)}, ratio ${result.ratio.toFixed(2)}×`,
    );
  }
  return results;
}

/** The results as an aligned text table. */
export function engineTable(results: readonly EngineSizeResult[]): string {
  const head = ["pending", "engine (median)", "bare heap (median)", "engine/bare time"];
  const rows = results.map((r) => [
    r.pending.toLocaleString("en-US"),
    formatRate(r.engineMedian),
    formatRate(r.bareMedian),
    `${r.ratio.toFixed(2)}×`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
