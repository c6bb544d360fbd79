import type { Nanos } from "../../engine/index.ts";
import type { TcpErrno } from "./errors.ts";
import { modelTimeout } from "./rtt.ts";
import { seqDiff } from "./seq.ts";
import type { TcpSocket } from "./socket.ts";

/**
 * The retransmission timer fired (tcp_retransmit_timer, net/ipv4/tcp_timer.c;
 * for a SYN_RECV request, reqsk_timer_handler in inet_connection_sock.c).
 */
export function retransmitTimeout(sock: TcpSocket): void {
  switch (sock.state) {
    case "SYN_SENT":
      synTimeout(sock);
      return;
    case "SYN_RECV":
      synAckTimeout(sock);
      return;
    case "CLOSED":
    case "TIME_WAIT":
    case "FIN_WAIT_2":
      return;
    default:
      dataTimeout(sock);
  }
}

function synTimeout(sock: TcpSocket): void {
  const c = sock.env.config;
  // why: tcp_write_timeout for SYN_SENT: expired once icsk_retransmits reaches
  // tcp_syn_retries (+ tcp_syn_linear_timeouts on Linux ≥ 6.5); the error is
  // sk_err_soft if an ICMP left one, else ETIMEDOUT (tcp_write_err).
  if (sock.retransmits >= c.synRetries + c.synLinearTimeouts) {
    sock.finish(sock.softError ?? "ETIMEDOUT");
    return;
  }
  sock.sendSyn();
  sock.retransmissions++;
  sock.backoff++;
  sock.retransmits++;
  // why: the RTO doubles, except for SYNs while icsk_backoff ≤ tcp_syn_linear_timeouts.
  if (sock.backoff > c.synLinearTimeouts) sock.rto = Math.min(sock.rto * 2, c.rtoMax) as Nanos;
  sock.armRtx(sock.rto);
}

function synAckTimeout(sock: TcpSocket): void {
  const c = sock.env.config;
  // why: reqsk_timer_handler → syn_ack_recalc: the request expires when
  // num_timeout reaches tcp_synack_retries; it is dropped without a RST.
  if (sock.retransmits >= c.synackRetries) {
    sock.finish(undefined);
    return;
  }
  sock.sendSyn();
  sock.retransmissions++;
  sock.retransmits++;
  // why: timeo = min(TCP_TIMEOUT_INIT << num_timeout, TCP_RTO_MAX).
  sock.armRtx(Math.min(c.rtoInit * 2 ** sock.retransmits, c.rtoMax) as Nanos);
}

/** tcp_orphan_retries(): 0 means 8 while the peer seems alive (rto below TCP_RTO_MAX). */
function orphanRetries(sock: TcpSocket): number {
  const c = sock.env.config;
  const alive = sock.rto < c.rtoMax;
  if (c.orphanRetries === 0 && alive) return 8;
  if (sock.softError !== undefined && !alive) return 0;
  return c.orphanRetries;
}

function dataTimeout(sock: TcpSocket): void {
  const c = sock.env.config;
  if (sock.sndUna === sock.sndNxt) return;
  const now = sock.env.sched.now;
  // why: tcp_write_timeout: after the first retransmission, give up once the
  // time since the first retransmitted segment was sent reaches what
  // tcp_retries2 (or the orphan limit) doublings of TCP_RTO_MIN would take.
  const retryUntil = sock.orphan ? orphanRetries(sock) : c.retries2;
  if (sock.retransmits > 0 && now - sock.retransStamp >= modelTimeout(retryUntil, c.rtoMin, c.rtoMax)) {
    const errno: TcpErrno = sock.softError ?? "ETIMEDOUT";
    sock.finish(errno);
    return;
  }
  if (sock.retransStamp === 0) sock.retransStamp = sock.queue.oldestSentAt() ?? now;
  // why: tcp_enter_loss without SACK marks everything outstanding lost,
  // cwnd = 1 and ssthresh = half the flight; recovery resends from snd_una.
  const flight = Math.ceil(seqDiff(sock.sndNxt, sock.sndUna) / sock.mssCache);
  sock.ssthresh = Math.max(Math.floor(flight / 2), 2);
  sock.cwnd = 1;
  sock.cwndCount = 0;
  sock.dupAcks = 0;
  sock.recoverPoint = sock.sndNxt;
  sock.rexmitNext = sock.sndUna;
  sock.pump();
  sock.backoff++;
  sock.retransmits++;
  sock.rto = Math.min(sock.rto * 2, c.rtoMax) as Nanos;
  sock.armRtx(sock.rto);
}
