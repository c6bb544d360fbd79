import type { Nanos, Rng, Scheduler } from "../engine/index.ts";
import type { IPv4 } from "./ip.ts";
import { makePacket, type PacketInit } from "./make-packet.ts";
import type { IpProto, Packet, PacketIds } from "./packet.ts";
import { EphemeralPorts } from "./ports.ts";
import { ICMP, icmpErrorFor, isIcmpError, tcpResetFor } from "./replies.ts";

/** Receives a packet delivered to a socket, at simulated time `now`. */
export type PacketHandler = (pkt: Packet, now: Nanos) => void;

/** Told what a namespace's socket layer does, so the node above can trace it. */
export interface NetnsObserver {
  /** A packet left this namespace's stack. */
  sent(pkt: Packet): void;
  /** A packet reached a socket. */
  received(pkt: Packet): void;
  /** A packet found no socket (the kernel's SKB_DROP_REASON_NO_SOCKET). */
  dropped(pkt: Packet, reason: "no-socket"): void;
}

/** How to build a namespace. */
export interface NetnsOptions {
  /** A stable name: the Pod's name, or `host/<node>`. Names the port stream. */
  name: string;
  /** Its addresses; the first is the primary (the default source). */
  ips: readonly IPv4[];
  sched: Scheduler;
  rng: Rng;
  ids: PacketIds;
  /** Where sent packets go: the Pod's veth, or the node's OUTPUT path. */
  egress: (pkt: Packet) => void;
  observer?: NetnsObserver;
  /** net.ipv4.ip_local_port_range; Linux's default when absent. */
  portRange?: { low: number; high: number };
}

const PROTO_INDEX: Record<IpProto, number> = { TCP: 0, UDP: 1, SCTP: 2, ICMP: 3 };
const portKey = (proto: IpProto, port: number): number => PROTO_INDEX[proto] * 65536 + port;
// ip * 2^16 + port < 2^48: exact as a number, so no string keys on the per-packet path.
const remoteKey = (ip: IPv4, port: number): number => ip * 65536 + port;

/**
 * The socket layer of one network namespace (a Pod's, or a node's host
 * namespace): listening sockets by (proto, port), connected sockets by the
 * full 4-tuple, ephemeral ports, and the kernel's answers for a port nobody
 * owns. Demux follows the kernel: an established (connected) socket matching
 * the whole tuple first, then a listener on the port (__inet_lookup: established
 * before listener; UDP prefers the best-scoring, i.e. connected, socket).
 */
export class NetNamespace {
  readonly name: string;
  /** The primary address. */
  readonly ip: IPv4;
  readonly ips: readonly IPv4[];
  private readonly sched: Scheduler;
  private readonly ids: PacketIds;
  private readonly egress: (pkt: Packet) => void;
  private readonly observer: NetnsObserver | undefined;
  private readonly listeners = new Map<number, PacketHandler>();
  private readonly connected = new Map<number, Map<number, PacketHandler>>();
  private readonly ports: Partial<Record<IpProto, EphemeralPorts>> = {};
  private readonly options: NetnsOptions;

  constructor(options: NetnsOptions) {
    if (options.ips.length === 0) throw new RangeError(`namespace ${options.name} needs at least one address`);
    this.options = options;
    this.name = options.name;
    this.ip = options.ips[0] as IPv4;
    this.ips = options.ips;
    this.sched = options.sched;
    this.ids = options.ids;
    this.egress = options.egress;
    this.observer = options.observer;
  }

  /** A new packet from this namespace (source defaults to the primary address). */
  packet(init: Omit<PacketInit, "src"> & { src?: IPv4 }): Packet {
    return makePacket(this.ids.take(), init as PacketInit, init.src ?? this.ip);
  }

  /** Sends a packet out of this namespace. */
  send(pkt: Packet): void {
    this.observer?.sent(pkt);
    this.egress(pkt);
  }

  /**
   * Listens on (proto, port). Port 0 picks a free ephemeral port (bind(0)).
   * Returns the port. Throws if the port already has a listener (EADDRINUSE).
   */
  bind(proto: IpProto, port: number, handler: PacketHandler): number {
    const chosen = port === 0 ? this.allocate(proto, (p) => this.listeners.has(portKey(proto, p))) : port;
    if (chosen === undefined) throw new RangeError(`${this.name}: no free ephemeral ${proto} port`);
    const key = portKey(proto, chosen);
    if (this.listeners.has(key)) throw new RangeError(`${this.name}: ${proto} port ${chosen} is already bound`);
    this.listeners.set(key, handler);
    return chosen;
  }

  /** Stops listening on (proto, port). */
  unbind(proto: IpProto, port: number): void {
    this.listeners.delete(portKey(proto, port));
  }

