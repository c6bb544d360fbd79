import { formatTimestamp } from "../engine/index.ts";
import { assertNever, type TraceEvent, type TracePacket } from "./events.ts";
import { eventNode, filterEvents } from "./filter.ts";

/** Column widths for aligned output; {@link formatWalk} computes them from the events shown. */
export interface TextLayout {
  /** Width of the timestamp column (timestamps are right-aligned). */
  timeWidth: number;
  /** Width of the node column (names are left-aligned). */
  nodeWidth: number;
}

const NO_PADDING: TextLayout = { timeWidth: 0, nodeWidth: 0 };

/** A packet as tcpdump-like text: `TCP 10.244.1.5:40000 > 10.244.2.7:8080 [S] #17`. */
export function formatPacket(pkt: TracePacket): string {
  const flags = pkt.flags === undefined ? "" : ` [${pkt.flags}]`;
  const proxy = pkt.proxy === undefined ? "" : ` proxy-v2 ${pkt.proxy}`;
  return `${pkt.proto} ${pkt.src} > ${pkt.dst}${flags}${proxy} #${pkt.id}`;
}

/** The part of a line after the time and node columns. */
function describe(ev: TraceEvent): string {
  switch (ev.type) {
    case "pkt.send":
      return `${ev.from} → send  ${formatPacket(ev.pkt)}`;
    case "pkt.recv":
      return `recv → ${ev.at}  ${formatPacket(ev.pkt)}`;
    case "pkt.hook":
      return `${ev.hook}  ${formatPacket(ev.pkt)}`;
    case "pkt.route": {
      const via = ev.via === undefined ? "" : ` via ${ev.via}`;
      return `route ${ev.local ? "local" : "forward"} dev ${ev.dev}${via}  ${formatPacket(ev.pkt)}`;
    }
    case "nf.rule": {
      const at = ev.index === 0 ? "policy" : `#${ev.index}`;
      return `rule ${ev.table}/${ev.chain} ${at}: ${ev.rule}  ${formatPacket(ev.pkt)}`;
    }
    case "ct": {
      const reply = ev.reply === undefined ? "" : ` reply ${ev.reply}`;
      const state = ev.state === undefined ? "" : ` ${ev.state}`;
      const timeout = ev.timeout === undefined ? "" : ` timeout ${ev.timeout}s`;
      const pkt = ev.pkt === undefined ? "" : `  #${ev.pkt.id}`;
      return `ct ${ev.op} ${ev.tuple}${reply}${state}${timeout}${pkt}`;
    }
    case "nat":
      return `${ev.kind} ${ev.from} → ${ev.to}  ${formatPacket(ev.pkt)}`;
    case "lb.pick":
      return `lb.pick ${ev.service} → ${ev.endpoint} (of ${ev.candidates}, ${ev.via})  ${formatPacket(ev.pkt)}`;
    case "lb.health":
      return `lb.health ${ev.service} ${ev.target} ${ev.from} → ${ev.to} (${ev.check}: ${ev.result})`;
    case "pkt.drop": {
      const where = ev.where === undefined ? "" : ` at ${ev.where}`;
      return `DROP ${ev.reason}${where}  ${formatPacket(ev.pkt)}`;
    }
    case "sync":
      return (
        `sync ${ev.proxy} ${ev.full ? "full" : "partial"}: ${ev.services} services, ` +
        `${ev.endpoints} endpoints, ${ev.written} written`
      );
    case "api": {
      const note = ev.note === undefined ? "" : ` (${ev.note})`;
      return `${ev.verb} ${ev.kind} ${ev.name}${note}`;
    }
    case "action": {
      const detail = ev.detail === undefined ? "" : `: ${ev.detail}`;
      return `action ${ev.action}${detail}`;
    }
    case "fault": {
      const detail = ev.detail === undefined ? "" : `: ${ev.detail}`;
      return `fault ${ev.fault}${detail}`;
    }
    default:
      return assertNever(ev);
  }
}

/**
 * One event as one readable line: time (seconds, nanosecond precision), the
 * node (or `api` / `-` for events that belong to no node), then what happened.
 */
export function formatEvent(ev: TraceEvent, layout: TextLayout = NO_PADDING): string {
  const time = formatTimestamp(ev.t).padStart(layout.timeWidth);
  const node = eventNode(ev).padEnd(layout.nodeWidth);
  return `${time} ${node}  ${describe(ev)}`;
}

/** What {@link formatWalk} shows. */
export interface WalkOptions {
  /** Only events of these packets (by `pkt.id`); all events when absent. */
  packetIds?: readonly number[];
  /** At most this many lines of events; a last line says how many were left out. */
  limit?: number;
}

/**
 * A packet walk: the chosen events, one aligned line per hop, each line
 * ending in `\n`.
 */
export function formatWalk(events: readonly TraceEvent[], options: WalkOptions = {}): string {
  const chosen = options.packetIds === undefined ? events : filterEvents(events, { packetIds: options.packetIds });
  const limit = options.limit ?? chosen.length;
  const shown = chosen.slice(0, Math.max(0, limit));
  const layout: TextLayout = { timeWidth: 0, nodeWidth: 0 };
  for (const ev of shown) {
    layout.timeWidth = Math.max(layout.timeWidth, formatTimestamp(ev.t).length);
    layout.nodeWidth = Math.max(layout.nodeWidth, eventNode(ev).length);
  }
  let out = "";
  for (const ev of shown) out += `${formatEvent(ev, layout)}\n`;
  const left = chosen.length - shown.length;
  if (left > 0) out += `… ${left} more event${left === 1 ? "" : "s"}\n`;
  return out;
}
