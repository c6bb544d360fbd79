import { seqAdd, seqDiff, seqLt } from "./seq.ts";
import type { TcpSocket } from "./socket.ts";

/**
 * Sends what the windows allow (tcp_write_xmit): during loss recovery the
 * retransmissions from `rexmitNext` first, then new data cut by the MSS,
 * then the FIN. The flight is capped by min(cwnd · MSS, the peer's window).
 */
export function writeXmit(sock: TcpSocket): void {
  for (;;) {
    const sent = sock.rexmitNext !== undefined ? retransmitNext(sock) : sendNew(sock);
    if (!sent) return;
  }
}

function windowRoom(sock: TcpSocket, inFlight: number): number {
  return Math.min(sock.cwnd * sock.mssCache, sock.sndWnd) - inFlight;
}

function sendNew(sock: TcpSocket): boolean {
  const left = seqDiff(sock.queue.writeSeq, sock.sndNxt);
  if (left > 0) {
    const len = Math.min(sock.mssCache, left, windowRoom(sock, seqDiff(sock.sndNxt, sock.sndUna)));
    if (len <= 0) return false;
    // why: Nagle with Minshall's tweak (tcp_nagle_check): a partial segment
    // waits while an earlier partial segment is unacknowledged.
    if (len < sock.mssCache && len === left && !sock.noDelay && seqLt(sock.sndUna, sock.sndSml)) return false;
    // why: tcp_send_fin sets FIN on the last queued segment when it is not sent yet.
    const fin = sock.orphan && len === left;
    sock.transmit(sock.sndNxt, len, fin, false);
    return true;
  }
  if (sock.orphan && sock.finSeq === undefined && left === 0) {
    sock.transmit(sock.sndNxt, 0, true, false);
    return true;
  }
  return false;
}

function retransmitNext(sock: TcpSocket): boolean {
  const at = sock.rexmitNext as number;
  if (!seqLt(at, sock.sndNxt)) {
    sock.rexmitNext = undefined;
    return sendNew(sock);
  }
  if (windowRoom(sock, seqDiff(at, sock.sndUna)) <= 0) return false;
  // Data goes up to what was sent: the FIN's place once sent, else snd_nxt.
  const dataEnd = sock.finSeq ?? sock.sndNxt;
  const len = Math.max(0, Math.min(sock.mssCache, seqDiff(dataEnd, at)));
  const fin = sock.finSeq !== undefined && seqAdd(at, len) === sock.finSeq;
  sock.transmit(at, len, fin, true);
  sock.retransmissions++;
  sock.rexmitNext = seqAdd(at, len + (fin ? 1 : 0));
  return true;
}
