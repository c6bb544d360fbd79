import { type NetNamespace, type Packet, TCP } from "../../net/index.ts";
import { sendSegment } from "./segment.ts";
import type { TcpSocket } from "./socket.ts";

/** Creates the request socket for a SYN; undefined when the 4-tuple is taken. */
export type ChildFactory = (syn: Packet) => TcpSocket | undefined;

/**
 * A listening socket (LISTEN). A SYN creates a socket in SYN_RECV that
 * answers with SYN-ACK, retransmitted up to tcp_synack_retries; the
 * handshake's final ACK makes it ESTABLISHED and hands it to `onAccept`
 * (accept() returns). Anything else that reaches the listener is answered
 * as tcp_rcv_state_process does in LISTEN.
 *
 * Simplified: no accept-queue or SYN-backlog limits (somaxconn,
 * tcp_max_syn_backlog) and no SYN cookies.
 */
export class TcpListener {
  /** Connections accepted so far. */
  accepted = 0;
  private open = true;

  constructor(
    readonly port: number,
    private readonly onAccept: (sock: TcpSocket) => void,
    private readonly netns: NetNamespace,
    private readonly makeChild: ChildFactory,
  ) {}

  /** Stops listening: later SYNs are answered with RST by the kernel; open connections live on. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.netns.unbind("TCP", this.port);
  }

  /** @internal A segment for the listening port that matched no connection. */
  onPacket(pkt: Packet): void {
    if (pkt.proto !== "TCP") return;
    const h = pkt.tcp;
    // why: in LISTEN a RST is ignored, an ACK is answered with a RST whose
    // seq is the ACK's ack (tcp_v4_send_reset), and only a SYN starts a connection.
    if (pkt.flags & TCP.RST) return;
    if (pkt.flags & TCP.ACK) {
      sendSegment(
        { netns: this.netns, localIp: pkt.dst, localPort: pkt.dstPort, remoteIp: pkt.src, remotePort: pkt.srcPort },
        { flags: TCP.RST, seq: h?.ack ?? 0, ack: 0, window: 0 },
      );
      return;
    }
    if (!(pkt.flags & TCP.SYN)) return;
    const child = this.makeChild(pkt);
    if (child === undefined) return;
    child.startAccept(pkt, (sock) => {
      this.accepted++;
      this.onAccept(sock);
    });
  }
}
