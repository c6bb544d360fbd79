import { formatIPv4, type IPv4 } from "./ip.ts";

/** The IP protocols a packet can carry. */
export type IpProto = "TCP" | "UDP" | "SCTP" | "ICMP";

/** TCP flag bits, with the kernel's values (include/net/tcp.h TCPHDR_*). */
export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** An ICMP error that quotes the packet it answers, as the kernel's icmp_send does. */
export interface IcmpInfo {
  type: number;
  code: number;
  /** The 5-tuple of the packet that caused the error, as it was sent. */
  quoted?: FiveTuple;
}

/**
 * The TCP header fields an endpoint's TCP model reads: sequence and
 * acknowledgment numbers in bytes (32-bit, wrapping), the advertised window,
 * and the options the model uses. The network and netfilter never read it;
 * segments the kernel synthesises (a RST for a closed port) carry none.
 */
export interface TcpHeader {
  seq: number;
  ack: number;
  window: number;
  /** Data bytes carried (the segment length without SYN/FIN). */
  dataBytes: number;
  /** The MSS option, on SYN and SYN-ACK. */
  mss?: number;
  /** The timestamp option (RFC 7323), in milliseconds. */
  tsval?: number;
  tsecr?: number;
}

/**
 * A PROXY protocol v2 header (PROXY command, AF_INET, STREAM) that a proxy or
 * load balancer puts in front of a TCP connection's first data byte to tell
 * the server who the client was (HAProxy, "The PROXY protocol", section 2.2,
 * https://www.haproxy.org/download/2.9/doc/proxy-protocol.txt). Only the
 * address block is modelled; TLVs are not.
 */
export interface ProxyV2Header {
  /** The original client's address and port. */
  src: IPv4;
  srcPort: number;
  /** The address and port the client connected to (the load balancer's frontend). */
  dst: IPv4;
  dstPort: number;
}

/**
 * Bytes of a PROXY v2 header for TCP over IPv4: the 16-byte fixed part
 * (12-byte signature, version/command, family/protocol, 2-byte length) and
 * the 12-byte address block (two IPv4 addresses, two ports).
 */
export const PROXY_V2_IPV4_BYTES = 16 + 12;

/** The fields conntrack and the service dataplanes key on. */
export interface FiveTuple {
  proto: IpProto;
  src: IPv4;
  srcPort: number;
  dst: IPv4;
  dstPort: number;
}

/**
 * One IP packet. The network moves it and the netfilter hooks rewrite its
 * addresses, ports and mark in place; `payload` is opaque application data
 * (a request, a DNS query) that the network never reads.
 */
export interface Packet extends FiveTuple {
  /** Unique within a run, in order of creation. */
  readonly id: number;
  /** TCP flag bits (see {@link TCP}); 0 for other protocols. */
  flags: number;
  /** Bytes on the wire, IP header included. */
  length: number;
  /** The skb mark (`-j MARK`, kube-proxy's 0x4000 masquerade bit). */
  mark: number;
  ttl: number;
  icmp?: IcmpInfo;
  /** The TCP header, when an endpoint's TCP model sent the segment. */
  tcp?: TcpHeader;
  /**
   * A PROXY v2 header at the start of this segment's data, put there by the
   * sender ({@link attachProxyV2}). Routing, netfilter and conntrack never
   * read it; the receiving server does, when it speaks the protocol.
   */
  proxyV2?: ProxyV2Header;
  payload?: unknown;
}

/**
 * Puts a PROXY v2 header in front of a segment's data, as a load balancer
 * with proxy protocol v2 does on a connection's first data segment (and on
 * every retransmission of it). The header's bytes count on the wire
 * (`length`) but not in the TCP sequence space: a balancer that inserts it
 * (AWS NLB, for one) shifts sequence numbers so that neither end's TCP sees
 * them, and the model simply leaves them out of `tcp.seq`/`dataBytes`.
 */
export function attachProxyV2(pkt: Packet, header: ProxyV2Header): void {
  if (pkt.proxyV2 === undefined) pkt.length += PROXY_V2_IPV4_BYTES;
  pkt.proxyV2 = header;
}

/** Makes packet ids: one counter per run, so ids are deterministic. */
export class PacketIds {
  private next = 1;
  /** The next id. */
  take(): number {
    return this.next++;
  }
}

/** The IP header's default TTL on Linux (net.ipv4.ip_default_ttl). */
export const DEFAULT_TTL = 64;

/** Formats the TCP flags the way tcpdump prints them, e.g. `S`, `S.`, `F.`, `R`. */
export function formatTcpFlags(flags: number): string {
  let out = "";
  if (flags & TCP.SYN) out += "S";
  if (flags & TCP.FIN) out += "F";
  if (flags & TCP.RST) out += "R";
  if (flags & TCP.PSH) out += "P";
  if (flags & TCP.ACK) out += ".";
  return out === "" ? "none" : out;
}

/** Formats `ip:port`. */
export function formatEndpoint(ip: IPv4, port: number): string {
  return `${formatIPv4(ip)}:${port}`;
}

/** Formats a tuple as `TCP 10.244.1.5:40000 > 10.96.0.10:80`. */
export function formatTuple(t: FiveTuple): string {
  if (t.proto === "ICMP") return `ICMP ${formatIPv4(t.src)} > ${formatIPv4(t.dst)}`;
  return `${t.proto} ${formatEndpoint(t.src, t.srcPort)} > ${formatEndpoint(t.dst, t.dstPort)}`;
}
