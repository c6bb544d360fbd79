import type { Rng, Scheduler } from "../engine/index.ts";
import { s } from "../engine/index.ts";
import {
  attachProxyV2,
  cidrContains,
  type FabricPort,
  formatEndpoint,
  type IPv4,
  NetNamespace,
  type Packet,
  TCP,
  tcpResetFor,
} from "../net/index.ts";
import { type Network, type Node, NodeTrace } from "../node/index.ts";
import { type TraceRecorder, tracePacket } from "../trace/index.ts";
import { TcpStack } from "../workload/index.ts";
import type { ResolvedLbConfig } from "./config.ts";
import { FlowTable, type LbFlow } from "./flow-table.ts";
import type { Frontend } from "./frontend.ts";
import { flowHash, selectTarget } from "./select.ts";

/** What a balancer needs from the simulation. */
export interface CloudLbEnv {
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly tracer: TraceRecorder;
  readonly network: Network;
}

const PROTO_NUMBER: Record<string, number> = { ICMP: 1, TCP: 6, UDP: 17, SCTP: 132 };
/** How long a closed flow (FIN both ways) stays in the table for the last ACK. */
const CLOSED_FLOW_LINGER = s(1);

/**
 * A cloud load balancer as one host on the fabric: it owns its frontend IPs,
 * keeps a connection table, and forwards each flow to the target its
 * distribution picked, rewriting the destination (NAT providers: the target's
 * address and NodePort or Pod port) and, when the client's address is not
 * preserved, the source (the balancer's address and a port of its own).
 * Targets reply to whatever source they saw: the balancer's own address, or
 * the client's, which every node routes via the balancer (`externalCidrs`),
 * so either way the reply comes back through it, is matched to its flow and
 * un-NATed toward the client. Its own address also sources health checks.
 *
 * Zones are logical: the balancer is one host (one fabric latency to every
 * node) standing for its per-zone nodes; a flow's zone only restricts its
 * choice of target when cross-zone is off.
 */
export class CloudLoadBalancer {
  readonly name: string;
  /** The balancer's own address (health checks, proxied client addresses). */
  readonly ip: IPv4;
  readonly netns: NetNamespace;
  readonly stack: TcpStack;
  readonly flows = new FlowTable();
  private readonly port: FabricPort;
  private readonly trace: NodeTrace;
  private readonly frontends = new Map<IPv4, Frontend>();
  private readonly nodes: readonly Node[];
  private readonly hashSeed: number;
  private readonly zoneSeed: number;
  private readonly wantNat: boolean;
  private readonly wantPick: boolean;

  constructor(
    private readonly env: CloudLbEnv,
    readonly config: ResolvedLbConfig,
  ) {
    const { scheduler, rng, tracer, network } = env;
    this.name = config.name;
    this.ip = (config.frontendPool.base + 1) >>> 0;
    this.nodes = network.nodes();
    // why: NLB hashes the 5-tuple with a secret of its own; a seeded draw stands for it.
    const seeds = rng.stream(`edge/${this.name}/flow-hash`);
    this.hashSeed = seeds.int(2 ** 32);
    this.zoneSeed = seeds.int(2 ** 32);
    this.trace = new NodeTrace(tracer, scheduler, this.name);
    this.wantNat = tracer.wants("nat");
    this.wantPick = tracer.wants("lb.pick");
    const trace = this.trace;
    this.netns = new NetNamespace({
      name: this.name,
      ips: [this.ip],
      sched: scheduler,
      rng,
      ids: network.ids,
      egress: (pkt) => this.port.transmit(this.nextHop(pkt.dst), pkt),
      observer: {
        sent: (pkt) => trace.send(pkt, "lb"),
        received: (pkt) => trace.recv(pkt, "lb"),
        dropped: (pkt, reason) => trace.drop(pkt, reason, "lb"),
      },
    });
    this.stack = TcpStack.of(this.netns, scheduler, rng);
    this.port = network.fabric.attach(this.name, this.ip, undefined, (pkt) => this.receive(pkt));
  }

  /** Starts answering for a frontend IP. */
  addFrontend(frontend: Frontend): void {
    this.frontends.set(frontend.vip, frontend);
    this.env.network.fabric.addAddress(this.name, frontend.vip);
  }

  /** Stops answering for a frontend IP. */
  removeFrontend(vip: IPv4): void {
    this.frontends.get(vip)?.close();
    this.frontends.delete(vip);
    this.env.network.fabric.removeAddress(vip);
  }

  /** The frontend of a Service (`namespace/name`), if it has one. */
  frontend(service: string): Frontend | undefined {
    for (const f of this.frontends.values()) if (f.service === service) return f;
    return undefined;
  }

  /** Every frontend, by Service name. */
  allFrontends(): Frontend[] {
    return [...this.frontends.values()].sort((a, b) => (a.service < b.service ? -1 : 1));
  }

