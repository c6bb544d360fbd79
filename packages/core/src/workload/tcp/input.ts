import type { Nanos } from "../../engine/index.ts";
import { type Packet, TCP, type TcpHeader } from "../../net/index.ts";
import { icmpErrno, type TcpErrno } from "./errors.ts";
import { ackInput, rttSample } from "./input-ack.ts";
import { isTcpPayload, type TcpMessage } from "./segment.ts";
import { seqAdd, seqLe, seqLt } from "./seq.ts";
import type { TcpSocket } from "./socket.ts";
import { enterTimeWait, restartLinger, scheduleDelayedAck } from "./timers.ts";

const NO_MESSAGES: readonly TcpMessage[] = [];

/** A segment or ICMP error for this socket's 4-tuple arrives (tcp_v4_rcv → tcp_rcv_state_process). */
export function tcpInput(sock: TcpSocket, pkt: Packet): void {
  // Simplified: the header is taken from whichever segment carries it (a
  // sender puts it only on the segment holding the stream's first byte).
  if (pkt.proxyV2 !== undefined && sock.proxyHeader === undefined) sock.proxyHeader = pkt.proxyV2;
  if (pkt.proto === "ICMP") {
    icmpInput(sock, pkt);
    return;
  }
  if (sock.state === "SYN_SENT") synSentInput(sock, pkt);
  else if (sock.state === "TIME_WAIT") timeWaitInput(sock, pkt);
  else synchronizedInput(sock, pkt);
}

function icmpInput(sock: TcpSocket, pkt: Packet): void {
  const errno = icmpErrno(pkt);
  if (errno === undefined) return;
  // why: tcp_v4_err: while connecting, any ICMP error ends the attempt at
  // once (sk_err, tcp_done): port unreachable is ECONNREFUSED. A request
  // socket is dropped (tcp_req_err). Later it is only a soft error,
  // reported if the connection then times out (tcp_write_err).
  if (sock.state === "SYN_SENT") sock.finish(errno);
  else if (sock.state === "SYN_RECV") sock.finish(undefined);
  else sock.softError = errno;
}

function synSentInput(sock: TcpSocket, pkt: Packet): void {
  const h = pkt.tcp;
  const ack = (pkt.flags & TCP.ACK) !== 0;
  const rst = (pkt.flags & TCP.RST) !== 0;
  // why: tcp_rcv_synsent_state_process: an ACK for anything but our SYN is
  // answered with a RST (seq = its ack) and otherwise ignored.
  if (ack && h !== undefined && h.ack !== sock.sndNxt) {
    if (!rst) sock.sendReset(h.ack, TCP.RST);
    return;
  }
  if (rst) {
    // why: a RST acking our SYN is "connection refused" (tcp_reset in
    // SYN_SENT); a RST without ACK is ignored (RFC 793 p. 67).
    if (ack) sock.finish("ECONNREFUSED");
    return;
  }
  // Simplified: a bare SYN (simultaneous open) is ignored.
  if (!(pkt.flags & TCP.SYN) || !ack || h === undefined) return;
  sock.recv.rcvNxt = seqAdd(h.seq, 1);
  sock.rcvWup = sock.recv.rcvNxt;
  sock.tsRecent = h.tsval ?? 0;
  sock.mssCache = sock.effectiveMss(h.mss ?? 536);
  sock.sndWnd = h.window;
  sock.sndUna = h.ack;
  sock.state = "ESTABLISHED";
  handshakeDone(sock, h);
  // why: the handshake's last ACK goes out at once from softirq, before the
  // application learns that connect() succeeded.
  sock.sendAck();
  sock.handlers.connected?.(sock);
  sock.pump();
}

/** The SYN (or SYN-ACK) was acknowledged: RTT sample, timers reset (tcp_ack / tcp_synack_rtt_meas). */
function handshakeDone(sock: TcpSocket, h: TcpHeader): void {
  const first = sock.retransmits === 0 ? sock.synSentAt : undefined;
  sock.retransmits = 0;
  sock.backoff = 0;
  sock.stopRtx();
  rttSample(sock, first, h.tsecr);
}

