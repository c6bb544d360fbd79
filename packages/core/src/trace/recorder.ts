import { formatEndpoint, formatIPv4, formatTcpFlags, type Packet } from "../net/index.ts";
import { EVENT_LEVEL, LEVEL_RANK, type TraceEvent, type TraceLevel, type TracePacket } from "./events.ts";
import { PacketStats } from "./stats.ts";

/**
 * Collects trace events at or below a level. Models call `wants(type)` before
 * building an event, so a run at level `off` formats nothing on the hot path.
 */
export class TraceRecorder {
  private readonly rank: number;
  /** Events in the order they happened (the scheduler's total order). */
  readonly events: TraceEvent[] = [];
  /** Packet counters, kept at every level. */
  readonly stats = new PacketStats();

  constructor(readonly level: TraceLevel = "packet") {
    this.rank = LEVEL_RANK[level];
  }

  /** True when events of this kind are recorded at this recorder's level. */
  wants(type: TraceEvent["type"]): boolean {
    return EVENT_LEVEL[type] <= this.rank;
  }

  /** Records an event if its kind is wanted. */
  emit(event: TraceEvent): void {
    if (EVENT_LEVEL[event.type] <= this.rank) this.events.push(event);
  }
}

/** A packet's identity as trace text. */
export function tracePacket(pkt: Packet): TracePacket {
  const out: TracePacket =
    pkt.proto === "ICMP"
      ? { id: pkt.id, proto: pkt.proto, src: formatIPv4(pkt.src), dst: formatIPv4(pkt.dst), len: pkt.length }
      : {
          id: pkt.id,
          proto: pkt.proto,
          src: formatEndpoint(pkt.src, pkt.srcPort),
          dst: formatEndpoint(pkt.dst, pkt.dstPort),
          len: pkt.length,
        };
  if (pkt.proto === "TCP") out.flags = formatTcpFlags(pkt.flags);
  const pp = pkt.proxyV2;
  if (pp !== undefined) out.proxy = `${formatEndpoint(pp.src, pp.srcPort)} > ${formatEndpoint(pp.dst, pp.dstPort)}`;
  return out;
}
