import { type Nanos, type Rng, type Scheduler, us } from "../engine/index.ts";
import type { IPv4 } from "./ip.ts";
import { Link, type LinkDropReason, type LinkSide } from "./link.ts";
import type { Packet } from "./packet.ts";

/** One-way node-to-node latency when none is configured: a same-datacenter hop (~200 µs RTT). */
export const DEFAULT_FABRIC_LATENCY: Nanos = us(100);

/** Why the fabric lost a packet: a link's loss or state, or no host owns the next hop. */
export type FabricDropReason = LinkDropReason | "no-route";

/** Told about every packet the fabric loses: which attached host sent it, and where it died. */
export type FabricDropHandler = (pkt: Packet, reason: FabricDropReason, from: string, where: string) => void;

/** How the fabric behaves. */
export interface FabricOptions {
  /** One-way latency between two hosts in the same zone. */
  latency?: Nanos;
  /** One-way latency between hosts in different zones; `latency` when absent. */
  crossZoneLatency?: Nanos;
  /** Loss probability of every pair link, unless changed per link. */
  loss?: number;
}

interface PairLink {
  readonly link: Link;
  readonly side: LinkSide;
}

/** A host's attachment to the fabric: its `eth0`. */
export class FabricPort {
  /** Links to peers, by peer port number, created on first use. */
  readonly links = new Map<number, PairLink>();

  constructor(
    private readonly fabric: Fabric,
    readonly id: number,
    readonly name: string,
    readonly ip: IPv4,
    readonly zone: string | undefined,
    readonly receive: (pkt: Packet) => void,
  ) {}

  /** Puts a packet on the wire toward the host that owns `nextHop`. */
  transmit(nextHop: IPv4, pkt: Packet): void {
    this.fabric.transmit(this, nextHop, pkt);
  }
}

/**
 * The network between hosts (nodes, load balancers, external clients): a
 * full mesh of point-to-point links, one per pair of hosts, created when the
 * pair first talks. A mesh rather than one switch so that every pair can
 * have its own latency, loss and state (a zone-to-zone delay, one degraded
 * path, a partition between two nodes), with no queueing: the model is the
 * propagation delay of a non-blocking datacenter fabric.
 *
 * It behaves like a cloud VPC router with proxy ARP: a packet put on `eth0`
 * toward a next hop reaches the host owning that address, and a next hop
 * that nobody owns is dropped (`no-route`, where `fabric`).
 */
export class Fabric {
  private readonly byIp = new Map<IPv4, FabricPort>();
  private readonly byName = new Map<string, FabricPort>();
  private nextId = 0;
  private readonly latency: Nanos;
  private readonly crossZoneLatency: Nanos;
  private readonly loss: number;

  constructor(
    private readonly sched: Scheduler,
    private readonly rng: Rng,
    options: FabricOptions,
    private readonly onDrop: FabricDropHandler,
  ) {
    this.latency = options.latency ?? DEFAULT_FABRIC_LATENCY;
    this.crossZoneLatency = options.crossZoneLatency ?? this.latency;
    this.loss = options.loss ?? 0;
  }

  /** Attaches a host; throws if its name or address is taken. */
  attach(name: string, ip: IPv4, zone: string | undefined, receive: (pkt: Packet) => void): FabricPort {
    if (this.byName.has(name)) throw new RangeError(`fabric: a host named ${name} is already attached`);
    if (this.byIp.has(ip)) throw new RangeError(`fabric: address of ${name} is already owned by another host`);
    const port = new FabricPort(this, this.nextId++, name, ip, zone, receive);
    this.byName.set(name, port);
    this.byIp.set(ip, port);
    return port;
  }

  /** Routes an extra address to a host (a secondary IP, a VIP it answers for). */
  addAddress(name: string, ip: IPv4): void {
    const port = this.byName.get(name);
    if (!port) throw new RangeError(`fabric: no host named ${name}`);
    this.byIp.set(ip, port);
  }

  /** Stops routing an address. */
  removeAddress(ip: IPv4): void {
    this.byIp.delete(ip);
  }

  /** Detaches a host; its links go down, so packets in flight to or from it are lost. */
  detach(name: string): void {
    const port = this.byName.get(name);
    if (!port) return;
    this.byName.delete(name);
    for (const [ip, owner] of this.byIp) if (owner === port) this.byIp.delete(ip);
    for (const [peerId, pair] of port.links) {
      pair.link.setUp(false);
      for (const peer of this.byName.values()) if (peer.id === peerId) peer.links.delete(port.id);
    }
  }

  /** The link between two attached hosts (created if new), to change its latency, loss or state. */
  link(a: string, b: string): Link {
    const pa = this.byName.get(a);
    const pb = this.byName.get(b);
    if (!pa || !pb || pa === pb) throw new RangeError(`fabric: no link between ${a} and ${b}`);
    return this.pair(pa, pb).link;
  }

  /** Sends `pkt` from `from` toward the owner of `nextHop`. */
  transmit(from: FabricPort, nextHop: IPv4, pkt: Packet): void {
    const to = this.byIp.get(nextHop);
    if (to === undefined || to === from) {
      this.onDrop(pkt, "no-route", from.name, "fabric");
      return;
    }
    const pair = from.links.get(to.id) ?? this.pair(from, to);
    pair.link.send(pair.side, pkt);
  }

  private pair(from: FabricPort, to: FabricPort): PairLink {
    const existing = from.links.get(to.id);
    if (existing) return existing;
    // Names order the ends, so a link's name (and its loss stream) does not
    // depend on which host spoke first.
    const [a, b] = from.name < to.name ? [from, to] : [to, from];
    // Cross-zone only when both zones are known and differ.
    const sameZone = a.zone === undefined || b.zone === undefined || a.zone === b.zone;
    const link = new Link(
      `fabric/${a.name}/${b.name}`,
      this.sched,
      this.rng,
      { latency: sameZone ? this.latency : this.crossZoneLatency, loss: this.loss },
      (pkt, reason, side, l) => this.onDrop(pkt, reason, side === 0 ? a.name : b.name, l.name),
    );
    link.connect(0, a.receive);
    link.connect(1, b.receive);
    a.links.set(b.id, { link, side: 0 });
    b.links.set(a.id, { link, side: 1 });
    return from.links.get(to.id) as PairLink;
  }
}