function synchronizedInput(sock: TcpSocket, pkt: Packet): void {
  const h = pkt.tcp;
  if (pkt.flags & TCP.RST) {
    rstInput(sock, h);
    return;
  }
  if (h === undefined) return;
  const syn = (pkt.flags & TCP.SYN) !== 0;
  if (sock.state === "SYN_RECV" && syn && !(pkt.flags & TCP.ACK)) {
    // why: tcp_check_req: a retransmitted SYN gets the SYN-ACK again and
    // pushes the request's timer out by its current timeout.
    sock.sendSyn();
    sock.retransmissions++;
    const { rtoInit, rtoMax } = sock.env.config;
    sock.armRtx(Math.min(rtoInit * 2 ** sock.retransmits, rtoMax) as Nanos);
    return;
  }
  if (!acceptable(sock, h, pkt.flags) || syn) {
    // why: tcp_validate_incoming: an out-of-window segment gets a duplicate
    // ACK; a SYN on a synchronized connection a challenge ACK (RFC 5961 4).
    sock.sendAck();
    return;
  }
  if (!(pkt.flags & TCP.ACK)) return;
  if (sock.state === "SYN_RECV") {
    if (h.ack !== sock.sndNxt) {
      sock.sendReset(h.ack, TCP.RST);
      return;
    }
    sock.sndUna = h.ack;
    sock.sndWnd = h.window;
    sock.state = "ESTABLISHED";
    handshakeDone(sock, h);
    sock.onAccept?.(sock);
  } else if (!ackInput(sock, pkt, h)) {
    return;
  }
  if (sock.state !== "CLOSED") dataInput(sock, pkt, h);
}

/** tcp_sequence(): the segment ends at or after rcv_wup and starts within the window. */
function acceptable(sock: TcpSocket, h: TcpHeader, flags: number): boolean {
  const len = h.dataBytes + (flags & TCP.FIN ? 1 : 0);
  const windowEnd = seqAdd(sock.recv.rcvNxt, sock.env.config.receiveWindow);
  return !seqLt(seqAdd(h.seq, len), sock.rcvWup) && !seqLt(windowEnd, h.seq);
}

function rstInput(sock: TcpSocket, h: TcpHeader | undefined): void {
  // why: RFC 5961 3.2 (tcp_validate_incoming): a RST is taken only at exactly
  // rcv_nxt; elsewhere in the window it draws a challenge ACK. RSTs the
  // kernel builds for a closed port carry no header here and mirror our own
  // segment, so they are always in window.
  if (h !== undefined && h.seq !== sock.recv.rcvNxt) {
    if (seqLe(sock.recv.rcvNxt, h.seq) && seqLt(h.seq, seqAdd(sock.recv.rcvNxt, sock.env.config.receiveWindow))) {
      sock.sendAck();
    }
    return;
  }
  // why: tcp_reset: ECONNRESET, or EPIPE once the peer had closed (CLOSE_WAIT);
  // an embryonic SYN_RECV request is just dropped.
  let errno: TcpErrno | undefined = "ECONNRESET";
  if (sock.state === "CLOSE_WAIT") errno = "EPIPE";
  else if (sock.state === "SYN_RECV") errno = undefined;
  sock.finish(errno);
}

function timeWaitInput(sock: TcpSocket, pkt: Packet): void {
  // why: tcp_timewait_state_process with tcp_rfc1337 = 0: a RST ends TIME_WAIT;
  // a retransmitted FIN is ACKed again and restarts the 60 s.
  if (pkt.flags & TCP.RST) {
    sock.finish(undefined);
    return;
  }
  if (pkt.flags & TCP.FIN) {
    sock.sendAck();
    restartLinger(sock, sock.env.config.timeWait);
    return;
  }
  if ((pkt.tcp?.dataBytes ?? 0) > 0 || pkt.flags & TCP.SYN) sock.sendAck();
}

