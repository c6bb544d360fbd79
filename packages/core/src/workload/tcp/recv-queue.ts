import type { TcpMessage } from "./segment.ts";
import { seqAdd, seqDiff, seqLe, seqLt, seqMax } from "./seq.ts";

/** A segment received ahead of a hole (the kernel's out_of_order_queue). */
interface Held {
  seq: number;
  /** Past the data; the FIN, if any, sits at `end`. */
  end: number;
  fin: boolean;
  messages: readonly TcpMessage[];
}

/** What one in-order advance produced. */
export interface Advance {
  /** Messages completed, in stream order. */
  messages: TcpMessage[];
  /** The peer's FIN was reached. */
  fin: boolean;
  /** Held segments were merged: a hole was filled. */
  filledHole: boolean;
}

/**
 * The receive side's reassembly: `rcvNxt` and the segments held beyond a
 * hole. A message is complete, and handed to the application, once
 * `rcvNxt` passes its last byte, in stream order, exactly once.
 */
export class RecvQueue {
  private readonly held: Held[] = [];

  constructor(public rcvNxt: number) {}

  /** Segments held out of order. */
  get holdCount(): number {
    return this.held.length;
  }

  /** Holds a segment that starts beyond rcvNxt (kept sorted by seq; duplicates ignored). */
  hold(seq: number, dataBytes: number, fin: boolean, messages: readonly TcpMessage[]): void {
    const end = seqAdd(seq, dataBytes);
    if (this.held.some((h) => h.seq === seq && h.end === end)) return;
    const at = this.held.findIndex((h) => seqLt(seq, h.seq));
    const entry = { seq, end, fin, messages };
    if (at < 0) this.held.push(entry);
    else this.held.splice(at, 0, entry);
  }

  /**
   * Accepts a segment that starts at or before rcvNxt and reaches past it,
   * then merges any held segments now contiguous.
   */
  accept(seq: number, dataBytes: number, fin: boolean, messages: readonly TcpMessage[]): Advance {
    const from = this.rcvNxt;
    const out: TcpMessage[] = [];
    let reachedFin = this.take(seqAdd(seq, dataBytes), fin, messages, out);
    let filledHole = false;
    while (!reachedFin && this.held.length > 0 && seqLe((this.held[0] as Held).seq, this.rcvNxt)) {
      const h = this.held.shift() as Held;
      filledHole = true;
      if (seqLt(this.rcvNxt, h.end) || (h.fin && h.end === this.rcvNxt)) {
        reachedFin = this.take(h.end, h.fin, h.messages, out);
      }
    }
    if (reachedFin) this.held.length = 0;
    out.sort((a, b) => seqDiff(a.end, from) - seqDiff(b.end, from));
    return { messages: out, fin: reachedFin, filledHole };
  }

  private take(end: number, fin: boolean, messages: readonly TcpMessage[], out: TcpMessage[]): boolean {
    const before = this.rcvNxt;
    this.rcvNxt = seqMax(this.rcvNxt, end);
    for (const m of messages) if (seqLt(before, m.end) && seqLe(m.end, this.rcvNxt)) out.push(m);
    // why: the FIN occupies one sequence number after the data (RFC 793 3.3).
    if (fin && this.rcvNxt === end) {
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      return true;
    }
    return false;
  }
}
