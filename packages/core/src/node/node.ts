import { type Nanos, ns, type Rng, type Scheduler } from "../engine/index.ts";
import {
  type Cidr,
  type CniNode,
  type Fabric,
  type FabricPort,
  ICMP,
  type IPv4,
  NetNamespace,
  type Packet,
  type PacketIds,
  type Route,
  type RoutedCni,
  RoutingTable,
} from "../net/index.ts";
import { PassthroughProxy, type ServiceProxy } from "../proxy/index.ts";
import type { Hook, TraceRecorder } from "../trace/index.ts";
import { sendIcmpError, sendReject } from "./answers.ts";
import { NodeTrace } from "./node-trace.ts";
import { NODE_SIDE } from "./pod-port.ts";
import { PodTable } from "./pods.ts";

/** What the network gives every node. */
export interface NodeEnv {
  readonly sched: Scheduler;
  readonly rng: Rng;
  readonly ids: PacketIds;
  readonly tracer: TraceRecorder;
  readonly cni: RoutedCni;
  readonly fabric: Fabric;
}

/** A node to create. */
export interface NodeSpec {
  readonly name: string;
  readonly ip: IPv4;
  readonly podCidr: Cidr;
  readonly zone?: string;
  /** The service dataplane at the netfilter hooks; a PassthroughProxy when absent. */
  readonly proxy?: ServiceProxy;
}

/** The PacketContext the node hands its proxy, reused for every hook (no per-packet allocation). */
interface HookContext {
  now: Nanos;
  node: string;
  inDev: string | undefined;
  outDev: string | undefined;
}

const LOOPBACK_DELAY: Nanos = ns(0);

/**
 * A Kubernetes node's network stack: a host namespace (the node IP), its
 * Pods' namespaces on veth pairs, a routing table, `eth0` on the fabric, and
 * a ServiceProxy at the netfilter hooks. The per-packet path follows Linux:
 *
 * - from a veth, `eth0` or `lo` (ip_rcv): PREROUTING → routing → INPUT
 *   (local) or FORWARD → POSTROUTING → out;
 * - from a host process (ip_local_out): routing → OUTPUT → reroute if nat
 *   OUTPUT changed the destination (ip_route_me_harder) → POSTROUTING → out;
 *   a local destination loops back through `lo` into PREROUTING → INPUT.
 *
 * Hooks take no simulated time; links do.
 */
export class Node implements CniNode {
  readonly name: string;
  readonly ip: IPv4;
  readonly podCidr: Cidr;
  readonly zone: string | undefined;
  /** The service dataplane; replace it to change modes or model kube-proxy being down. */
  proxy: ServiceProxy;
  readonly routes = new RoutingTable();
  /** The host network namespace (hostNetwork Pods, kubelet, health checks). */
  readonly host: NetNamespace;
  private readonly env: NodeEnv;
  private readonly eth0: FabricPort;
  private readonly trace: NodeTrace;
  private readonly pods: PodTable;
  private readonly ctx: HookContext;
  private isUp = true;

  constructor(spec: NodeSpec, env: NodeEnv) {
    this.name = spec.name;
    this.ip = spec.ip;
    this.podCidr = spec.podCidr;
    this.zone = spec.zone;
    this.proxy = spec.proxy ?? new PassthroughProxy();
    this.env = env;
    this.trace = new NodeTrace(env.tracer, env.sched, spec.name);
    this.ctx = { now: env.sched.now, node: spec.name, inDev: undefined, outDev: undefined };
    const trace = this.trace;
    this.host = new NetNamespace({
      name: `host/${spec.name}`,
      ips: [spec.ip],
      sched: env.sched,
      rng: env.rng,
      ids: env.ids,
      egress: (pkt) => this.output(pkt),
      observer: {
        sent: (pkt) => trace.send(pkt, "host"),
        received: (pkt) => trace.recv(pkt, "host"),
        dropped: (pkt, reason) => trace.drop(pkt, reason, "host"),
      },
    });
    env.cni.programNode(this.routes, this);
    this.pods = new PodTable(this, this.routes, {
      sched: env.sched,
      rng: env.rng,
      ids: env.ids,
      cni: env.cni,
      trace,
      toNode: (pkt, inDev) => this.receive(pkt, inDev),
    });
    this.eth0 = env.fabric.attach(spec.name, spec.ip, spec.zone, (pkt) => this.receive(pkt, "eth0"));
  }

  /** Whether the node is up. */
  get up(): boolean {
    return this.isUp;
  }

  /** Powers the node on or off. A down node drops every packet it sees (`node-down`). */
  setUp(up: boolean): void {
    this.isUp = up;
  }

  /** Adds routes toward a peer node (its IP and podCIDR). */
  addPeer(peer: CniNode): void {
    this.env.cni.addPeer(this.routes, peer);
  }

  /** Removes the routes toward a peer node. */
  removePeer(peer: CniNode): void {
    this.env.cni.removePeer(this.routes, peer);
  }

  /** Creates a Pod's veth and /32 route (CNI ADD); returns its namespace. */
  attachPod(pod: string, ip: IPv4): NetNamespace {
    return this.pods.attach(pod, ip).netns;
  }

