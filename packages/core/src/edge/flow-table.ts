import type { IPv4, IpProto } from "../net/index.ts";

/** One flow through the balancer: the client's side and the target's side of the same connection. */
export interface LbFlow {
  /** `namespace/name` of the Service. */
  readonly service: string;
  /** The target's key: a node name, or a Pod's IP. */
  readonly target: string;
  readonly proto: IpProto;
  readonly clientIp: IPv4;
  readonly clientPort: number;
  readonly frontendIp: IPv4;
  readonly frontendPort: number;
  /** The packet as the target sees it. */
  readonly outSrc: IPv4;
  readonly outSrcPort: number;
  readonly outDst: IPv4;
  readonly outDstPort: number;
  /** The fabric next hop toward the target (the node that owns a Pod IP). */
  readonly nextHop: IPv4;
  /** Sequence number of the client's first data byte, once seen (PROXY v2 rides on that segment). */
  firstDataSeq: number | undefined;
  clientFin: boolean;
  targetFin: boolean;
}

const key = (proto: IpProto, src: IPv4, srcPort: number, dst: IPv4, dstPort: number): string =>
  `${proto}|${src}|${srcPort}|${dst}|${dstPort}`;

/** First and last source port the balancer uses when it proxies the client's address away. */
const SNAT_LOW = 1024;
const SNAT_HIGH = 32767;

/**
 * The balancer's connection table, looked up by the client's tuple (packets
 * from the client) and by the target's reply tuple (packets from the
 * target). With the client's address proxied it also hands out source ports,
 * unique per target address and port, below the Linux ephemeral range so
 * they never meet the balancer's own health-check connections.
 */
export class FlowTable {
  private readonly byClient = new Map<string, LbFlow>();
  private readonly byReply = new Map<string, LbFlow>();
  private readonly snatInUse = new Map<string, Set<number>>();
  private snatNext = SNAT_LOW;

  /** Flows in the table. */
  get size(): number {
    return this.byClient.size;
  }

  /** The flow a packet from a client belongs to. */
  fromClient(proto: IpProto, src: IPv4, srcPort: number, dst: IPv4, dstPort: number): LbFlow | undefined {
    return this.byClient.get(key(proto, src, srcPort, dst, dstPort));
  }

  /** The flow a packet from a target belongs to. */
  fromTarget(proto: IpProto, src: IPv4, srcPort: number, dst: IPv4, dstPort: number): LbFlow | undefined {
    return this.byReply.get(key(proto, src, srcPort, dst, dstPort));
  }

  /** Adds a flow. */
  add(flow: LbFlow): void {
    this.byClient.set(key(flow.proto, flow.clientIp, flow.clientPort, flow.frontendIp, flow.frontendPort), flow);
    this.byReply.set(key(flow.proto, flow.outDst, flow.outDstPort, flow.outSrc, flow.outSrcPort), flow);
  }

  /** Removes a flow and frees its proxied source port. */
  remove(flow: LbFlow): void {
    const k = key(flow.proto, flow.clientIp, flow.clientPort, flow.frontendIp, flow.frontendPort);
    if (this.byClient.get(k) !== flow) return;
    this.byClient.delete(k);
    this.byReply.delete(key(flow.proto, flow.outDst, flow.outDstPort, flow.outSrc, flow.outSrcPort));
    this.snatInUse.get(`${flow.proto}|${flow.outDst}|${flow.outDstPort}`)?.delete(flow.outSrcPort);
  }

  /** A free source port toward (proto, dst, dstPort); undefined when all are taken. */
  allocatePort(proto: IpProto, dst: IPv4, dstPort: number): number | undefined {
    const k = `${proto}|${dst}|${dstPort}`;
    let used = this.snatInUse.get(k);
    if (!used) this.snatInUse.set(k, (used = new Set()));
    const span = SNAT_HIGH - SNAT_LOW + 1;
    for (let i = 0; i < span; i++) {
      const port = this.snatNext;
      this.snatNext = port === SNAT_HIGH ? SNAT_LOW : port + 1;
      if (!used.has(port)) {
        used.add(port);
        return port;
      }
    }
    return undefined;
  }
}
