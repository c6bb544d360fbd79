import type { PacketStats } from "../trace/index.ts";
import type { RequestRecord } from "../workload/index.ts";

/** Latency percentiles of successful requests, in integer nanoseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Per-Pod figures. Keyed by Pod name (`namespace/name` outside `default`). */
export interface PodMetrics {
  requests: number;
  packetsIn: number;
  packetsOut: number;
}

/**
 * A run's metrics: plain data, printed by the summary, serialised under
 * `metrics` by `--json`, and addressed by dotted paths in expectations
 * (`drops.total`, `pods.web-1.requests`).
 */
export interface RunMetrics {
  packets: { sent: number; received: number; dropped: number };
  /** Drops by reason, plus `total`. */
  drops: Record<string, number>;
  requests: { total: number; ok: number; failed: number; errors: Record<string, number> };
  latencyNs: LatencySummary;
  pods: Record<string, PodMetrics>;
  syncs: number;
}

/** Nearest-rank percentile of sorted values (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

const byKey = <T>(entries: Iterable<[string, T]>): Record<string, T> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The short name a Pod is reported under: bare in `default`, `namespace/name` elsewhere. */
export function podLabel(key: string): string {
  return key.startsWith("default/") ? key.slice("default/".length) : key;
}

/** Builds the run's metrics from the packet counters and the request records. */
export function summarize(
  stats: PacketStats,
  records: readonly RequestRecord[],
  served: ReadonlyMap<string, number>,
  pods: readonly string[],
  syncs: number,
): RunMetrics {
  const latencies = records
    .filter((r) => r.error === undefined && r.end !== undefined)
    .map((r) => (r.end as number) - r.start)
    .sort((a, b) => a - b);
  const errors = new Map<string, number>();
  for (const r of records) if (r.error) errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
  const podMetrics = new Map<string, PodMetrics>();
  for (const key of new Set([...pods, ...served.keys()])) {
    const packets = stats.endpoints.get(key);
    podMetrics.set(podLabel(key), {
      requests: served.get(key) ?? 0,
      packetsIn: packets?.received ?? 0,
      packetsOut: packets?.sent ?? 0,
    });
  }
  const failed = [...errors.values()].reduce((a, b) => a + b, 0);
  return {
    packets: { sent: stats.sent, received: stats.received, dropped: stats.dropped },
    drops: { total: stats.dropped, ...byKey(stats.drops) },
    requests: { total: records.length, ok: latencies.length, failed, errors: byKey(errors) },
    latencyNs: {
      count: latencies.length,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
    },
    pods: byKey(podMetrics),
    syncs,
  };
}
