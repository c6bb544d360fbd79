import type { Nanos } from "../../engine/index.ts";
import { seqLt } from "./seq.ts";

const NS_PER_MS = 1_000_000;

/**
 * The retransmission timeout of one connection, computed as Linux does
 * (tcp_rtt_estimator and tcp_set_rto, net/ipv4/tcp_input.c): RFC 6298's
 * SRTT/RTTVAR with gains 1/8 and 1/4, except that the variance term never
 * drops below TCP_RTO_MIN (rttvar starts at max(2·rtt, rto_min) and decays
 * toward the largest deviation seen in the last window, mdev_max, which is
 * reset to rto_min each round trip). RTO = srtt + rttvar, at most TCP_RTO_MAX.
 * Times are nanoseconds where the kernel keeps microseconds; the RTO is
 * rounded up to whole milliseconds, a jiffy at HZ=1000 (usecs_to_jiffies).
 */
export class RttEstimator {
  /** Smoothed RTT × 8 (srtt_us), 0 before the first sample. */
  private srtt8 = 0;
  /** Mean deviation × 4 (mdev_us). */
  private mdev4 = 0;
  private mdevMax = 0;
  private rttvar = 0;
  private rttSeq = 0;
  private current: Nanos;

  constructor(
    private readonly rtoMin: Nanos,
    private readonly rtoMax: Nanos,
    rtoInit: Nanos,
  ) {
    this.current = rtoInit;
  }

  /** The RTO without backoff (icsk_rto after tcp_set_rto). */
  get rto(): Nanos {
    return this.current;
  }

  /** The smoothed RTT, or undefined before the first sample. */
  get srtt(): number | undefined {
    return this.srtt8 === 0 ? undefined : this.srtt8 / 8;
  }

  /**
   * Feeds one RTT measurement `m` (ns) taken when the ACK moved snd_una to
   * `sndUna` while `sndNxt` was the next sequence to send.
   */
  sample(m: number, sndUna: number, sndNxt: number): void {
    const rtt = Math.max(1, Math.round(m));
    if (this.srtt8 !== 0) {
      let err = rtt - Math.floor(this.srtt8 / 8);
      this.srtt8 += err;
      if (err < 0) {
        err = -err - Math.floor(this.mdev4 / 4);
        // why: a falling RTT moves mdev with an extra 1/8 gain (the kernel's
        // "finer gain" against Eifel-style RTO collapse).
        if (err > 0) err = Math.floor(err / 8);
      } else {
        err -= Math.floor(this.mdev4 / 4);
      }
      this.mdev4 += err;
      if (this.mdev4 > this.mdevMax) {
        this.mdevMax = this.mdev4;
        if (this.mdevMax > this.rttvar) this.rttvar = this.mdevMax;
      }
      // why: once per window of data (snd_una past rtt_seq) rttvar decays a
      // quarter of the way toward the window's largest deviation.
      if (seqLt(this.rttSeq, sndUna)) {
        if (this.mdevMax < this.rttvar) this.rttvar -= Math.floor((this.rttvar - this.mdevMax) / 4);
        this.rttSeq = sndNxt;
        this.mdevMax = this.rtoMin;
      }
    } else {
      this.srtt8 = rtt * 8;
      this.mdev4 = rtt * 2;
      this.rttvar = Math.max(this.mdev4, this.rtoMin);
      this.mdevMax = this.rttvar;
      this.rttSeq = sndNxt;
    }
    this.srtt8 = Math.max(1, this.srtt8);
    const rto = Math.ceil((this.srtt8 / 8 + this.rttvar) / NS_PER_MS) * NS_PER_MS;
    this.current = Math.min(rto, this.rtoMax) as Nanos;
  }
}

/**
 * How long after the first retransmitted segment was sent a connection gives
 * up after `boundary` retransmissions (tcp_model_timeout, net/ipv4/tcp_timer.c):
 * the time `boundary` doublings from `rtoBase` would take, with each step
 * capped at TCP_RTO_MAX. tcp_retries2 = 15 with TCP_RTO_MIN gives 924.6 s.
 */
export function modelTimeout(boundary: number, rtoBase: Nanos, rtoMax: Nanos): Nanos {
  const thresh = Math.floor(Math.log2(rtoMax / rtoBase));
  if (boundary <= thresh) return ((2 ** (boundary + 1) - 1) * rtoBase) as Nanos;
  return ((2 ** (thresh + 1) - 1) * rtoBase + (boundary - thresh) * rtoMax) as Nanos;
}