  /** A packet arrives from the fabric. */
  receive(pkt: Packet): void {
    const { flows } = this;
    const fwd = flows.fromClient(pkt.proto, pkt.src, pkt.srcPort, pkt.dst, pkt.dstPort);
    if (fwd !== undefined) {
      this.forward(fwd, pkt);
      return;
    }
    const back = flows.fromTarget(pkt.proto, pkt.src, pkt.srcPort, pkt.dst, pkt.dstPort);
    if (back !== undefined) {
      this.reply(back, pkt);
      return;
    }
    const frontend = this.frontends.get(pkt.dst);
    if (frontend !== undefined) {
      this.newFlow(frontend, pkt);
      return;
    }
    if (pkt.dst === this.ip) {
      this.netns.deliver(pkt);
      return;
    }
    // Not ours: route on, as the VPC router the nodes' external route points at.
    this.port.transmit(this.nextHop(pkt.dst), pkt);
  }

  private newFlow(frontend: Frontend, pkt: Packet): void {
    const { stats } = frontend;
    const where = `lb/${frontend.service}`;
    const listener = pkt.proto === "TCP" || pkt.proto === "UDP" ? frontend.listener(pkt.proto, pkt.dstPort) : undefined;
    if (listener === undefined) {
      stats.dropped.noListener++;
      this.trace.drop(pkt, "no-socket", where);
      return;
    }
    if (pkt.proto === "TCP" && (pkt.flags & (TCP.SYN | TCP.ACK)) !== TCP.SYN) {
      // why: NLB answers a TCP segment of a connection it has no entry for with RST
      // (network-load-balancers.html, "Connection idle timeout").
      this.trace.drop(pkt, "no-socket", `${where}/no-flow`);
      const rst = tcpResetFor(this.env.network.ids, pkt);
      if (rst !== undefined) this.port.transmit(rst.dst, rst);
      return;
    }
    const cfg = this.config;
    if (cfg.preset.enforcesSourceRanges && frontend.sourceRanges.length > 0) {
      // why: the providers turn loadBalancerSourceRanges into firewall rules (AWS security
      // groups, GCP firewall rules, Azure NSGs) that drop silently.
      if (!frontend.sourceRanges.some((r) => cidrContains(r, pkt.src))) {
        stats.dropped.sourceRange++;
        this.trace.drop(pkt, "source-range", `${where}/firewall`);
        return;
      }
    }
    const proto = PROTO_NUMBER[pkt.proto] ?? 0;
    const targets = frontend.targets();
    const choice = selectTarget(
      targets.map((t) => ({ key: t.spec.key, zone: t.spec.zone, healthy: t.checker.state === "healthy", t })),
      {
        distribution: cfg.distribution,
        crossZone: cfg.crossZone,
        failOpen: cfg.preset.failOpen,
        hash: flowHash(this.hashSeed, proto, pkt.src, pkt.srcPort, pkt.dst, pkt.dstPort),
        zoneHash: flowHash(this.zoneSeed, proto, pkt.src, pkt.srcPort, pkt.dst, pkt.dstPort),
        nextRoundRobin: () => frontend.nextRoundRobin(),
      },
    );
    const target = choice.target?.t;
    const outDstPort = target?.spec.ports.get(listener.port);
    if (target === undefined || outDstPort === undefined) {
      stats.dropped.noTarget++;
      this.trace.drop(pkt, "no-endpoints", where);
      return;
    }
    const nat = cfg.mode === "ip" || cfg.preset.forwarding === "nat";
    const outDst = nat ? target.spec.ip : pkt.dst;
    let outSrc = pkt.src;
    let outSrcPort = pkt.srcPort;
    if (cfg.clientIp === "proxy") {
      const port = this.flows.allocatePort(pkt.proto, outDst, outDstPort);
      if (port === undefined) {
        this.trace.drop(pkt, "snat-ports-exhausted", where);
        return;
      }
      outSrc = this.ip;
      outSrcPort = port;
    }
    const flow: LbFlow = {
      service: frontend.service,
      target: target.spec.key,
      proto: pkt.proto,
      clientIp: pkt.src,
      clientPort: pkt.srcPort,
      frontendIp: pkt.dst,
      frontendPort: pkt.dstPort,
      outSrc,
      outSrcPort,
      outDst,
      outDstPort,
      nextHop: target.spec.nextHop,
      firstDataSeq: undefined,
      clientFin: false,
      targetFin: false,
    };
    this.flows.add(flow);
    stats.flows++;
    if (choice.failOpen) stats.failOpenFlows++;
    stats.perTarget.set(flow.target, (stats.perTarget.get(flow.target) ?? 0) + 1);
    if (this.wantPick) {
      const via = `${cfg.distribution}${choice.failOpen ? "+fail-open" : ""}${choice.zone ? ` zone ${choice.zone}` : ""}`;
      this.env.tracer.emit({
        type: "lb.pick",
        t: this.env.scheduler.now,
        node: this.name,
        pkt: tracePacket(pkt),
        service: `${frontend.service}:${listener.port}`,
        endpoint: `${flow.target} ${formatEndpoint(outDst, outDstPort)}`,
        candidates: choice.candidates,
        via,
      });
    }
    this.forward(flow, pkt);
  }

