import { type LatencySummary, latencySummary } from "./histogram.ts";

/** What the metrics read from one lookup (a dns `LookupRecord` has these fields). */
export interface LookupLike {
  readonly start: number;
  readonly end?: number;
  /** Datagrams the lookup sent. */
  readonly queries: number;
  /** Answered from a client-side cache. */
  readonly cached: boolean;
  readonly error?: string;
}

/** What the metrics read from one CoreDNS server (a dns `CoreDnsServer` has these fields). */
export interface DnsServerLike {
  readonly queries: number;
  readonly rcodes: Readonly<Record<string, number>>;
}

/** One CoreDNS Pod's share. */
export interface DnsServerMetrics {
  /** Queries it received. */
  queries: number;
  /** Of those, queries received after its Pod was told to terminate (SIGTERM). */
  queriesTerminating: number;
  /** Responses it sent, by rcode. */
  rcodes: Record<string, number>;
}

/** Cluster DNS as the Pods' resolvers and the CoreDNS Pods saw it. */
export interface DnsMetrics {
  /** getaddrinfo() calls started. */
  lookups: number;
  ok: number;
  failed: number;
  /** Answered from a client-side cache, without a packet. */
  cached: number;
  /** Datagrams the resolvers sent (every search-list name, try and question). */
  queries: number;
  /** queries / lookups: the search path's amplification, made visible. */
  queriesPerLookup: number;
  /** Failed lookups by cause (nxdomain, timeout, …). */
  errors: Record<string, number>;
  /** Durations of successful lookups. */
  latencyNs: LatencySummary;
  /** Per CoreDNS Pod, by name (`kube-system/coredns-…`). */
  servers: Record<string, DnsServerMetrics>;
}

const sortedRecord = <T>(entries: Iterable<[string, T]>): Record<string, T> =>
  Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Builds the DNS metrics from the lookups and the servers (with their query counts at SIGTERM, if any). */
export function summarizeDns(
  lookups: readonly LookupLike[],
  servers: ReadonlyMap<string, DnsServerLike>,
  queriesAtSigterm: ReadonlyMap<string, number> = new Map(),
): DnsMetrics {
  const errors = new Map<string, number>();
  let ok = 0;
  let cached = 0;
  let queries = 0;
  const durations: number[] = [];
  for (const l of lookups) {
    queries += l.queries;
    if (l.cached) cached++;
    if (l.end === undefined) continue;
    if (l.error === undefined) {
      ok++;
      durations.push(l.end - l.start);
    } else errors.set(l.error, (errors.get(l.error) ?? 0) + 1);
  }
  const perServer = [...servers].map(([pod, srv]): [string, DnsServerMetrics] => {
    const atSigterm = queriesAtSigterm.get(pod);
    return [
      pod,
      {
        queries: srv.queries,
        queriesTerminating: atSigterm === undefined ? 0 : srv.queries - atSigterm,
        rcodes: { ...srv.rcodes },
      },
    ];
  });
  const failed = [...errors.values()].reduce((a, b) => a + b, 0);
  return {
    lookups: lookups.length,
    ok,
    failed,
    cached,
    queries,
    queriesPerLookup: lookups.length === 0 ? 0 : queries / lookups.length,
    errors: sortedRecord(errors),
    latencyNs: latencySummary(durations),
    servers: sortedRecord(perServer),
  };
}
