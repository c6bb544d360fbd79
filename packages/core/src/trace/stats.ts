import type { DropReason } from "./events.ts";

/** Packets one endpoint (a Pod, a host, a client) sent and received. */
export interface EndpointPackets {
  sent: number;
  received: number;
  /** IP bytes (headers included) of the packets sent and received. */
  bytesSent: number;
  bytesReceived: number;
}

/**
 * Packet counters kept at every trace level, `off` included: they cost an
 * integer increment, and the run summary and expectations need them even
 * when no event is recorded.
 */
export class PacketStats {
  sent = 0;
  received = 0;
  dropped = 0;
  /** Drops by reason. */
  readonly drops = new Map<DropReason, number>();
  /** Per endpoint name (`default/web-1`, `host/node-a`). */
  readonly endpoints = new Map<string, EndpointPackets>();

  /** Counts a packet of `bytes` IP bytes sent by `from`. */
  countSent(from: string, bytes = 0): void {
    this.sent++;
    const e = this.endpoint(from);
    e.sent++;
    e.bytesSent += bytes;
  }

  /** Counts a packet of `bytes` IP bytes received by `at`. */
  countReceived(at: string, bytes = 0): void {
    this.received++;
    const e = this.endpoint(at);
    e.received++;
    e.bytesReceived += bytes;
  }

  /** Counts a drop. */
  countDrop(reason: DropReason): void {
    this.dropped++;
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  private endpoint(name: string): EndpointPackets {
    let e = this.endpoints.get(name);
    if (!e) {
      e = { sent: 0, received: 0, bytesSent: 0, bytesReceived: 0 };
      this.endpoints.set(name, e);
    }
    return e;
  }
}
