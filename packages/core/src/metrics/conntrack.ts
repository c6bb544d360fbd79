import type { Conntrack } from "../conntrack/index.ts";
import { type Nanos, type Scheduler, s } from "../engine/index.ts";

/** A node whose conntrack table is sampled (iptables-mode nodes; other modes have none here). */
export interface ConntrackSource {
  readonly name: string;
  readonly conntrack: Conntrack;
}

/** One node's conntrack table over time: one sample per interval, from t = 0. */
export interface ConntrackNodeSeries {
  /** nf_conntrack_count at each sample (confirmed entries, expired ones not yet collected included). */
  entries: number[];
  /** Live UDP entries at each sample (`conntrack -L -p udp | wc -l`). */
  udp: number[];
  /** Highest and last `entries` sample. */
  max: number;
  last: number;
}

/** Conntrack entries over time, per node. */
export interface ConntrackMetrics {
  /** Time between samples (ns); sample i is taken at i × intervalNs. */
  intervalNs: number;
  nodes: Record<string, ConntrackNodeSeries>;
}

/**
 * Samples each node's conntrack table every `interval` (default 1 s), from
 * now until the run stops, reading only: it sends nothing and draws nothing,
 * so the run is the same with or without it.
 */
export class ConntrackSampler {
  private readonly series = new Map<string, ConntrackNodeSeries>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly sources: readonly ConntrackSource[],
    private readonly interval: Nanos = s(1),
  ) {
    for (const src of sources) this.series.set(src.name, { entries: [], udp: [], max: 0, last: 0 });
    if (sources.length > 0) this.tick();
  }

  /** True when at least one node has a table to sample. */
  get active(): boolean {
    return this.sources.length > 0;
  }

  /** The samples so far, nodes in name order. */
  metrics(): ConntrackMetrics {
    const names = [...this.series.keys()].sort();
    return {
      intervalNs: this.interval,
      nodes: Object.fromEntries(names.map((n) => [n, this.series.get(n) as ConntrackNodeSeries])),
    };
  }

  private tick(): void {
    const now = this.scheduler.now;
    for (const src of this.sources) {
      const series = this.series.get(src.name) as ConntrackNodeSeries;
      let udp = 0;
      for (const e of src.conntrack.all()) if (e.deadline > now && e.original.proto === "UDP") udp++;
      const entries = src.conntrack.count;
      series.entries.push(entries);
      series.udp.push(udp);
      series.max = Math.max(series.max, entries);
      series.last = entries;
    }
    this.scheduler.after(this.interval, () => this.tick(), "metrics/conntrack");
  }
}
