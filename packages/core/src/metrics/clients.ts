import type { RequestRecord } from "../workload/index.ts";
import { LatencyHistogram, type LatencySummary } from "./histogram.ts";

/** One client's requests. */
export interface ClientMetrics {
  requests: number;
  ok: number;
  failed: number;
  /** Failed requests by cause. */
  errors: Record<string, number>;
  /** Connections its requests used (distinct local → remote endpoint pairs; UDP: sockets). */
  connections: number;
  /** Requests that went out on a connection an earlier request had used. */
  reused: number;
  /** Latency of its successful requests. */
  latencyNs: LatencySummary;
}

/** Requests grouped by a key (a client, a Pod), with their latency histograms. */
export class RequestGroups {
  private readonly groups = new Map<
    string,
    {
      records: number;
      ok: number;
      errors: Map<string, number>;
      conns: Set<string>;
      reused: number;
      h: LatencyHistogram;
    }
  >();

  /** Adds a request to group `key`. */
  add(key: string, r: RequestRecord): void {
    let g = this.groups.get(key);
    if (!g) {
      g = { records: 0, ok: 0, errors: new Map(), conns: new Set(), reused: 0, h: new LatencyHistogram() };
      this.groups.set(key, g);
    }
    g.records++;
    if (r.local !== undefined) g.conns.add(`${r.local}>${r.remote ?? ""}`);
    if (r.reused) g.reused++;
    if (r.end === undefined) return;
    if (r.error === undefined) {
      g.ok++;
      g.h.add(r.end - r.start);
    } else g.errors.set(r.error, (g.errors.get(r.error) ?? 0) + 1);
  }

  /** The latency summary of a group (empty when it has none). */
  latency(key: string): LatencySummary {
    return (this.groups.get(key)?.h ?? new LatencyHistogram()).summary();
  }

  /** Every group as client metrics, keys in sorted order. */
  clients(): Record<string, ClientMetrics> {
    const keys = [...this.groups.keys()].sort();
    return Object.fromEntries(
      keys.map((k) => {
        const g = this.groups.get(k) as NonNullable<ReturnType<typeof this.groups.get>>;
        const failed = [...g.errors.values()].reduce((a, b) => a + b, 0);
        const errors = Object.fromEntries([...g.errors].sort(([a], [b]) => (a < b ? -1 : 1)));
        const metrics: ClientMetrics = {
          requests: g.records,
          ok: g.ok,
          failed,
          errors,
          connections: g.conns.size,
          reused: g.reused,
          latencyNs: g.h.summary(),
        };
        return [k, metrics];
      }),
    );
  }
}
