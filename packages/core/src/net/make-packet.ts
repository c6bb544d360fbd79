import type { IPv4 } from "./ip.ts";
import { DEFAULT_TTL, type IcmpInfo, type IpProto, type Packet, type ProxyV2Header, type TcpHeader } from "./packet.ts";

/** The fields a sender chooses; the rest default as the kernel would fill them. */
export interface PacketInit {
  proto: IpProto;
  src: IPv4;
  dst: IPv4;
  srcPort?: number;
  dstPort?: number;
  flags?: number;
  /** Bytes on the wire; defaults to the bare IP + transport headers. */
  length?: number;
  ttl?: number;
  mark?: number;
  icmp?: IcmpInfo;
  tcp?: TcpHeader;
  /** A PROXY v2 header before the data; `length` must already count its bytes (see attachProxyV2). */
  proxyV2?: ProxyV2Header;
  payload?: unknown;
}

/** IPv4 header (20) plus the transport header: TCP 20, UDP 8, SCTP 12 (common header), ICMP 8. */
export function headerBytes(proto: IpProto): number {
  switch (proto) {
    case "TCP":
      return 40;
    case "UDP":
      return 28;
    case "SCTP":
      return 32;
    case "ICMP":
      return 28;
  }
}

/**
 * Builds a packet with every field present, always in the same order, so all
 * packets share one object shape (one hidden class on the per-packet path).
 * `src` overrides `init.src` (a namespace filling in its own address without
 * copying `init`).
 */
export function makePacket(id: number, init: PacketInit, src: IPv4 = init.src): Packet {
  return {
    id,
    proto: init.proto,
    src,
    srcPort: init.srcPort ?? 0,
    dst: init.dst,
    dstPort: init.dstPort ?? 0,
    flags: init.flags ?? 0,
    length: init.length ?? headerBytes(init.proto),
    mark: init.mark ?? 0,
    // why: a fresh datagram starts at net.ipv4.ip_default_ttl (64).
    ttl: init.ttl ?? DEFAULT_TTL,
    icmp: init.icmp,
    tcp: init.tcp,
    proxyV2: init.proxyV2,
    payload: init.payload,
  };
}
