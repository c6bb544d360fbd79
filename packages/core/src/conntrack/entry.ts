import type { Nanos } from "../engine/index.ts";
import type { Tuple } from "./tuple.ts";

/** Which way a packet travels relative to the connection's first packet. */
export type CtDir = "original" | "reply";

/**
 * The connection status bits, with the kernel's values
 * (include/uapi/linux/netfilter/nf_conntrack_common.h, enum ip_conntrack_status).
 */
export const IPS = {
  EXPECTED: 1 << 0,
  /** A packet was seen in the reply direction. */
  SEEN_REPLY: 1 << 1,
  /** The connection is worth keeping: early drop and GC pressure spare it. */
  ASSURED: 1 << 2,
  /** In the table (inserted at POSTROUTING/INPUT by nf_conntrack_confirm). */
  CONFIRMED: 1 << 3,
  /** The reply tuple's destination differs from the original source: source NAT. */
  SRC_NAT: 1 << 4,
  /** The reply tuple's source differs from the original destination: destination NAT. */
  DST_NAT: 1 << 5,
  /** The nat table has decided source NAT (possibly a null binding). */
  SRC_NAT_DONE: 1 << 7,
  /** The nat table has decided destination NAT (possibly a null binding). */
  DST_NAT_DONE: 1 << 8,
  /** Being destroyed. */
  DYING: 1 << 9,
} as const;

/** One direction's half of the table: what a tuple lookup finds (the kernel's nf_conntrack_tuple_hash). */
export interface CtTupleHash {
  readonly entry: CtEntry;
  readonly dir: CtDir;
}

/**
 * One tracked connection (the kernel's `struct nf_conn`): the original
 * tuple as the first packet looked, the reply tuple a reply is expected to
 * carry (changed by NAT bindings), status bits, protocol state, the expiry
 * deadline, the connection mark and per-direction counters.
 */
export class CtEntry {
  /** Reply tuple: the inverse of the original until NAT rewrites it. */
  reply: Tuple;
  /** {@link IPS} bits. */
  status = 0;
  /** TCP only: the tcp_conntrack state index (see `TCP_STATE_NAMES`). */
  tcpState = 0;
  /** TCP only: a FIN was seen from either side (IP_CT_TCP_FLAG_CLOSE_INIT). */
  tcpCloseInit = false;
  /** TCP only: the flag class (tcp_bit_set) and direction of the last in-window packet. */
  tcpLastIndex = 5;
  tcpLastDir: CtDir = "original";
  /** TCP only: an ignored SYN in LAST_ACK may draw a challenge ACK (IP_CT_EXP_CHALLENGE_ACK). */
  tcpExpectChallengeAck = false;
  /** TCP only: a SYN was seen from both sides (IP_CT_TCP_SIMULTANEOUS_OPEN). */
  tcpSimultaneousOpen = false;
  /** UDP only: after this time a replied flow counts as a stream (stream_ts = creation + 2 s). */
  udpStreamAt = 0 as Nanos;
  /** The entry expires when simulated time reaches this. */
  deadline = 0 as Nanos;
  /** The connection mark (ct->mark, CONNMARK); not the skb mark. */
  mark = 0;
  /** Source NAT came from MASQUERADE (the address is the outgoing interface's). */
  masquerade = false;
  /** Packet and byte counters (nf_conn_acct), original then reply direction. */
  origPackets = 0;
  origBytes = 0;
  replyPackets = 0;
  replyBytes = 0;
  /** Hash buckets of the original and reply tuples, set on confirm (early-drop scan). */
  bucketOrig = -1;
  bucketReply = -1;
  /** The two tuple-hash halves, allocated once so lookups allocate nothing. */
  readonly hashOriginal: CtTupleHash;
  readonly hashReply: CtTupleHash;

  constructor(
    /** Unique per table, in order of creation. */
    readonly id: number,
    /** The tuple of the connection's first packet, before any NAT. */
    readonly original: Tuple,
    reply: Tuple,
    readonly createdAt: Nanos,
  ) {
    this.reply = reply;
    this.hashOriginal = { entry: this, dir: "original" };
    this.hashReply = { entry: this, dir: "reply" };
  }

  /** True when the status has every bit of `bits`. */
  has(bits: number): boolean {
    return (this.status & bits) === bits;
  }

  /** The tuple a packet travelling in `dir` carries before NAT. */
  tuple(dir: CtDir): Tuple {
    return dir === "original" ? this.original : this.reply;
  }
}

const PROTO_ORDER = { TCP: 0, UDP: 1, ICMP: 2, SCTP: 3 } as const;

/** A fixed listing order: protocol, then the original tuple's addresses and ports, then creation. */
export function compareEntries(a: CtEntry, b: CtEntry): number {
  const x = a.original;
  const y = b.original;
  return (
    PROTO_ORDER[x.proto] - PROTO_ORDER[y.proto] ||
    x.src - y.src ||
    x.dst - y.dst ||
    x.srcPort - y.srcPort ||
    x.dstPort - y.dstPort ||
    a.id - b.id
  );
}
