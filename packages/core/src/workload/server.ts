import type { Nanos, Scheduler } from "../engine/index.ts";
import { type IpProto, type NetNamespace, type Packet, TCP } from "../net/index.ts";
import type { AppMessage } from "./messages.ts";

/** What a server needs to know. */
export interface ServerOptions {
  /** The Pod's name, written into responses (`namespace/name`). */
  pod: string;
  netns: NetNamespace;
  scheduler: Scheduler;
  protocol: "TCP" | "UDP";
  port: number;
  responseBytes: number;
  serviceTime: Nanos;
  /** Called once per request served. */
  onRequest?: (pod: string) => void;
}

const DATA = TCP.PSH | TCP.ACK;

/**
 * A request/response server in a Pod: it listens on its container port,
 * accepts connections (answering SYN with SYN-ACK), and answers each request
 * after `serviceTime` with one response segment.
 *
 * Simplified until the TCP model lands: each message is one segment, there is
 * no retransmission and no window; the handshake and FIN/ACK close are real
 * packets so that the dataplane and conntrack see a real flow.
 */
export class RequestServer {
  /** Requests answered. */
  served = 0;
  /** Connections in LAST_ACK, by remote `ip * 65536 + port`. */
  private readonly lastAck = new Set<number>();

  constructor(private readonly o: ServerOptions) {
    o.netns.bind(o.protocol, o.port, (pkt) => this.onListen(pkt));
  }

  /** Stops listening (new connections are then reset by the kernel). */
  close(): void {
    this.o.netns.unbind(this.o.protocol, this.o.port);
  }

  private onListen(pkt: Packet): void {
    if (this.o.protocol === "UDP") {
      this.answer(pkt, "UDP");
      return;
    }
    // A listener only accepts SYNs; anything else for an unknown connection
    // is answered with RST, as tcp_v4_rcv does for a segment with no socket.
    if ((pkt.flags & (TCP.SYN | TCP.ACK)) !== TCP.SYN) {
      if (!(pkt.flags & TCP.RST)) this.reply(pkt, TCP.RST, 0);
      return;
    }
    const { netns } = this.o;
    netns.connect("TCP", pkt.src, pkt.srcPort, (p) => this.onConnection(p), this.o.port);
    this.reply(pkt, TCP.SYN | TCP.ACK, 0);
  }

  private onConnection(pkt: Packet): void {
    const remote = pkt.src * 65536 + pkt.srcPort;
    if (pkt.flags & TCP.RST || (this.lastAck.has(remote) && pkt.flags & TCP.ACK)) {
      // A reset, or the final ACK of our FIN (LAST_ACK → CLOSED): the socket goes away.
      this.lastAck.delete(remote);
      this.o.netns.disconnect("TCP", this.o.port, pkt.src, pkt.srcPort);
      return;
    }
    if (pkt.flags & TCP.FIN) {
      // The peer closed: acknowledge and close our side at once (CLOSE_WAIT →
      // LAST_ACK), keeping the socket until our FIN is acknowledged.
      this.lastAck.add(remote);
      this.reply(pkt, TCP.FIN | TCP.ACK, 0);
      return;
    }
    if ((pkt.payload as AppMessage | undefined)?.kind === "request") this.answer(pkt, "TCP");
  }

  private answer(pkt: Packet, proto: IpProto): void {
    const request = pkt.payload as AppMessage | undefined;
    if (request?.kind !== "request") return;
    const { src, srcPort } = pkt;
    this.o.scheduler.after(
      this.o.serviceTime,
      () => {
        this.served++;
        this.o.onRequest?.(this.o.pod);
        const response: AppMessage = { kind: "response", id: request.id, bytes: this.o.responseBytes, pod: this.o.pod };
        const out = this.o.netns.packet({
          proto,
          dst: src,
          srcPort: this.o.port,
          dstPort: srcPort,
          flags: proto === "TCP" ? DATA : 0,
          length: (proto === "TCP" ? 40 : 28) + this.o.responseBytes,
          payload: response,
        });
        this.o.netns.send(out);
      },
      `server/${this.o.pod}`,
    );
  }

  private reply(to: Packet, flags: number, bytes: number): void {
    const out = this.o.netns.packet({
      proto: "TCP",
      dst: to.src,
      srcPort: this.o.port,
      dstPort: to.srcPort,
      flags,
      length: 40 + bytes,
    });
    this.o.netns.send(out);
  }
}
