import {
  ICMP,
  type IPv4,
  icmpErrorFor,
  type NetNamespace,
  type Packet,
  type PacketIds,
  tcpResetFor,
} from "../net/index.ts";

/** What a node needs to answer a packet it drops. */
export interface Answerer {
  readonly ip: IPv4;
  readonly host: NetNamespace;
  /** True when the address is one of the node's own. */
  isLocal(ip: IPv4): boolean;
}

/**
 * Sends the ICMP error a node's stack sends about a packet it drops, out of
 * the host namespace (so it takes the node's OUTPUT path).
 */
export function sendIcmpError(node: Answerer, ids: PacketIds, pkt: Packet, type: number, code: number): void {
  // why: icmp_send sources the error from the offending packet's destination
  // when that is a local address (RTCF_LOCAL), else from the address the
  // output route selects: the node IP.
  const src = node.isLocal(pkt.dst) ? pkt.dst : node.ip;
  const err = icmpErrorFor(ids, pkt, type, code, src);
  if (err !== undefined) node.host.send(err);
}

/**
 * Answers a REJECT verdict: a TCP RST from the original destination
 * (nf_send_reset swaps the addresses) or ICMP port unreachable
 * (nf_send_unreach → icmp_send). Both leave through ip_local_out.
 */
export function sendReject(
  node: Answerer,
  ids: PacketIds,
  pkt: Packet,
  how: "icmp-port-unreachable" | "tcp-reset",
): void {
  if (how === "tcp-reset") {
    const rst = tcpResetFor(ids, pkt);
    if (rst !== undefined) node.host.send(rst);
    return;
  }
  sendIcmpError(node, ids, pkt, ICMP.DEST_UNREACH, ICMP.PORT_UNREACH);
}