  /** Deletes a Pod's veth and /32 route (CNI DEL). Packets to its address then hit the podCIDR blackhole. */
  detachPod(pod: string): void {
    this.pods.detach(pod);
  }

  /** A Pod's namespace, if attached here. */
  pod(pod: string): NetNamespace | undefined {
    return this.pods.get(pod)?.netns;
  }

  /** Names of the attached Pods, sorted. */
  podNames(): string[] {
    return this.pods.names();
  }

  /** A packet arrives on a device (a Pod's veth, `eth0`, `lo`): PREROUTING → routing → INPUT or FORWARD. */
  receive(pkt: Packet, inDev: string): void {
    if (!this.isUp) {
      this.trace.drop(pkt, "node-down", inDev);
      return;
    }
    if (!this.hook("PREROUTING", pkt, inDev, undefined)) return;
    // why: routing happens after PREROUTING (ip_rcv_finish → ip_route_input),
    // so a DNAT there decides where the packet goes.
    const route = this.routes.lookup(pkt.dst);
    if (route === undefined) {
      this.unroutable(pkt, inDev);
      return;
    }
    if (route.kind === "blackhole") {
      this.trace.drop(pkt, "no-route", "blackhole");
      return;
    }
    this.trace.route(pkt, route);
    if (route.kind === "local") {
      if (this.hook("INPUT", pkt, inDev, undefined)) this.host.deliver(pkt);
      return;
    }
    this.forward(pkt, inDev, route);
  }

  /** A host process sends: routing → OUTPUT → (reroute) → POSTROUTING → out. */
  output(pkt: Packet): void {
    if (!this.isUp) {
      this.trace.drop(pkt, "node-down", "host");
      return;
    }
    const dst = pkt.dst;
    let route = this.routes.lookup(dst);
    // why: with no route, connect()/sendmsg fail with ENETUNREACH before any hook.
    if (route === undefined || route.kind === "blackhole") {
      this.trace.drop(pkt, "no-route", "output");
      return;
    }
    if (!this.hook("OUTPUT", pkt, undefined, route.dev)) return;
    if (pkt.dst !== dst) {
      // why: ip_route_me_harder re-routes a locally generated packet whose
      // destination nat OUTPUT rewrote (iptable_nat / nf_nat_ipv4_local_fn).
      route = this.routes.lookup(pkt.dst);
      if (route === undefined || route.kind === "blackhole") {
        this.trace.drop(pkt, "no-route", "output");
        return;
      }
    }
    this.trace.route(pkt, route);
    if (!this.hook("POSTROUTING", pkt, undefined, route.dev)) return;
    this.transmit(pkt, route);
  }

  private forward(pkt: Packet, inDev: string, route: Route): void {
    // why: ip_forward drops a packet whose TTL would reach 0 and answers ICMP
    // time exceeded, then decrements the TTL before the FORWARD hook.
    if (pkt.ttl <= 1) {
      this.trace.drop(pkt, "ttl-exceeded", inDev);
      this.sendError(pkt, ICMP.TIME_EXCEEDED, ICMP.EXC_TTL);
      return;
    }
    pkt.ttl--;
    if (!this.hook("FORWARD", pkt, inDev, route.dev)) return;
    if (!this.hook("POSTROUTING", pkt, inDev, route.dev)) return;
    this.transmit(pkt, route);
  }

  private transmit(pkt: Packet, route: Route): void {
    if (route.kind === "local") {
      // why: a locally generated packet to a local address leaves through lo
      // and comes back in through ip_rcv (PREROUTING, INPUT) via the backlog.
      this.env.sched.after(LOOPBACK_DELAY, () => this.receive(pkt, "lo"), "lo");
      return;
    }
    if (route.dev === "eth0") {
      this.eth0.transmit(route.via ?? pkt.dst, pkt);
      return;
    }
    const port = this.pods.byDevice(route.dev);
    if (port === undefined) {
      this.trace.drop(pkt, "no-such-pod", route.dev);
      return;
    }
    port.veth.send(NODE_SIDE, pkt);
  }

  /** Runs the proxy at one hook and applies its verdict; true when the packet goes on. */
  private hook(hook: Hook, pkt: Packet, inDev: string | undefined, outDev: string | undefined): boolean {
    this.trace.hook(pkt, hook);
    const ctx = this.ctx;
    ctx.now = this.env.sched.now;
    ctx.inDev = inDev;
    ctx.outDev = outDev;
    const verdict = this.proxy.process(hook, pkt, ctx);
    if (verdict.kind === "accept") return true;
    this.trace.drop(pkt, verdict.reason, verdict.where ?? hook);
    if (verdict.kind === "reject") sendReject(this, this.env.ids, pkt, verdict.with);
    return false;
  }

  private unroutable(pkt: Packet, inDev: string): void {
    this.trace.drop(pkt, "no-route", inDev);
    // why: ip_error answers ENETUNREACH with ICMP net unreachable (rate limit not modelled).
    this.sendError(pkt, ICMP.DEST_UNREACH, ICMP.NET_UNREACH);
  }

  private sendError(pkt: Packet, type: number, code: number): void {
    sendIcmpError(this, this.env.ids, pkt, type, code);
  }

  /** True when the address is one of this node's own. */
  isLocal(ip: IPv4): boolean {
    return this.routes.isLocal(ip);
  }
}
