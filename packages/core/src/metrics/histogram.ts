/** Latency percentiles of successful requests, in integer nanoseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of sorted values (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/**
 * A latency histogram: every value is kept (a run has at most a few hundred
 * thousand requests), so percentiles are exact nearest-rank values rather
 * than bucket estimates, and a summary is the same however it is split.
 */
export class LatencyHistogram {
  private readonly values: number[] = [];
  private sorted = true;

  /** Adds one latency (ns). */
  add(value: number): void {
    const last = this.values.at(-1);
    if (last !== undefined && value < last) this.sorted = false;
    this.values.push(value);
  }

  /** Values recorded. */
  get count(): number {
    return this.values.length;
  }

  /** p50, p90, p99 and max. */
  summary(): LatencySummary {
    if (!this.sorted) {
      this.values.sort((a, b) => a - b);
      this.sorted = true;
    }
    const v = this.values;
    return {
      count: v.length,
      p50: percentile(v, 50),
      p90: percentile(v, 90),
      p99: percentile(v, 99),
      max: v.at(-1) ?? 0,
    };
  }
}

/** Summarises a list of latencies. */
export function latencySummary(values: Iterable<number>): LatencySummary {
  const h = new LatencyHistogram();
  for (const v of values) h.add(v);
  return h.summary();
}
