import type { Nanos } from "../engine/index.ts";
import { formatIPv4 } from "../net/index.ts";
import { type CtEntry, IPS } from "./entry.ts";
import { TCP_STATE_NAMES } from "./tcp.ts";
import { PROTO_NUMBER, type Tuple } from "./tuple.ts";

/** Options of the `conntrack -L` view. */
export interface ConntrackListOptions {
  /** Show `packets= bytes=` per direction, as with net.netfilter.nf_conntrack_acct=1 (default off, like the kernel). */
  counters?: boolean;
}

// why: libnetfilter_conntrack snprintf_default.c __snprintf_proto — ports
// for TCP/UDP/SCTP; "type=%d code=%d id=%d" for ICMP.
function tupleText(t: Tuple): string {
  const head = `src=${formatIPv4(t.src)} dst=${formatIPv4(t.dst)} `;
  if (t.proto === "ICMP") return `${head}type=${t.dstPort >>> 8} code=${t.dstPort & 255} id=${t.srcPort} `;
  return `${head}sport=${t.srcPort} dport=${t.dstPort} `;
}

/**
 * One entry as `conntrack -L` prints it (__snprintf_conntrack_default):
 * protocol name left-justified in 8 columns and its number, the seconds
 * left, the TCP state, the original tuple, `[UNREPLIED]` while no reply
 * was seen, the reply tuple, `[ASSURED]`, `mark=` and `use=`.
 */
export function formatConntrackEntry(e: CtEntry, now: Nanos, opts: ConntrackListOptions = {}): string {
  const o = e.original;
  // why: ctnetlink_dump_timeout — nf_ct_expires(ct) / HZ, whole seconds rounded down, never negative.
  const secs = Math.max(0, Math.floor((e.deadline - now) / 1e9));
  let s = `${o.proto.toLowerCase().padEnd(8)} ${PROTO_NUMBER[o.proto]} ${secs} `;
  if (o.proto === "TCP") s += `${TCP_STATE_NAMES[e.tcpState]} `;
  s += tupleText(o);
  if (opts.counters) s += `packets=${e.origPackets} bytes=${e.origBytes} `;
  if (!(e.status & IPS.SEEN_REPLY)) s += "[UNREPLIED] ";
  s += tupleText(e.reply);
  if (opts.counters) s += `packets=${e.replyPackets} bytes=${e.replyBytes} `;
  if (e.status & IPS.ASSURED) s += "[ASSURED] ";
  s += `mark=${e.mark} use=1`;
  return s;
}

/** The lines `conntrack -L` writes to stdout for these entries, one per entry. */
export function formatConntrackList(entries: Iterable<CtEntry>, now: Nanos, opts: ConntrackListOptions = {}): string {
  let out = "";
  for (const e of entries) out += `${formatConntrackEntry(e, now, opts)}\n`;
  return out;
}

/**
 * The summary line conntrack-tools writes to stderr after a listing
 * (src/conntrack.c), e.g. `conntrack v1.4.8 (conntrack-tools): 2 flow entries have been shown.`
 */
export function conntrackSummary(count: number, version = "1.4.8"): string {
  return `conntrack v${version} (conntrack-tools): ${count} flow entries have been shown.`;
}
