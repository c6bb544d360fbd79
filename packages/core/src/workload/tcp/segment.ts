import type { Nanos } from "../../engine/index.ts";
import type { IPv4, NetNamespace, Packet } from "../../net/index.ts";
import { SYN_OPTION_BYTES, TCP_IP_HEADER, TS_OPTION_BYTES } from "./config.ts";

/** One application message, carried by the segment that holds its last byte. */
export interface TcpMessage {
  /** The sequence number just past the message's last byte. */
  readonly end: number;
  readonly bytes: number;
  readonly message: unknown;
}

/** What a TCP segment's payload carries: the messages that end in it. */
export interface TcpPayload {
  readonly kind: "tcp";
  readonly messages: readonly TcpMessage[];
}

/** True when a packet's payload is a TCP model payload. */
export function isTcpPayload(payload: unknown): payload is TcpPayload {
  return (payload as { kind?: unknown } | undefined)?.kind === "tcp";
}

/** The addresses of one end of a connection, as it sends. */
export interface SegmentRoute {
  readonly netns: NetNamespace;
  readonly localIp: IPv4;
  readonly localPort: number;
  readonly remoteIp: IPv4;
  readonly remotePort: number;
}

/** The fields of one outgoing segment. */
export interface SegmentSpec {
  flags: number;
  seq: number;
  ack: number;
  window: number;
  dataBytes?: number;
  /** The MSS option: present on SYN and SYN-ACK. */
  mss?: number;
  /** Timestamps: tsval is the sender's clock. Undefined when timestamps are off. */
  tsval?: number;
  tsecr?: number;
  messages?: readonly TcpMessage[];
}

/** The TCP timestamp clock: milliseconds (tcp_time_stamp_ts, TCP_TS_HZ = 1000). */
export const tsClock = (now: Nanos): number => Math.floor(now / 1_000_000) >>> 0;

/**
 * Bytes on the wire: IP + TCP headers, options, data. SYNs carry MSS,
 * SACK_PERM, timestamps and window scale (40 TCP bytes, tcp_syn_options);
 * other segments carry the 12-byte aligned timestamp option when enabled.
 */
export function segmentLength(spec: SegmentSpec): number {
  const options = spec.mss !== undefined ? SYN_OPTION_BYTES : spec.tsval !== undefined ? TS_OPTION_BYTES : 0;
  return TCP_IP_HEADER + options + (spec.dataBytes ?? 0);
}

/** Builds and sends one segment out of the namespace. Returns the packet. */
export function sendSegment(route: SegmentRoute, spec: SegmentSpec): Packet {
  const { netns } = route;
  const pkt = netns.packet({
    proto: "TCP",
    src: route.localIp,
    dst: route.remoteIp,
    srcPort: route.localPort,
    dstPort: route.remotePort,
    flags: spec.flags,
    length: segmentLength(spec),
    tcp: {
      seq: spec.seq >>> 0,
      ack: spec.ack >>> 0,
      window: spec.window,
      dataBytes: spec.dataBytes ?? 0,
      mss: spec.mss,
      tsval: spec.tsval,
      tsecr: spec.tsecr,
    },
    payload: spec.messages && spec.messages.length > 0 ? { kind: "tcp", messages: spec.messages } : undefined,
  });
  netns.send(pkt);
  return pkt;
}