function dataInput(sock: TcpSocket, pkt: Packet, h: TcpHeader): void {
  const fin = (pkt.flags & TCP.FIN) !== 0;
  const len = h.dataBytes;
  if (len === 0 && !fin) return;
  const rcvNxt = sock.recv.rcvNxt;
  const end = seqAdd(h.seq, len + (fin ? 1 : 0));
  if (seqLe(end, rcvNxt)) {
    // why: tcp_data_queue: a pure retransmission forces an immediate ACK.
    sock.sendAck();
    return;
  }
  const receiving = sock.state === "ESTABLISHED" || sock.state === "FIN_WAIT_1" || sock.state === "FIN_WAIT_2";
  if (!receiving) return;
  if (sock.orphan && len > 0) {
    // why: tcp_rcv_state_process: new data for a socket the application
    // closed (RCV_SHUTDOWN) aborts it, and tcp_v4_send_reset answers RST.
    sock.sendReset(h.ack, TCP.RST);
    sock.finish("ECONNRESET");
    return;
  }
  const messages = isTcpPayload(pkt.payload) ? pkt.payload.messages : NO_MESSAGES;
  if (seqLt(rcvNxt, h.seq)) {
    // why: out of order: held, and a duplicate ACK goes out at once (tcp_data_queue_ofo).
    sock.recv.hold(h.seq, len, fin, messages);
    sock.sendAck();
    return;
  }
  if (seqLe(h.seq, sock.rcvWup) && h.tsval !== undefined) sock.tsRecent = h.tsval;
  const adv = sock.recv.accept(h.seq, len, fin, messages);
  if (len > 0) noteData(sock);
  if (adv.fin) finReceived(sock);
  else ackData(sock, adv.filledHole);
  for (const m of adv.messages) {
    if (sock.state === "CLOSED" || sock.orphan) break;
    sock.handlers.message?.(m.message, m.bytes, sock);
  }
  if (adv.fin && !sock.orphan && sock.state !== "CLOSED") sock.handlers.peerClosed?.(sock);
}

/** tcp_event_data_recv: the first data starts quick-ACK mode (TCP_MAX_QUICKACKS). */
function noteData(sock: TcpSocket): void {
  if (sock.quick < 0) sock.quick = sock.env.config.maxQuickAcks;
  sock.lastDataRecvAt = sock.env.sched.now;
}

/**
 * __tcp_ack_snd_check: ACK now in quick-ACK mode, when more than one full
 * segment is unacknowledged, or when a hole was just filled (RFC 5681 4.2);
 * otherwise delay the ACK (40 ms) in the hope that a reply carries it.
 */
function ackData(sock: TcpSocket, filledHole: boolean): void {
  const quickMode = sock.quick > 0 && !sock.pingpong;
  const unacked = sock.recv.rcvNxt - sock.rcvWup;
  if (quickMode || filledHole || sock.recv.holdCount > 0 || unacked >>> 0 > sock.mssCache) sock.sendAck();
  else scheduleDelayedAck(sock);
}

/** tcp_fin: the peer's FIN was reached in order. */
function finReceived(sock: TcpSocket): void {
  switch (sock.state) {
    case "ESTABLISHED":
      // why: CLOSE_WAIT enters pingpong mode and only schedules the ACK, so
      // an application that closes at once sends FIN and ACK together.
      sock.state = "CLOSE_WAIT";
      sock.pingpong = true;
      scheduleDelayedAck(sock);
      return;
    case "FIN_WAIT_1":
      // Simultaneous close: our FIN is not acknowledged yet.
      sock.state = "CLOSING";
      sock.sendAck();
      return;
    case "FIN_WAIT_2":
      sock.sendAck();
      enterTimeWait(sock);
      return;
    default:
      return;
  }
}
