import { formatIPv4, type IPv4 } from "../net/index.ts";
import type { ServedSource } from "../workload/index.ts";

type Counts = Map<IPv4, number>;

function bump(table: Map<string, Counts>, pod: string, ip: IPv4): void {
  let counts = table.get(pod);
  if (!counts) {
    counts = new Map();
    table.set(pod, counts);
  }
  counts.set(ip, (counts.get(ip) ?? 0) + 1);
}

/** `{ "<ip>": count }` with addresses in numeric order, so output is stable. */
function asRecord(counts: Counts): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => a - b).map(([ip, n]) => [formatIPv4(ip), n]));
}

function byPod(table: Map<string, Counts>): Map<string, Record<string, number>> {
  return new Map([...table].map(([pod, counts]) => [pod, asRecord(counts)]));
}

/**
 * Counts the requests each Pod served by where they came from: `sources`
 * by the address the Pod's application believes is the client (the PROXY
 * header's source with PROXY protocol, else the TCP/UDP peer), `peers` by the
 * transport peer alone (after any SNAT). Pass {@link SourceCounter.record}
 * as (or call it from) each server's `onRequest`.
 */
export class SourceCounter {
  private readonly clients = new Map<string, Counts>();
  private readonly peerTable = new Map<string, Counts>();

  /** Counts one served request of Pod `pod` (its key, `namespace/name`). */
  readonly record = (pod: string, source: ServedSource): void => {
    bump(this.clients, pod, source.client);
    bump(this.peerTable, pod, source.peer);
  };

  /** Per Pod key: requests by the client address its application saw. */
  sources(): Map<string, Record<string, number>> {
    return byPod(this.clients);
  }

  /** Per Pod key: requests by transport peer address. */
  peers(): Map<string, Record<string, number>> {
    return byPod(this.peerTable);
  }
}

/** One Pod's sources as summary text: `203.0.113.7 ×12, 192.168.0.10 ×3`, most requests first. */
export function formatSources(sources: Readonly<Record<string, number>>): string {
  const entries = Object.entries(sources);
  if (entries.length === 0) return "-";
  // A stable sort keeps the numeric address order among equal counts.
  return entries
    .sort(([, a], [, b]) => b - a)
    .map(([ip, n]) => `${ip} ×${n}`)
    .join(", ");
}
