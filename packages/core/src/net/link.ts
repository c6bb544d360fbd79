import type { Nanos, RandomStream, Rng, Scheduler } from "../engine/index.ts";
import type { Packet } from "./packet.ts";

/** Why a link lost a packet (the trace's DropReason has the same names). */
export type LinkDropReason = "link-loss" | "link-down";

/** One end of a link: 0 or 1. A packet sent from one end arrives at the other. */
export type LinkSide = 0 | 1;

/** Receives packets at one end of a link. */
export type LinkReceiver = (pkt: Packet) => void;

/** Told about every packet a link loses, with the end it was sent from. */
export type LinkDropHandler = (pkt: Packet, reason: LinkDropReason, from: LinkSide, link: Link) => void;

/** How a link behaves. */
export interface LinkOptions {
  /** One-way propagation delay, the same in both directions. */
  latency: Nanos;
  /** Probability in [0, 1] that a packet is lost, independently per packet. */
  loss?: number;
  /** Whether the link carries traffic; true by default. */
  up?: boolean;
}

function checkLoss(loss: number): number {
  if (!(loss >= 0 && loss <= 1)) throw new RangeError(`link loss must be a probability in [0, 1], got ${loss}`);
  return loss;
}

/**
 * A full-duplex point-to-point link (a veth pair, a cable): a packet sent
 * from one end arrives at the other after `latency`, as a scheduled event.
 * Bandwidth and queueing are not modelled: every packet sees the same delay.
 *
 * Loss draws come from the link's own stream, `link/<name>/loss`, and only
 * while `loss > 0`, so a lossless link never consumes draws and a lossy one
 * loses the same packets on every run with the same seed.
 */
export class Link {
  private latencyNs: Nanos;
  private lossP: number;
  private isUp: boolean;
  private lossStream: RandomStream | undefined;
  private readonly rx: [LinkReceiver | undefined, LinkReceiver | undefined] = [undefined, undefined];

  constructor(
    readonly name: string,
    private readonly sched: Scheduler,
    private readonly rng: Rng,
    options: LinkOptions,
    private readonly onDrop: LinkDropHandler,
  ) {
    this.latencyNs = options.latency;
    this.lossP = checkLoss(options.loss ?? 0);
    this.isUp = options.up ?? true;
  }

  /** Sets the receiver at one end. */
  connect(side: LinkSide, receiver: LinkReceiver): void {
    this.rx[side] = receiver;
  }

  /** The one-way latency. */
  get latency(): Nanos {
    return this.latencyNs;
  }

  /** The loss probability. */
  get loss(): number {
    return this.lossP;
  }

  /** Whether the link carries traffic. */
  get up(): boolean {
    return this.isUp;
  }

  /** Changes the latency of packets sent from now on (packets in flight keep theirs). */
  setLatency(latency: Nanos): void {
    this.latencyNs = latency;
  }

  /** Changes the loss probability of packets sent from now on. */
  setLoss(loss: number): void {
    this.lossP = checkLoss(loss);
  }

  /** Brings the link up or down. Packets in flight when it goes down are lost on arrival. */
  setUp(up: boolean): void {
    this.isUp = up;
  }

  /** Sends a packet from `from`; it reaches the other end after the latency unless lost. */
  send(from: LinkSide, pkt: Packet): void {
    if (!this.isUp) {
      this.onDrop(pkt, "link-down", from, this);
      return;
    }
    if (this.lossP > 0) {
      this.lossStream ??= this.rng.stream(`link/${this.name}/loss`);
      if (this.lossStream.next() < this.lossP) {
        this.onDrop(pkt, "link-loss", from, this);
        return;
      }
    }
    this.sched.after(this.latencyNs, () => this.arrive(from, pkt), "link");
  }

  private arrive(from: LinkSide, pkt: Packet): void {
    // why: a cable cut or a deleted veth loses the frames still on it.
    if (!this.isUp) {
      this.onDrop(pkt, "link-down", from, this);
      return;
    }
    const receiver = this.rx[from === 0 ? 1 : 0];
    if (receiver) receiver(pkt);
    else this.onDrop(pkt, "link-down", from, this);
  }
}
