import { InputError, ms, type Nanos, type Rng, type Scheduler } from "../engine/index.ts";
import {
  type Cidr,
  cidrAt,
  cidrContains,
  cidrSize,
  type FabricPort,
  formatCidr,
  formatIPv4,
  type IPv4,
  Link,
  type LinkSide,
  NetNamespace,
  type Packet,
  tryParseCidr,
  tryParseIPv4,
} from "../net/index.ts";
import { type Network, NodeTrace } from "../node/index.ts";

/** The external range when none is given: TEST-NET-3, reserved for documentation (RFC 5737). */
export const DEFAULT_EXTERNAL_CIDR = "203.0.113.0/24";

/**
 * One-way latency of an external client's path to the cluster's edge when
 * none is given: a client in the same region, a few ms away.
 */
export const DEFAULT_EXTERNAL_LATENCY: Nanos = ms(10);

/** How to build the external network. */
export interface ExternalNetworkOptions {
  /** The cluster network it joins: its fabric, packet ids and tracer. */
  network: Pick<Network, "fabric" | "ids" | "tracer">;
  scheduler: Scheduler;
  rng: Rng;
  /** Its name on the fabric and in traces (the node column); default `internet`. */
  name?: string;
  /** The external address range; default {@link DEFAULT_EXTERNAL_CIDR}. */
  cidr?: string;
  /** One-way latency of each host's path to the cluster's edge; default {@link DEFAULT_EXTERNAL_LATENCY}. */
  latency?: Nanos;
  /** Loss probability of each host's path; default 0. */
  loss?: number;
}

/** An external host to add. */
export interface ExternalHostSpec {
  /** Unique among the network's hosts; names its namespace and its trace lines. */
  name: string;
  /** Its address, inside the range; the next free one when absent. */
  ip?: string;
  /** This host's one-way latency and loss, instead of the network's. */
  latency?: Nanos;
  loss?: number;
}

/** A host outside the cluster: a namespace to run clients in, behind its own path. */
export interface ExternalHost {
  readonly name: string;
  readonly ip: IPv4;
  /** Its socket layer: give it to RequestClient, Http1Agent, LoadGenerator like a Pod's. */
  readonly netns: NetNamespace;
  /** Its path to the cluster's edge: change its latency, loss or state mid-run. */
  readonly link: Link;
}

/** A corporate NAT: many client processes whose connections leave from one public address. */
export interface CorporateNat {
  /** The NAT's public side: every process's packets carry its address. */
  readonly host: ExternalHost;
  /** One entry per client process, named `<name>-1` … `<name>-n`, all in the host's namespace. */
  readonly processes: readonly { readonly name: string; readonly netns: NetNamespace }[];
}

const HOST_SIDE: LinkSide = 0;
const EDGE_SIDE: LinkSide = 1;

/**
 * Clients outside the cluster. One host on the cluster's fabric, named
 * `internet`, stands for the cloud's edge: the fabric routes each external
 * host's address to it, so nodes reach an external client through their
 * default route (`default dev eth0`, the VPC router) and the fabric hands
 * the packet here. A packet to an address in the range that no host holds
 * dies in the fabric (`no-route`). Each
 * external host sits behind its own link to that edge, with the network's
 * latency and loss unless it has its own. The one-way latency from an
 * external host to a node is therefore its link's latency plus the fabric's
 * (the datacenter hop from the edge to the node).
 *
 * Simplified: the edge forwards without TTL decrement or queueing, and does
 * no source-address validation; hosts reach each other through the edge.
 */
export class ExternalNetwork {
  readonly name: string;
  readonly cidr: Cidr;
  /** The edge's own address on the fabric: the range's last usable address. */
  readonly edgeIp: IPv4;
  private latencyNs: Nanos;
  private lossP: number;
  private readonly port: FabricPort;
  private readonly trace: NodeTrace;
  private readonly byName = new Map<string, ExternalHost>();
  private readonly byIp = new Map<IPv4, ExternalHost>();
  private nextIndex = 1;

  constructor(private readonly o: ExternalNetworkOptions) {
    this.name = o.name ?? "internet";
    const cidrText = o.cidr ?? DEFAULT_EXTERNAL_CIDR;
    const cidr = tryParseCidr(cidrText);
    if (cidr === undefined || cidr.bits > 30) {
      throw new InputError([
        `external network "${this.name}": cidr: expected an IPv4 CIDR of /30 or wider such as ${DEFAULT_EXTERNAL_CIDR}, got "${cidrText}"`,
      ]);
    }
    this.cidr = cidr;
    this.edgeIp = cidrAt(cidr, cidrSize(cidr) - 2);
    this.latencyNs = o.latency ?? DEFAULT_EXTERNAL_LATENCY;
    this.lossP = o.loss ?? 0;
    this.trace = new NodeTrace(o.network.tracer, o.scheduler, this.name);
    try {
      this.port = o.network.fabric.attach(this.name, this.edgeIp, undefined, (pkt) => this.fromFabric(pkt));
    } catch (err) {
      throw new InputError([`external network "${this.name}": ${(err as Error).message}`]);
    }
  }

