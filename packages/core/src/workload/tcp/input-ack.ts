import { type Packet, TCP, type TcpHeader } from "../../net/index.ts";
import { tsClock } from "./segment.ts";
import { seqAdd, seqDiff, seqLe, seqLt } from "./seq.ts";
import type { TcpSocket } from "./socket.ts";
import { enterTimeWait, restartLinger } from "./timers.ts";

const NS_PER_MS = 1_000_000;
/** tcp_reordering: duplicate ACKs that trigger a fast retransmit. */
const DUPACK_THRESHOLD = 3;

/**
 * One RTT measurement (tcp_ack_update_rtt): from the send time of the
 * earliest newly acknowledged segment when none of it was retransmitted
 * (Karn), else from the echoed timestamp, whose clock ticks in ms and
 * counts at least 1 ms (tcp_rtt_tsopt_us). A valid sample resets the
 * backoff and recomputes the RTO (tcp_set_rto).
 */
export function rttSample(sock: TcpSocket, sentAt: number | undefined, tsecr: number | undefined): void {
  const now = sock.env.sched.now;
  let m: number | undefined;
  if (sentAt !== undefined) m = now - sentAt;
  else if (tsecr !== undefined && tsecr !== 0) m = Math.max(1, (tsClock(now) - tsecr) >>> 0) * NS_PER_MS;
  if (m === undefined) return;
  sock.rtt.sample(m, sock.sndUna, sock.sndNxt);
  sock.rto = sock.rtt.rto;
  sock.backoff = 0;
}

/**
 * The ACK field of a segment in a synchronized state (tcp_ack). Returns
 * false when the segment must be dropped (it acknowledges unsent data).
 */
export function ackInput(sock: TcpSocket, pkt: Packet, h: TcpHeader): boolean {
  const ack = h.ack;
  if (seqLt(sock.sndNxt, ack)) {
    // why: RFC 793 / tcp_ack: an ACK for data never sent is answered and dropped.
    sock.sendAck();
    return false;
  }
  const windowChanged = h.window !== sock.sndWnd;
  sock.sndWnd = h.window;
  if (seqLt(sock.sndUna, ack)) {
    newlyAcked(sock, ack, h);
  } else if (
    ack === sock.sndUna &&
    h.dataBytes === 0 &&
    !(pkt.flags & TCP.FIN) &&
    !windowChanged &&
    sock.sndUna !== sock.sndNxt
  ) {
    duplicateAck(sock);
  }
  sock.pump();
  return true;
}

function newlyAcked(sock: TcpSocket, ack: number, h: TcpHeader): void {
  const ackedBytes = seqDiff(ack, sock.sndUna);
  const freed = sock.queue.acknowledge(ack);
  sock.sndUna = ack;
  rttSample(sock, freed.firstSentAt, freed.retransmittedAcked ? h.tsecr : undefined);
  sock.retransmits = 0;
  sock.retransStamp = 0;
  sock.dupAcks = 0;
  const segments = Math.max(1, Math.ceil(ackedBytes / sock.mssCache));
  if (sock.fastRecovery) {
    if (seqLe(sock.recoverPoint, ack)) {
      sock.fastRecovery = false;
      sock.cwnd = sock.ssthresh;
    } else {
      // why: NewReno (RFC 6582 3.2): a partial ACK retransmits the next hole.
      retransmitHead(sock);
    }
  } else {
    growCwnd(sock, segments);
  }
  if (sock.rexmitNext !== undefined && seqLt(sock.rexmitNext, ack)) sock.rexmitNext = ack;
  if (sock.rexmitNext !== undefined && seqLe(sock.recoverPoint, ack)) sock.rexmitNext = undefined;
  if (sock.finSeq !== undefined && ack === seqAdd(sock.finSeq, 1)) ourFinAcked(sock);
  if (sock.state === "CLOSED" || sock.state === "TIME_WAIT") return;
  // why: RFC 6298 5.2/5.3: stop the timer when all is acknowledged, else restart it.
  if (sock.sndUna === sock.sndNxt) sock.stopRtx();
  else sock.armRtx(sock.rto);
}

/**
 * Reno's window growth: slow start below ssthresh (one segment per segment
 * acknowledged), then one segment per window. Simplified: Linux's default is
 * CUBIC; svcsim models no queues, so only the window's cap on the flight matters.
 */
function growCwnd(sock: TcpSocket, segments: number): void {
  if (sock.cwnd < sock.ssthresh) {
    sock.cwnd += segments;
    return;
  }
  sock.cwndCount += segments;
  if (sock.cwndCount >= sock.cwnd) {
    sock.cwndCount = 0;
    sock.cwnd++;
  }
}

function duplicateAck(sock: TcpSocket): void {
  sock.dupAcks++;
  if (sock.dupAcks !== DUPACK_THRESHOLD || sock.fastRecovery || sock.rexmitNext !== undefined) return;
  // why: tcp_fastretrans_alert without SACK: the third duplicate ACK
  // retransmits the head at once and halves the window (RFC 5681 3.2).
  const flight = Math.ceil(seqDiff(sock.sndNxt, sock.sndUna) / sock.mssCache);
  sock.ssthresh = Math.max(Math.floor(flight / 2), 2);
  sock.cwnd = sock.ssthresh;
  sock.fastRecovery = true;
  sock.recoverPoint = sock.sndNxt;
  retransmitHead(sock);
}

/** Resends the first unacknowledged segment. */
function retransmitHead(sock: TcpSocket): void {
  const limit = sock.finSeq ?? sock.sndNxt;
  const len = Math.max(0, Math.min(sock.mssCache, seqDiff(limit, sock.sndUna)));
  const fin = sock.finSeq !== undefined && seqAdd(sock.sndUna, len) === sock.finSeq;
  if (len === 0 && !fin) return;
  sock.transmit(sock.sndUna, len, fin, true);
  sock.retransmissions++;
}

/** Our FIN was acknowledged (tcp_rcv_state_process, the FIN_WAIT1/CLOSING/LAST_ACK cases). */
function ourFinAcked(sock: TcpSocket): void {
  switch (sock.state) {
    case "FIN_WAIT_1":
      sock.state = "FIN_WAIT_2";
      // why: an orphaned FIN_WAIT_2 lives tcp_fin_timeout (tcp_rcv_state_process → tcp_time_wait(FIN_WAIT2)).
      if (sock.orphan) restartLinger(sock, sock.env.config.finTimeout);
      return;
    case "CLOSING":
      enterTimeWait(sock);
      return;
    case "LAST_ACK":
      sock.finish(undefined);
      return;
    default:
      return;
  }
}
