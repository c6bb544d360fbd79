import type { IPv4 } from "./ip.ts";
import { makePacket } from "./make-packet.ts";
import { DEFAULT_TTL, type FiveTuple, type Packet, type PacketIds, TCP } from "./packet.ts";

/** ICMP types and codes, with the kernel's values (include/uapi/linux/icmp.h). */
export const ICMP = {
  ECHO_REPLY: 0,
  DEST_UNREACH: 3,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  /** Codes for DEST_UNREACH. */
  NET_UNREACH: 0,
  HOST_UNREACH: 1,
  PORT_UNREACH: 3,
  /** Code for TIME_EXCEEDED: TTL count exceeded in transit. */
  EXC_TTL: 0,
} as const;

// why: net/ipv4/icmp.c icmp_pointers[] marks these types as errors
// (dest unreachable, source quench, redirect, time exceeded, parameter problem).
const ERROR_TYPES = new Set([3, 4, 5, 11, 12]);

/** True when the packet is itself an ICMP error message. */
export function isIcmpError(pkt: Packet): boolean {
  return pkt.proto === "ICMP" && pkt.icmp !== undefined && ERROR_TYPES.has(pkt.icmp.type);
}

/** A copy of a packet's 5-tuple, as an ICMP error quotes the offending header. */
export function quoteTuple(pkt: FiveTuple): FiveTuple {
  return { proto: pkt.proto, src: pkt.src, srcPort: pkt.srcPort, dst: pkt.dst, dstPort: pkt.dstPort };
}

// why: icmp_send (net/ipv4/icmp.c) quotes as much of the offending packet as
// fits in a 576-byte reply: room = 576 - IP header - ICMP header.
const ICMP_QUOTE_ROOM = 576 - 20 - 8;

/**
 * The ICMP error a Linux stack sends about `pkt` (icmp_send), from `src`.
 * Returns undefined where the kernel sends nothing: never an error about an
 * ICMP error (RFC 1122 3.2.2, checked in icmp_send).
 */
export function icmpErrorFor(ids: PacketIds, pkt: Packet, type: number, code: number, src: IPv4): Packet | undefined {
  if (isIcmpError(pkt)) return undefined;
  return makePacket(ids.take(), {
    proto: "ICMP",
    src,
    dst: pkt.src,
    length: 28 + Math.min(pkt.length, ICMP_QUOTE_ROOM),
    ttl: DEFAULT_TTL,
    icmp: { type, code, quoted: quoteTuple(pkt) },
  });
}

/**
 * The RST a Linux stack answers to a TCP segment nobody listens for
 * (tcp_v4_send_reset, net/ipv4/tcp_ipv4.c; nf_send_reset for REJECT
 * --reject-with tcp-reset is the same shape): addresses and ports swapped,
 * RST alone when the segment carried ACK, else RST|ACK. Never a reset for a
 * reset: undefined then.
 */
export function tcpResetFor(ids: PacketIds, pkt: Packet): Packet | undefined {
  if (pkt.proto !== "TCP" || pkt.flags & TCP.RST) return undefined;
  return makePacket(ids.take(), {
    proto: "TCP",
    src: pkt.dst,
    srcPort: pkt.dstPort,
    dst: pkt.src,
    dstPort: pkt.srcPort,
    // why: tcp_v4_send_reset sets seq = ack_seq when th->ack, otherwise sets ACK and acks the segment.
    flags: pkt.flags & TCP.ACK ? TCP.RST : TCP.RST | TCP.ACK,
    // A bare 20-byte TCP header (rep.th, no options) in a 20-byte IP header.
    length: 40,
  });
}
