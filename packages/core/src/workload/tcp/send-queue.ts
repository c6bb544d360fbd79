import type { TcpMessage } from "./segment.ts";
import { seqAdd, seqDiff, seqLe, seqLt } from "./seq.ts";

/** One transmitted stretch of sequence space, for RTT measurement. */
interface Sent {
  seq: number;
  end: number;
  /** When it was first sent. */
  firstSentAt: number;
  /** Sent more than once. */
  retransmitted: boolean;
}

/** What an ACK freed, for the RTT estimator (tcp_clean_rtx_queue). */
export interface Acked {
  /** Send time of the earliest newly acknowledged segment, when none of them was retransmitted. */
  firstSentAt: number | undefined;
  /** Some newly acknowledged data had been retransmitted (FLAG_RETRANS_DATA_ACKED). */
  retransmittedAcked: boolean;
}

/**
 * The send side's bytes: application messages written and not yet
 * acknowledged, and the record of transmissions (the kernel's write and
 * retransmit queues, reduced to what the model needs: message boundaries
 * and send times).
 */
export class SendQueue {
  /** The sequence number after the last byte written (write_seq). */
  writeSeq: number;
  private readonly messages: TcpMessage[] = [];
  private readonly sent: Sent[] = [];

  constructor(firstDataSeq: number) {
    this.writeSeq = firstDataSeq;
  }

  /** Appends a message of `bytes` bytes; returns its end sequence number. */
  write(bytes: number, message: unknown): number {
    this.writeSeq = seqAdd(this.writeSeq, bytes);
    this.messages.push({ end: this.writeSeq, bytes, message });
    return this.writeSeq;
  }

  /** The messages whose last byte lies in [seq, end). */
  endingIn(seq: number, end: number): TcpMessage[] {
    const out: TcpMessage[] = [];
    for (const m of this.messages) {
      if (seqLt(seq, m.end) && seqLe(m.end, end)) out.push(m);
    }
    return out;
  }

  /** Notes a transmission of [seq, end) at `now`; a stretch sent before counts as retransmitted. */
  transmitted(seq: number, end: number, now: number, retransmission: boolean): void {
    if (!retransmission) {
      this.sent.push({ seq, end, firstSentAt: now, retransmitted: false });
      return;
    }
    for (const s of this.sent) if (seqLt(s.seq, end) && seqLt(seq, s.end)) s.retransmitted = true;
  }

  /** Send time of the oldest unacknowledged stretch (for retrans_stamp). */
  oldestSentAt(): number | undefined {
    return this.sent[0]?.firstSentAt;
  }

  /** Drops everything below `ack`; says what was freed. */
  acknowledge(ack: number): Acked {
    let firstSentAt: number | undefined;
    let retransmittedAcked = false;
    let n = 0;
    while (n < this.sent.length && seqLe((this.sent[n] as Sent).end, ack)) {
      const s = this.sent[n] as Sent;
      if (s.retransmitted) retransmittedAcked = true;
      if (firstSentAt === undefined) firstSentAt = s.firstSentAt;
      n++;
    }
    // A partly acknowledged stretch: its acknowledged part is freed, the rest stays.
    const head = this.sent[n];
    if (head !== undefined && seqLt(head.seq, ack)) {
      if (head.retransmitted) retransmittedAcked = true;
      firstSentAt ??= head.firstSentAt;
      head.seq = ack;
    }
    this.sent.splice(0, n);
    let m = 0;
    while (m < this.messages.length && seqLe((this.messages[m] as TcpMessage).end, ack)) m++;
    this.messages.splice(0, m);
    return { firstSentAt: retransmittedAcked ? undefined : firstSentAt, retransmittedAcked };
  }

  /** Bytes written and not yet acknowledged past `una`. */
  pending(una: number): number {
    return Math.max(0, seqDiff(this.writeSeq, una));
  }
}
