import { DROP_REASONS, type PacketStats } from "../trace/index.ts";
import type { RequestRecord } from "../workload/index.ts";
import { type ClientMetrics, RequestGroups } from "./clients.ts";
import type { ConntrackMetrics } from "./conntrack.ts";
import type { DnsMetrics } from "./dns.ts";
import { type LatencySummary, latencySummary } from "./histogram.ts";

/** Per-Pod figures. Keyed by Pod name (`namespace/name` outside `default`). */
export interface PodMetrics {
  /** Requests its servers answered. */
  requests: number;
  packetsIn: number;
  packetsOut: number;
  /** IP bytes received and sent (headers included). */
  bytesIn: number;
  bytesOut: number;
  /** TCP connections its servers accepted. */
  connections: number;
  /** Latency, as the clients measured it, of the requests it answered. */
  latencyNs: LatencySummary;
  /**
   * Requests it answered by the client address its application saw (the
   * PROXY header's source with PROXY protocol, else the peer after any
   * SNAT), `{ "<ip>": count }`; present when the run counts sources.
   */
  sources?: Record<string, number>;
  /** Requests by transport peer address (after any SNAT; a proxying balancer's own address), `{ "<ip>": count }`. */
  peers?: Record<string, number>;
}

/**
 * A run's metrics: plain data, printed by the summary, serialised under
 * `metrics` by `--json`, and addressed by dotted paths in expectations
 * (`drops.total`, `pods.web-1.requests`, `clients.web.connections`,
 * `dns.queriesPerLookup`).
 */
export interface RunMetrics {
  packets: { sent: number; received: number; dropped: number };
  /** Drops by reason, plus `total`. */
  drops: Record<string, number>;
  requests: { total: number; ok: number; failed: number; errors: Record<string, number> };
  latencyNs: LatencySummary;
  pods: Record<string, PodMetrics>;
  /** Per client, by the client's name. */
  clients: Record<string, ClientMetrics>;
  syncs: number;
  /** Conntrack entries over time, per node with a conntrack table (iptables mode). */
  conntrack?: ConntrackMetrics;
  /** Cluster DNS, when the scenario runs it. */
  dns?: DnsMetrics;
  /** The cloud load balancer's frontends, by Service (bare in `default`), when the scenario has one. */
  loadBalancers?: Record<string, LoadBalancerMetrics>;
}

/** One Service's load-balancer frontend, as counted over the run. */
export interface LoadBalancerMetrics {
  vip: string;
  /** New flows the frontend took. */
  flows: number;
  /** Flows sent while no target was healthy (fail-open). */
  failOpenFlows: number;
  /** Flows per target (node name in instance mode, Pod address in IP mode). */
  perTarget: Record<string, number>;
  /** Targets turning healthy or unhealthy. */
  healthTransitions: number;
  /** Client connections reset by the balancer (a flow whose target turned unhealthy, NLB). */
  resets: number;
  dropped: { sourceRange: number; noTarget: number; noListener: number };
  /** Each target's health at the end and its checks passed and failed. */
  targets: Record<string, { state: string; passed: number; failed: number }>;
}

/** What the run adds beyond packets and requests. */
export interface SummaryExtras {
  /** TCP connections accepted, by Pod key (`namespace/name`). */
  connections?: ReadonlyMap<string, number>;
  conntrack?: ConntrackMetrics;
  dns?: DnsMetrics;
  /** Requests served by source address, by Pod key (`SourceCounter.sources()`). */
  sources?: ReadonlyMap<string, Record<string, number>>;
  /** Requests served by transport peer address, by Pod key (`SourceCounter.peers()`). */
  peers?: ReadonlyMap<string, Record<string, number>>;
}

const byKey = <T>(entries: Iterable<[string, T]>): Record<string, T> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The short name a Pod is reported under: bare in `default`, `namespace/name` elsewhere. */
export function podLabel(key: string): string {
  return key.startsWith("default/") ? key.slice("default/".length) : key;
}

/** Builds the run's metrics from the packet counters, the request records and the extras. */
export function summarize(
  stats: PacketStats,
  records: readonly RequestRecord[],
  served: ReadonlyMap<string, number>,
  pods: readonly string[],
  syncs: number,
  extras: SummaryExtras = {},
): RunMetrics {
  const errors = new Map<string, number>();
  const latencies: number[] = [];
  const byPod = new RequestGroups();
  const byClient = new RequestGroups();
  for (const r of records) {
    byClient.add(r.client, r);
    if (r.pod !== undefined) byPod.add(r.pod, r);
    if (r.error) errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
    else if (r.end !== undefined) latencies.push(r.end - r.start);
  }
  const podMetrics = new Map<string, PodMetrics>();
  for (const key of new Set([...pods, ...served.keys()])) {
    const packets = stats.endpoints.get(key);
    podMetrics.set(podLabel(key), {
      requests: served.get(key) ?? 0,
      packetsIn: packets?.received ?? 0,
      packetsOut: packets?.sent ?? 0,
      bytesIn: packets?.bytesReceived ?? 0,
      bytesOut: packets?.bytesSent ?? 0,
      connections: extras.connections?.get(key) ?? 0,
      latencyNs: byPod.latency(key),
      ...(extras.sources ? { sources: extras.sources.get(key) ?? {} } : {}),
      ...(extras.peers ? { peers: extras.peers.get(key) ?? {} } : {}),
    });
  }
  const failed = [...errors.values()].reduce((a, b) => a + b, 0);
  return {
    packets: { sent: stats.sent, received: stats.received, dropped: stats.dropped },
    // Every reason, 0 when none: an expectation may say `drops.no-route == 0`.
    drops: { total: stats.dropped, ...Object.fromEntries(DROP_REASONS.map((r) => [r, 0])), ...byKey(stats.drops) },
    requests: { total: records.length, ok: latencies.length, failed, errors: byKey(errors) },
    latencyNs: latencySummary(latencies),
    pods: byKey(podMetrics),
    clients: byClient.clients(),
    syncs,
    ...(extras.conntrack ? { conntrack: extras.conntrack } : {}),
    ...(extras.dns ? { dns: extras.dns } : {}),
  };
}