  private forward(flow: LbFlow, pkt: Packet): void {
    const frontend = this.frontends.get(flow.frontendIp);
    const target = frontend?.target(flow.target);
    if (this.config.preset.onUnhealthyTarget === "reset" && frontend && target?.checker.state === "unhealthy") {
      // why: "If a target becomes unhealthy, the load balancer sends a TCP RST for packets
      // received on the client connections associated with the target, unless the unhealthy
      // target triggers the load balancer to fail open" (NLB target-group-health-checks.html).
      const failingOpen = frontend.targets().every((t) => t.checker.state !== "healthy");
      if (!failingOpen && pkt.proto === "TCP") {
        frontend.stats.resets++;
        this.flows.remove(flow);
        this.trace.drop(pkt, "rule-reject", `lb/${flow.service}/unhealthy-target`);
        const rst = tcpResetFor(this.env.network.ids, pkt);
        if (rst !== undefined) this.port.transmit(rst.dst, rst);
        return;
      }
    }
    this.rewrite(pkt, "dnat", flow.outDst, flow.outDstPort, true);
    if (flow.outSrc !== pkt.src || flow.outSrcPort !== pkt.srcPort)
      this.rewrite(pkt, "snat", flow.outSrc, flow.outSrcPort, false);
    if (this.config.proxyProtocol && pkt.proto === "TCP" && pkt.tcp !== undefined && pkt.tcp.dataBytes > 0) {
      flow.firstDataSeq ??= pkt.tcp.seq;
      // why: the PROXY v2 header precedes the connection's first data byte (and rides again on
      // any retransmission of that segment).
      if (pkt.tcp.seq === flow.firstDataSeq) {
        attachProxyV2(pkt, {
          src: flow.clientIp,
          srcPort: flow.clientPort,
          dst: flow.frontendIp,
          dstPort: flow.frontendPort,
        });
      }
    }
    this.track(flow, pkt, true);
    this.port.transmit(flow.nextHop, pkt);
  }

  private reply(flow: LbFlow, pkt: Packet): void {
    this.rewrite(pkt, "un-dnat", flow.frontendIp, flow.frontendPort, false);
    if (pkt.dst !== flow.clientIp || pkt.dstPort !== flow.clientPort)
      this.rewrite(pkt, "un-snat", flow.clientIp, flow.clientPort, true);
    this.track(flow, pkt, false);
    this.port.transmit(pkt.dst, pkt);
  }

  /** Rewrites the destination (`dst` true) or the source of a packet, tracing it when it changes. */
  private rewrite(
    pkt: Packet,
    kind: "dnat" | "snat" | "un-dnat" | "un-snat",
    ip: IPv4,
    port: number,
    dst: boolean,
  ): void {
    const fromIp = dst ? pkt.dst : pkt.src;
    const fromPort = dst ? pkt.dstPort : pkt.srcPort;
    if (fromIp === ip && fromPort === port) return;
    if (this.wantNat) {
      const from = formatEndpoint(fromIp, fromPort);
      const to = formatEndpoint(ip, port);
      this.env.tracer.emit({
        type: "nat",
        t: this.env.scheduler.now,
        node: this.name,
        pkt: tracePacket(pkt),
        kind,
        from,
        to,
      });
    }
    if (dst) {
      pkt.dst = ip;
      pkt.dstPort = port;
    } else {
      pkt.src = ip;
      pkt.srcPort = port;
    }
  }

  /** Ends a flow on RST, or shortly after both sides sent FIN. */
  private track(flow: LbFlow, pkt: Packet, fromClient: boolean): void {
    if (pkt.proto !== "TCP") return;
    if (pkt.flags & TCP.RST) {
      this.flows.remove(flow);
      return;
    }
    if (!(pkt.flags & TCP.FIN)) return;
    if (fromClient) flow.clientFin = true;
    else flow.targetFin = true;
    if (flow.clientFin && flow.targetFin) {
      this.env.scheduler.after(CLOSED_FLOW_LINGER, () => this.flows.remove(flow), `edge/${this.name}`);
    }
  }

  /** The fabric next hop for a destination: the node owning a Pod address, else the address itself. */
  private nextHop(dst: IPv4): IPv4 {
    for (const node of this.nodes) if (cidrContains(node.podCidr, dst)) return node.ip;
    return dst;
  }
}
