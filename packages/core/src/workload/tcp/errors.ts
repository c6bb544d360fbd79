import { ICMP, type Packet } from "../../net/index.ts";

/**
 * The errors a TCP socket reports to its application, by errno name
 * (what `connect()`, `read()` or `write()` return).
 */
export type TcpErrno =
  /** A RST answered the SYN, or ICMP port unreachable arrived while connecting. */
  | "ECONNREFUSED"
  /** A RST on an established connection. */
  | "ECONNRESET"
  /** A RST after the peer had closed (CLOSE_WAIT): the next write fails with EPIPE. */
  | "EPIPE"
  /** Retransmissions exhausted: tcp_syn_retries while connecting, tcp_retries2 after. */
  | "ETIMEDOUT"
  /** ICMP host unreachable or TTL exceeded. */
  | "EHOSTUNREACH"
  /** ICMP network unreachable. */
  | "ENETUNREACH";

/**
 * The errno an ICMP error maps to, and whether it is a hard error
 * (icmp_err_convert[] in net/ipv4/icmp.c; time exceeded is EHOSTUNREACH in
 * tcp_v4_err). Undefined for ICMP messages TCP ignores.
 */
export function icmpErrno(pkt: Packet): TcpErrno | undefined {
  const icmp = pkt.icmp;
  if (icmp === undefined) return undefined;
  if (icmp.type === ICMP.TIME_EXCEEDED) return "EHOSTUNREACH";
  if (icmp.type !== ICMP.DEST_UNREACH) return undefined;
  switch (icmp.code) {
    case ICMP.NET_UNREACH:
      return "ENETUNREACH";
    case ICMP.PORT_UNREACH:
      return "ECONNREFUSED";
    default:
      // why: host unreachable and admin prohibited (code 13, iptables'
      // --reject-with icmp-admin-prohibited) are EHOSTUNREACH in
      // icmp_err_convert. Simplified: the codes the simulator never sends
      // (protocol unreachable, source route failed, …) are folded in here too.
      return "EHOSTUNREACH";
  }
}
