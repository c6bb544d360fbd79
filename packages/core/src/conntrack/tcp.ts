import { TCP } from "../net/index.ts";
import type { ConntrackTimeouts } from "./config.ts";
import type { CtDir } from "./entry.ts";

/** TCP conntrack states, with the kernel's values (enum tcp_conntrack, uapi nf_conntrack_tcp.h). */
export const TCP_STATE = {
  NONE: 0,
  SYN_SENT: 1,
  SYN_RECV: 2,
  ESTABLISHED: 3,
  FIN_WAIT: 4,
  CLOSE_WAIT: 5,
  LAST_ACK: 6,
  TIME_WAIT: 7,
  CLOSE: 8,
  SYN_SENT2: 9,
} as const;

/** A TCP state name, as `conntrack -L` prints it. */
export type TcpStateName = keyof typeof TCP_STATE;

/** Names by state index (nf_conntrack_proto_tcp.c tcp_conntrack_names[]). */
export const TCP_STATE_NAMES: readonly TcpStateName[] = [
  "NONE",
  "SYN_SENT",
  "SYN_RECV",
  "ESTABLISHED",
  "FIN_WAIT",
  "CLOSE_WAIT",
  "LAST_ACK",
  "TIME_WAIT",
  "CLOSE",
  "SYN_SENT2",
];

/** Pseudo-states of the transition table: sIV (TCP_CONNTRACK_MAX) and sIG (TCP_CONNTRACK_IGNORE). */
const IV = 10;
const IG = 11;

/** Flag classes (enum tcp_bit_set): the table's middle index. */
const SYN = 0;
const SYNACK = 1;
const FIN = 2;
const ACK = 3;
const RST = 4;
const NONE_SET = 5;

const CODES: Record<string, number> = { NO: 0, SS: 1, SR: 2, ES: 3, FW: 4, CW: 5, LA: 6, TW: 7, CL: 8, S2: 9, IV, IG };

/** One row: the next state for each current state NONE … SYN_SENT2. */
const row = (text: string): Uint8Array => Uint8Array.from(text.split(" "), (c) => CODES[c] as number);

// why: nf_conntrack_proto_tcp.c tcp_conntracks[2][6][TCP_CONNTRACK_MAX]
// (current kernels: an original-direction SYN/ACK is valid only in SYN_RECV
// and SYN_SENT2; a reply SYN in TIME_WAIT reopens to SYN_SENT).
// Columns:        NO SS SR ES FW CW LA TW CL S2
const TABLE: readonly (readonly Uint8Array[])[] = [
  [
    /* syn    */ row("SS SS IG IG IG IG IG SS SS S2"),
    /* synack */ row("IV IV SR IV IV IV IV IV IV SR"),
    /* fin    */ row("IV IV FW FW LA LA LA TW CL IV"),
    /* ack    */ row("ES IV ES ES CW CW TW TW CL IV"),
    /* rst    */ row("IV CL CL CL CL CL CL CL CL CL"),
    /* none   */ row("IV IV IV IV IV IV IV IV IV IV"),
  ],
  [
    /* syn    */ row("IV S2 IV IV IV IV IV SS IV S2"),
    /* synack */ row("IV SR IG IG IG IG IG IG IG SR"),
    /* fin    */ row("IV IV FW FW LA LA LA TW CL IV"),
    /* ack    */ row("IV IG SR ES CW CW TW TW CL IG"),
    /* rst    */ row("IV CL CL CL CL CL CL CL CL CL"),
    /* none   */ row("IV IV IV IV IV IV IV IV IV IV"),
  ],
];

/**
 * The table's next state for a segment of flag class `index` travelling in
 * `dir` when the entry is in `state`; 10 is sIV (invalid), 11 sIG (ignore).
 */
export function tcpTransition(dir: CtDir, index: number, state: number): number {
  return TABLE[dir === "original" ? 0 : 1]![index]![state]!;
}

/** The flag class of a segment (get_conntrack_index): RST first, then SYN(/ACK), FIN, ACK. */
export function tcpFlagIndex(flags: number): number {
  if (flags & TCP.RST) return RST;
  if (flags & TCP.SYN) return flags & TCP.ACK ? SYNACK : SYN;
  if (flags & TCP.FIN) return FIN;
  if (flags & TCP.ACK) return ACK;
  return NONE_SET;
}

const URG = 0x20;
// why: nf_conntrack_proto_tcp.c tcp_valid_flags[] — PSH (and ECE/CWR) are
// always allowed; anything else (SYN|FIN, a bare FIN, no flags) is INVALID.
const VALID_FLAGS = new Set([
  TCP.SYN,
  TCP.SYN | URG,
  TCP.SYN | TCP.ACK,
  TCP.RST,
  TCP.RST | TCP.ACK,
  TCP.FIN | TCP.ACK,
  TCP.FIN | TCP.ACK | URG,
  TCP.ACK,
  TCP.ACK | URG,
]);

/** True when tcp_error accepts the flag combination. */
export function tcpFlagsValid(flags: number): boolean {
  return VALID_FLAGS.has(flags & 0x3f & ~TCP.PSH);
}

/** The timeout, in seconds, of a TCP state (tcp_timeouts[]). */
export function tcpStateTimeout(state: number, t: ConntrackTimeouts): number {
  switch (state) {
    case TCP_STATE.SYN_SENT:
    case TCP_STATE.SYN_SENT2:
      return t.tcpSynSent;
    case TCP_STATE.SYN_RECV:
      return t.tcpSynRecv;
    case TCP_STATE.ESTABLISHED:
      return t.tcpEstablished;
    case TCP_STATE.FIN_WAIT:
      return t.tcpFinWait;
    case TCP_STATE.CLOSE_WAIT:
      return t.tcpCloseWait;
    case TCP_STATE.LAST_ACK:
      return t.tcpLastAck;
    case TCP_STATE.TIME_WAIT:
      return t.tcpTimeWait;
    default:
      return t.tcpClose;
  }
}

/** True when a new connection may start with this segment (tcp_new: SYN, or a bare ACK when loose). */
export function tcpCanStart(flags: number, loose: boolean): boolean {
  const next = TABLE[0]![tcpFlagIndex(flags)]![TCP_STATE.NONE]!;
  if (next >= IV) return false;
  // why: tcp_new refuses mid-stream pickup when nf_conntrack_tcp_loose is 0.
  return next === TCP_STATE.SYN_SENT || loose;
}

/** tcp_can_early_drop: closing states GC may evict under table pressure. */
export function tcpCanEarlyDrop(state: number): boolean {
  return state >= TCP_STATE.FIN_WAIT && state <= TCP_STATE.CLOSE;
}

/** The packet is accepted but changes nothing and refreshes nothing (sIG). */
export const TCP_IGNORE = -1;
/** The packet is INVALID: it leaves conntrack without an entry. */
export const TCP_INVALID = -2;
/** A SYN reopens a closed connection: destroy the entry and track the SYN afresh. */
export const TCP_REOPEN = -3;
/** A RST before any reply: the packet passes, the entry is destroyed at once. */
export const TCP_KILL = -4;
