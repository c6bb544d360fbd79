import type { ConntrackTimeouts } from "./config.ts";
import { type CtDir, type CtEntry, IPS } from "./entry.ts";
import {
  TCP_IGNORE,
  TCP_INVALID,
  TCP_KILL,
  TCP_REOPEN,
  TCP_STATE,
  tcpFlagIndex,
  tcpFlagsValid,
  tcpStateTimeout,
  tcpTransition,
} from "./tcp.ts";

const SYN = 0;
const SYNACK = 1;
const ACK = 3;
const RST = 4;

/**
 * One TCP segment through an entry (nf_conntrack_tcp_packet), after the
 * entry was created or found. Updates the entry's state and returns the
 * timeout to refresh it with, in seconds, or a negative verdict:
 * {@link TCP_IGNORE}, {@link TCP_INVALID}, {@link TCP_REOPEN}, {@link TCP_KILL}.
 *
 * Call it before setting SEEN_REPLY for this packet, as the kernel does.
 * Simplified: sequence/window tracking (tcp_in_window), retransmission and
 * unacknowledged-data timeouts are not modelled — svcsim segments carry no
 * sequence numbers — so every segment counts as in-window.
 */
export function tcpPacket(e: CtEntry, dir: CtDir, flags: number, t: ConntrackTimeouts): number {
  if (!tcpFlagsValid(flags)) return TCP_INVALID;
  const index = tcpFlagIndex(flags);
  let old = e.tcpState;
  let next = tcpTransition(dir, index, old);
  if (next === TCP_STATE.SYN_SENT && old >= TCP_STATE.TIME_WAIT) {
    // why: RFC 1122 reopen from TIME_WAIT/CLOSE — when the old connection was
    // closed (a FIN seen) or reset by this side, kill it and look up again.
    if (e.tcpCloseInit || (e.tcpLastDir === dir && e.tcpLastIndex === RST)) return TCP_REOPEN;
    next = IG_STATE;
  }
  if (next === IG_STATE) {
    // why: a SYN/ACK answering a SYN we ignored means both ends are in sync
    // and we are not: resynchronise to SYN_RECV (the "b)" case).
    if (index === SYNACK && e.tcpLastIndex === SYN && e.tcpLastDir !== dir) {
      old = TCP_STATE.SYN_SENT;
      next = TCP_STATE.SYN_RECV;
      e.tcpExpectChallengeAck = false;
    } else {
      // why: an ignored original-direction SYN in LAST_ACK may draw an RFC 5961 challenge ACK.
      if (index === SYN && dir === "original") e.tcpExpectChallengeAck = old === TCP_STATE.LAST_ACK;
      e.tcpLastIndex = index;
      e.tcpLastDir = dir;
      return TCP_IGNORE;
    }
  } else if (next === IV_STATE) {
    return TCP_INVALID;
  } else if (next === TCP_STATE.TIME_WAIT) {
    // why: an RFC 5961 challenge ACK after a SYN in LAST_ACK must not be taken as the last ACK.
    if (old === TCP_STATE.LAST_ACK && index === ACK && e.tcpLastDir !== dir && e.tcpLastIndex === SYN) {
      if (e.tcpExpectChallengeAck) {
        e.tcpExpectChallengeAck = false;
        return TCP_IGNORE;
      }
    }
  } else if (next === TCP_STATE.SYN_SENT2) {
    e.tcpSimultaneousOpen = true;
  } else if (next === TCP_STATE.SYN_RECV && dir === "reply" && index === ACK && e.tcpSimultaneousOpen) {
    next = TCP_STATE.ESTABLISHED;
  }
  return tcpCommit(e, dir, index, old, next, t);
}

const IV_STATE = 10;
const IG_STATE = 11;

/** The in-window tail of nf_conntrack_tcp_packet: new state, CLOSE_INIT, timeout, ASSURED. */
function tcpCommit(e: CtEntry, dir: CtDir, index: number, old: number, next: number, t: ConntrackTimeouts): number {
  e.tcpLastIndex = index;
  e.tcpLastDir = dir;
  e.tcpState = next;
  if (old !== next && next === TCP_STATE.FIN_WAIT) e.tcpCloseInit = true;
  // why: a RST always gets the CLOSE timeout (timeouts[TCP_CONNTRACK_CLOSE]).
  let timeout = index === RST ? t.tcpClose : tcpStateTimeout(next, t);
  if (!e.has(IPS.SEEN_REPLY)) {
    // why: "If only reply is a RST, we can consider ourselves not to have an
    // established connection" — nf_ct_kill_acct, the entry goes at once.
    if (index === RST) return TCP_KILL;
    // why: ESTABLISHED without SEEN_REPLY is a loose mid-stream pickup:
    // capped at the unacknowledged timeout instead of the long ESTABLISHED one.
    if (next === TCP_STATE.ESTABLISHED && timeout > t.tcpUnacknowledged) timeout = t.tcpUnacknowledged;
  } else if (
    !e.has(IPS.ASSURED) &&
    (old === TCP_STATE.SYN_RECV || old === TCP_STATE.ESTABLISHED) &&
    next === TCP_STATE.ESTABLISHED
  ) {
    // why: ASSURED once a valid ACK moves SYN_RECV (or a picked-up connection) to ESTABLISHED.
    e.status |= IPS.ASSURED;
  }
  return timeout;
}
