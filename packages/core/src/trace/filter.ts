import type { Nanos } from "../engine/index.ts";
import type { TraceEvent, TraceEventType } from "./events.ts";

/** Which events to keep; every given criterion must hold. */
export interface EventFilter {
  /** Events that carry one of these packets (`pkt.id`). Events without a packet are dropped. */
  packetIds?: readonly number[];
  /** Events of these kinds. */
  types?: readonly TraceEventType[];
  /** Events on these nodes (see {@link eventNode}). */
  nodes?: readonly string[];
  /** Events at or after this time. */
  from?: Nanos;
  /** Events at or before this time. */
  until?: Nanos;
}

/** The node an event happened on; `api` for API changes, `-` for timeline actions. */
export function eventNode(ev: TraceEvent): string {
  if (ev.type === "api") return "api";
  if (ev.type === "action") return "-";
  return ev.node;
}

/** The packet id an event carries, if any. */
export function eventPacketId(ev: TraceEvent): number | undefined {
  return "pkt" in ev && ev.pkt !== undefined ? ev.pkt.id : undefined;
}

/** The events that pass `filter`, in their original order. */
export function filterEvents(events: readonly TraceEvent[], filter: EventFilter): TraceEvent[] {
  const ids = filter.packetIds === undefined ? undefined : new Set(filter.packetIds);
  const types = filter.types === undefined ? undefined : new Set<string>(filter.types);
  const nodes = filter.nodes === undefined ? undefined : new Set(filter.nodes);
  return events.filter((ev) => {
    if (ids !== undefined) {
      const id = eventPacketId(ev);
      if (id === undefined || !ids.has(id)) return false;
    }
    if (types !== undefined && !types.has(ev.type)) return false;
    if (nodes !== undefined && !nodes.has(eventNode(ev))) return false;
    if (filter.from !== undefined && ev.t < filter.from) return false;
    if (filter.until !== undefined && ev.t > filter.until) return false;
    return true;
  });
}

/**
 * The ids of the packets of one connection, in order of first appearance:
 * every packet whose tuple, at any hop, is `src > dst` or its reverse
 * (`"10.244.1.5:40000"`, `"10.96.0.10:80"`). Since a NAT rewrite keeps a
 * packet's id, matching the tuple at any hop follows the packet through DNAT
 * and SNAT; replies are found by the reversed tuple on either side of the NAT.
 */
export function flowPacketIds(events: readonly TraceEvent[], proto: string, src: string, dst: string): number[] {
  const ids: number[] = [];
  const seen = new Set<number>();
  for (const ev of events) {
    if (!("pkt" in ev) || ev.pkt === undefined || seen.has(ev.pkt.id)) continue;
    const p = ev.pkt;
    if (p.proto !== proto) continue;
    if ((p.src === src && p.dst === dst) || (p.src === dst && p.dst === src)) {
      seen.add(p.id);
      ids.push(p.id);
    }
  }
  return ids;
}