  /** True when a listener owns (proto, port). */
  isBound(proto: IpProto, port: number): boolean {
    return this.listeners.has(portKey(proto, port));
  }

  /**
   * Registers a connected socket for (proto, localPort, remote): a client's
   * `connect()` or a server's accepted connection. Without `localPort` an
   * ephemeral port is chosen that is free for this remote (the kernel lets
   * connects share a port when the 4-tuples differ, check_established).
   * Returns the local port, or undefined when none is free (EADDRNOTAVAIL).
   */
  connect(
    proto: IpProto,
    remoteIp: IPv4,
    remotePort: number,
    handler: PacketHandler,
    localPort?: number,
  ): number | undefined {
    const remote = remoteKey(remoteIp, remotePort);
    const port =
      localPort ??
      this.allocate(
        proto,
        (p) => this.listeners.has(portKey(proto, p)) || this.connected.get(portKey(proto, p))?.has(remote) === true,
      );
    if (port === undefined) return undefined;
    const key = portKey(proto, port);
    let conns = this.connected.get(key);
    if (!conns) {
      conns = new Map();
      this.connected.set(key, conns);
    }
    conns.set(remote, handler);
    return port;
  }

  /** Removes a connected socket; its port is free again for this remote. */
  disconnect(proto: IpProto, localPort: number, remoteIp: IPv4, remotePort: number): void {
    const key = portKey(proto, localPort);
    const conns = this.connected.get(key);
    if (!conns) return;
    conns.delete(remoteKey(remoteIp, remotePort));
    if (conns.size === 0) this.connected.delete(key);
  }

  /** Hands an arriving packet to its socket, or answers as Linux does when there is none. */
  deliver(pkt: Packet): void {
    const now = this.sched.now;
    if (pkt.proto === "ICMP") {
      this.deliverIcmp(pkt, now);
      return;
    }
    const key = portKey(pkt.proto, pkt.dstPort);
    const handler = this.connected.get(key)?.get(remoteKey(pkt.src, pkt.srcPort)) ?? this.listeners.get(key);
    if (handler !== undefined) {
      this.observer?.received(pkt);
      handler(pkt, now);
      return;
    }
    this.observer?.dropped(pkt, "no-socket");
    this.answerClosedPort(pkt);
  }

  private answerClosedPort(pkt: Packet): void {
    let reply: Packet | undefined;
    // why: tcp_v4_rcv's no_tcp_socket path answers with tcp_v4_send_reset
    // (never to a RST); __udp4_lib_rcv answers icmp_send(ICMP_DEST_UNREACH,
    // ICMP_PORT_UNREACH) from the address the datagram was sent to.
    if (pkt.proto === "TCP") reply = tcpResetFor(this.ids, pkt);
    else if (pkt.proto === "UDP") reply = icmpErrorFor(this.ids, pkt, ICMP.DEST_UNREACH, ICMP.PORT_UNREACH, pkt.dst);
    if (reply !== undefined) this.send(reply);
  }

  private deliverIcmp(pkt: Packet, now: Nanos): void {
    const quoted = pkt.icmp?.quoted;
    // why: icmp_unreach hands an error to the socket that sent the quoted
    // packet (__udp4_lib_err / tcp_v4_err look it up by the quoted header);
    // unconnected UDP sockets ignore it unless IP_RECVERR, so only connected
    // sockets are told.
    if (quoted !== undefined && isIcmpError(pkt)) {
      const handler = this.connected
        .get(portKey(quoted.proto, quoted.srcPort))
        ?.get(remoteKey(quoted.dst, quoted.dstPort));
      if (handler !== undefined) {
        this.observer?.received(pkt);
        handler(pkt, now);
        return;
      }
      this.observer?.dropped(pkt, "no-socket");
      return;
    }
    // why: icmp_echo answers an echo request from the kernel itself.
    if (pkt.icmp?.type === ICMP.ECHO_REQUEST) {
      this.observer?.received(pkt);
      const reply = makePacket(this.ids.take(), {
        proto: "ICMP",
        src: pkt.dst,
        dst: pkt.src,
        length: pkt.length,
        icmp: { type: ICMP.ECHO_REPLY, code: 0 },
        payload: pkt.payload,
      });
      this.send(reply);
      return;
    }
    const handler = this.listeners.get(portKey("ICMP", 0));
    if (handler !== undefined) {
      this.observer?.received(pkt);
      handler(pkt, now);
      return;
    }
    this.observer?.dropped(pkt, "no-socket");
  }

  private allocate(proto: IpProto, inUse: (port: number) => boolean): number | undefined {
    let ports = this.ports[proto];
    if (!ports) {
      ports = new EphemeralPorts(this.options.rng.stream(`netns/${this.name}/ports/${proto}`), this.options.portRange);
      this.ports[proto] = ports;
    }
    return ports.next(inUse);
  }
}