  /** The network's default one-way latency. */
  get latency(): Nanos {
    return this.latencyNs;
  }

  /** Changes the latency of every host's path that has no latency of its own, and of hosts added later. */
  setLatency(latency: Nanos, hosts: readonly ExternalHost[] = this.hosts()): void {
    this.latencyNs = latency;
    for (const h of hosts) h.link.setLatency(latency);
  }

  /** Changes the loss of every host's path, and of hosts added later. */
  setLoss(loss: number, hosts: readonly ExternalHost[] = this.hosts()): void {
    this.lossP = loss;
    for (const h of hosts) h.link.setLoss(loss);
  }

  /** Every host, in the order added. */
  hosts(): ExternalHost[] {
    return [...this.byName.values()];
  }

  /** The host with this name, if any. */
  host(name: string): ExternalHost | undefined {
    return this.byName.get(name);
  }

  /** Adds a host; throws InputError on a taken name or address, or one outside the range. */
  addHost(spec: ExternalHostSpec): ExternalHost {
    const where = `external network "${this.name}": host "${spec.name}"`;
    if (this.byName.has(spec.name)) throw new InputError([`${where}: the name is already taken`]);
    const ip = spec.ip === undefined ? this.nextFree(where) : this.checkIp(spec.ip, where);
    const { scheduler: sched, rng, network } = this.o;
    const trace = this.trace;
    const link = new Link(
      `${this.name}/${spec.name}`,
      sched,
      rng,
      { latency: spec.latency ?? this.latencyNs, loss: spec.loss ?? this.lossP },
      (pkt, reason, _side, l) => trace.drop(pkt, reason, l.name),
    );
    const netns = new NetNamespace({
      name: `${this.name}/${spec.name}`,
      ips: [ip],
      sched,
      rng,
      ids: network.ids,
      egress: (pkt) => link.send(HOST_SIDE, pkt),
      observer: {
        sent: (pkt) => trace.send(pkt, spec.name),
        received: (pkt) => trace.recv(pkt, spec.name),
        dropped: (pkt, reason) => trace.drop(pkt, reason, spec.name),
      },
    });
    link.connect(HOST_SIDE, (pkt) => netns.deliver(pkt));
    link.connect(EDGE_SIDE, (pkt) => this.toward(pkt));
    network.fabric.addAddress(this.name, ip);
    const host: ExternalHost = { name: spec.name, ip, netns, link };
    this.byName.set(spec.name, host);
    this.byIp.set(ip, host);
    return host;
  }

  /**
   * A corporate NAT: `processes` client processes sharing one public
   * address, so the cluster sees one source IP with many source ports.
   * Simplified: the NAT device itself is not modelled; its processes share
   * the public namespace's ephemeral ports, which is what its port
   * allocation looks like from outside (one address, distinct ports).
   */
  corporateNat(spec: ExternalHostSpec & { processes: number }): CorporateNat {
    if (!Number.isSafeInteger(spec.processes) || spec.processes < 1) {
      throw new InputError([
        `external network "${this.name}": NAT "${spec.name}": processes: expected an integer ≥ 1, got ${spec.processes}`,
      ]);
    }
    const { processes, ...hostSpec } = spec;
    const host = this.addHost(hostSpec);
    const list = Array.from({ length: processes }, (_, i) => ({ name: `${spec.name}-${i + 1}`, netns: host.netns }));
    return { host, processes: list };
  }

  /** A packet from the fabric for an external address: down that host's path. */
  private fromFabric(pkt: Packet): void {
    const host = this.byIp.get(pkt.dst);
    if (host === undefined) {
      this.trace.drop(pkt, "no-route", this.name);
      return;
    }
    host.link.send(EDGE_SIDE, pkt);
  }

  /** A packet from an external host reaches the edge: to another external host, or into the fabric. */
  private toward(pkt: Packet): void {
    const other = this.byIp.get(pkt.dst);
    if (other !== undefined) other.link.send(EDGE_SIDE, pkt);
    else this.port.transmit(pkt.dst, pkt);
  }

  private checkIp(text: string, where: string): IPv4 {
    const ip = tryParseIPv4(text);
    if (ip === undefined) throw new InputError([`${where}: ip: expected an IPv4 address, got "${text}"`]);
    const range = formatCidr(this.cidr);
    if (!cidrContains(this.cidr, ip) || ip === this.cidr.base || ip === this.edgeIp || ip === this.broadcast()) {
      throw new InputError([
        `${where}: ip: expected a host address in ${range} other than the edge's ${formatIPv4(this.edgeIp)}, got "${text}"`,
      ]);
    }
    if (this.byIp.has(ip)) throw new InputError([`${where}: ip ${text} is already another host's`]);
    return ip;
  }

  private nextFree(where: string): IPv4 {
    const last = cidrSize(this.cidr) - 3;
    while (this.nextIndex <= last) {
      const ip = cidrAt(this.cidr, this.nextIndex++);
      if (!this.byIp.has(ip)) return ip;
    }
    throw new InputError([`${where}: no free address left in ${formatCidr(this.cidr)}`]);
  }

  private broadcast(): IPv4 {
    return cidrAt(this.cidr, cidrSize(this.cidr) - 1);
  }
}
