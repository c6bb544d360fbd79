import type { Nanos } from "../engine/index.ts";
import type { Packet } from "../net/index.ts";
import type { ConntrackConfig } from "./config.ts";
import { type CtDir, type CtEntry, IPS } from "./entry.ts";
import { tcpPacket } from "./tcp-packet.ts";

// why: nf_conntrack_proto_udp.c — stream_ts = 2 * HZ + jiffies when the entry is new.
const UDP_STREAM_DELAY = 2e9;

/**
 * The per-protocol packet step (nf_conntrack_handle_packet): updates the
 * entry and returns the timeout to refresh it with, in seconds, or a
 * negative TCP verdict (see tcp.ts). Call before SEEN_REPLY is set for
 * this packet.
 */
export function trackPacket(e: CtEntry, dir: CtDir, pkt: Packet, now: Nanos, cfg: ConntrackConfig): number {
  const t = cfg.timeouts;
  switch (pkt.proto) {
    case "TCP":
      return tcpPacket(e, dir, pkt.flags, t);
    case "UDP":
      return udpPacket(e, now, t.udp, t.udpStream);
    case "ICMP":
      // why: nf_conntrack_proto_icmp.c refreshes every packet with the ICMP timeout; never ASSURED.
      return t.icmp;
    case "SCTP":
      // Simplified: SCTP's own state machine is not modelled; the generic tracker's timeout applies.
      return t.generic;
  }
}

/**
 * nf_conntrack_udp_packet (current kernels): until a reply is seen, the
 * short timeout; once replied, still the short timeout for the first two
 * seconds, then the stream timeout and ASSURED.
 */
// why: "Still active after two seconds? Extend timeout." and ASSURED only
// then (stream = !ASSURED), nf_conntrack_proto_udp.c.
function udpPacket(e: CtEntry, now: Nanos, unreplied: number, stream: number): number {
  if (!e.has(IPS.CONFIRMED)) e.udpStreamAt = (now + UDP_STREAM_DELAY) as Nanos;
  if (!e.has(IPS.SEEN_REPLY)) return unreplied;
  if (now > e.udpStreamAt) {
    e.status |= IPS.ASSURED;
    return stream;
  }
  return unreplied;
}

/** Adds a packet to the entry's per-direction counters (nf_ct_acct_update). */
export function account(e: CtEntry, dir: CtDir, bytes: number): void {
  if (dir === "original") {
    e.origPackets++;
    e.origBytes += bytes;
  } else {
    e.replyPackets++;
    e.replyBytes += bytes;
  }
}
