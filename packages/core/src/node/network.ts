import { InputError, type Nanos, type Rng, type Scheduler } from "../engine/index.ts";
import {
  type Cidr,
  cidrsOverlap,
  Fabric,
  formatCidr,
  formatIPv4,
  type IPv4,
  makePacket,
  type NetNamespace,
  type Packet,
  PacketIds,
  type PacketInit,
  parseCidr,
  parseIPv4,
  RoutedCni,
} from "../net/index.ts";
import type { ServiceProxy } from "../proxy/index.ts";
import { TraceRecorder, tracePacket } from "../trace/index.ts";
import { Node } from "./node.ts";

/** How to build the cluster network. */
export interface NetworkOptions {
  scheduler: Scheduler;
  rng: Rng;
  /** Where trace events go; a recorder at level `off` when absent. */
  tracer?: TraceRecorder;
  /** One-way node-to-node latency in one zone (default 100 µs). */
  fabricLatency?: Nanos;
  /** One-way latency between zones (default: fabricLatency). */
  crossZoneLatency?: Nanos;
  /** Loss probability of every node-to-node link (default 0). */
  fabricLoss?: number;
  /** One-way latency of each Pod's veth (default 2 µs). */
  vethLatency?: Nanos;
  /** Whether nodes have `default dev eth0` toward the fabric (default true). */
  defaultRoute?: boolean;
}

/** A node to add; addresses as text or numbers. */
export interface AddNodeSpec {
  name: string;
  ip: IPv4 | string;
  podCidr: Cidr | string;
  zone?: string;
  proxy?: ServiceProxy;
}

const asIp = (ip: IPv4 | string): IPv4 => (typeof ip === "string" ? parseIPv4(ip) : ip);
const asCidr = (c: Cidr | string): Cidr => (typeof c === "string" ? parseCidr(c) : c);

/**
 * The cluster's network: nodes on a shared fabric, Pods on their nodes'
 * veths, one packet-id counter. The scenario runner adds nodes, attaches and
 * detaches Pods as the control plane creates and deletes them, and sends
 * through the namespaces it gets back.
 */
export class Network {
  readonly ids = new PacketIds();
  readonly fabric: Fabric;
  readonly cni: RoutedCni;
  readonly tracer: TraceRecorder;
  private readonly sched: Scheduler;
  private readonly rng: Rng;
  private readonly byName = new Map<string, Node>();
  private readonly podNode = new Map<string, Node>();

  constructor(options: NetworkOptions) {
    this.sched = options.scheduler;
    this.rng = options.rng;
    this.tracer = options.tracer ?? new TraceRecorder("off");
    this.cni = new RoutedCni({ vethLatency: options.vethLatency, defaultRoute: options.defaultRoute });
    const wantDrop = this.tracer.wants("pkt.drop");
    this.fabric = new Fabric(
      this.sched,
      this.rng,
      { latency: options.fabricLatency, crossZoneLatency: options.crossZoneLatency, loss: options.fabricLoss },
      (pkt, reason, from, where) => {
        this.tracer.stats.countDrop(reason);
        if (!wantDrop) return;
        this.tracer.emit({ type: "pkt.drop", t: this.sched.now, node: from, pkt: tracePacket(pkt), reason, where });
      },
    );
  }

  /** Adds a node and the routes between it and every other node. Throws InputError on a clash. */
  addNode(spec: AddNodeSpec): Node {
    const ip = asIp(spec.ip);
    const podCidr = asCidr(spec.podCidr);
    const problems: string[] = [];
    if (this.byName.has(spec.name)) problems.push(`network: node "${spec.name}" already exists`);
    for (const other of this.byName.values()) {
      if (other.ip === ip)
        problems.push(`network: node "${spec.name}": ip ${formatIPv4(ip)} is node "${other.name}"'s`);
      if (cidrsOverlap(other.podCidr, podCidr)) {
        problems.push(
          `network: node "${spec.name}": podCIDR ${formatCidr(podCidr)} overlaps node "${other.name}"'s ${formatCidr(other.podCidr)}`,
        );
      }
    }
    if (problems.length > 0) throw new InputError(problems);
    const { sched, rng, ids, tracer, cni, fabric } = this;
    const node = new Node(
      { name: spec.name, ip, podCidr, zone: spec.zone, proxy: spec.proxy },
      { sched, rng, ids, tracer, cni, fabric },
    );
    for (const other of this.byName.values()) {
      other.addPeer(node);
      node.addPeer(other);
    }
    this.byName.set(spec.name, node);
    return node;
  }

  /** The node with this name; throws if there is none. */
  node(name: string): Node {
    const node = this.byName.get(name);
    if (!node) throw new RangeError(`network: no node named "${name}"`);
    return node;
  }

  /** Every node, sorted by name. */
  nodes(): Node[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Powers a node on or off. */
  setNodeUp(name: string, up: boolean): void {
    this.node(name).setUp(up);
  }

  /** Attaches a Pod (unique name cluster-wide, e.g. `default/web-1`) to a node; returns its namespace. */
  attachPod(nodeName: string, pod: string, ip: IPv4 | string): NetNamespace {
    if (this.podNode.has(pod)) throw new RangeError(`network: Pod "${pod}" is already attached`);
    const node = this.node(nodeName);
    const netns = node.attachPod(pod, asIp(ip));
    this.podNode.set(pod, node);
    return netns;
  }

  /** Detaches a Pod; packets to its address are then dropped on its node. */
  detachPod(pod: string): void {
    const node = this.podNode.get(pod);
    if (!node) return;
    node.detachPod(pod);
    this.podNode.delete(pod);
  }

  /** A Pod's namespace, if attached. */
  pod(pod: string): NetNamespace | undefined {
    return this.podNode.get(pod)?.pod(pod);
  }

  /** The node a Pod is attached to. */
  nodeOfPod(pod: string): Node | undefined {
    return this.podNode.get(pod);
  }

  /** A node's host namespace. */
  host(nodeName: string): NetNamespace {
    return this.node(nodeName).host;
  }

  /** A new packet with the next id. */
  packet(init: PacketInit): Packet {
    return makePacket(this.ids.take(), init);
  }
}
