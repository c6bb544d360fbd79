import { formatEndpoint, type IPv4, type NetNamespace, type Packet } from "../net/index.ts";
import { icmpErrno, type TcpErrno } from "./tcp/index.ts";

/** IPv4 (20) + UDP (8) header bytes. */
const UDP_IP_HEADER = 28;

/** Where a datagram came from. */
export interface UdpPeer {
  readonly ip: IPv4;
  readonly port: number;
}

/** What a UDP socket tells its application. */
export interface UdpHandlers {
  /** A datagram arrived: its payload, data bytes and sender. */
  message?(message: unknown, bytes: number, from: UdpPeer, sock: UdpSocket): void;
  /** An ICMP error for a connected socket (ECONNREFUSED for port unreachable). */
  error?(errno: TcpErrno, sock: UdpSocket): void;
}

/**
 * A UDP socket in a namespace: either bound to a port (a server, sendto()
 * replies) or connected to one peer. A connected socket keeps its source
 * port for its whole life (statsd-like senders, stub resolvers retrying on
 * the same socket), and is the only kind told about ICMP errors: Linux's
 * __udp4_lib_err reports hard errors to connected sockets and drops them for
 * unconnected ones unless IP_RECVERR is set. Datagrams larger than the MTU
 * travel as one packet (IP fragmentation is not modelled).
 */
export class UdpSocket {
  handlers: UdpHandlers = {};
  private bound: number | undefined;
  private peer: UdpPeer | undefined;
  private local: number | undefined;

  constructor(private readonly netns: NetNamespace) {}

  /** The local port, once bound or connected. */
  get port(): number | undefined {
    return this.bound ?? this.local;
  }

  /** `ip:port` of this end, once it has a port. */
  get localAddress(): string | undefined {
    const port = this.port;
    return port === undefined ? undefined : formatEndpoint(this.netns.ip, port);
  }

  /** bind(): receives every datagram for `port` (0: an ephemeral port). Throws on EADDRINUSE. */
  bind(port: number): number {
    this.bound = this.netns.bind("UDP", port, (pkt) => this.onPacket(pkt));
    return this.bound;
  }

  /** connect(): fixes the peer and picks a source port. False when none is free (EADDRNOTAVAIL). */
  connect(ip: IPv4, port: number): boolean {
    const local = this.netns.connect("UDP", ip, port, (pkt) => this.onPacket(pkt));
    if (local === undefined) return false;
    this.local = local;
    this.peer = { ip, port };
    return true;
  }

  /** send() on a connected socket. */
  send(bytes: number, message: unknown): void {
    if (this.peer === undefined || this.local === undefined) throw new Error("send() on an unconnected UDP socket");
    this.emit(this.local, this.peer, bytes, message);
  }

  /** sendto() from a bound socket; `src` is the address to answer from (the one the request reached). */
  sendTo(to: UdpPeer, bytes: number, message: unknown, src?: IPv4): void {
    if (this.bound === undefined) throw new Error("sendto() on an unbound UDP socket");
    this.emit(this.bound, to, bytes, message, src);
  }

  /** close(): frees the port. */
  close(): void {
    if (this.bound !== undefined) this.netns.unbind("UDP", this.bound);
    if (this.peer !== undefined && this.local !== undefined) {
      this.netns.disconnect("UDP", this.local, this.peer.ip, this.peer.port);
    }
    this.bound = undefined;
    this.peer = undefined;
    this.local = undefined;
    this.handlers = {};
  }

  private emit(srcPort: number, to: UdpPeer, bytes: number, message: unknown, src?: IPv4): void {
    const pkt = this.netns.packet({
      proto: "UDP",
      src,
      dst: to.ip,
      srcPort,
      dstPort: to.port,
      length: UDP_IP_HEADER + bytes,
      payload: message,
    });
    this.netns.send(pkt);
  }

  private onPacket(pkt: Packet): void {
    if (pkt.proto === "ICMP") {
      const errno = icmpErrno(pkt);
      if (errno !== undefined) this.handlers.error?.(errno, this);
      return;
    }
    if (pkt.proto !== "UDP") return;
    this.handlers.message?.(pkt.payload, pkt.length - UDP_IP_HEADER, { ip: pkt.src, port: pkt.srcPort }, this);
  }
}
