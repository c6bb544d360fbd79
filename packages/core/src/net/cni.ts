import { type Nanos, type Rng, type Scheduler, us } from "../engine/index.ts";
import { type Cidr, formatCidr } from "./cidr.ts";
import type { IPv4 } from "./ip.ts";
import { Link, type LinkDropHandler } from "./link.ts";
import type { RoutingTable } from "./routing.ts";

/**
 * One-way latency of a Pod's veth pair when none is configured: a veth hop is
 * a software handoff (veth_xmit → the peer's backlog, softirq), a few µs.
 */
export const DEFAULT_VETH_LATENCY: Nanos = us(2);

/** A node as the CNI sees it. */
export interface CniNode {
  readonly name: string;
  readonly ip: IPv4;
  readonly podCidr: Cidr;
}

/** How the routed CNI is configured. */
export interface RoutedCniOptions {
  /** One-way veth latency. */
  vethLatency?: Nanos;
  /** Whether nodes get `default dev eth0` (true: off-cluster addresses go to the fabric). */
  defaultRoute?: boolean;
}

/** The node-side device of a Pod's veth pair. */
export function vethName(pod: string): string {
  return `veth-${pod}`;
}

const HOST_MASK = 0xffffffff;
const host = (ip: IPv4): Cidr => ({ base: ip, bits: 32, mask: HOST_MASK });
const ANY: Cidr = { base: 0, bits: 0, mask: 0 };

/**
 * A routed CNI with no overlay, shaped like Calico's (and flannel host-gw's
 * node-to-node routes): every Pod has a veth pair to its node and a /32 route
 * on the node (`10.244.1.5 dev veth-web-1`); every other node's podCIDR is
 * routed via that node's IP over `eth0`; the node's own podCIDR is a
 * blackhole, so a packet to a deleted Pod's address is discarded silently
 * (Calico installs `blackhole <block>` for each IPAM block it owns, and a
 * blackhole route sends no ICMP: ip_error ignores RTN_BLACKHOLE's EINVAL).
 */
export class RoutedCni {
  readonly vethLatency: Nanos;
  readonly defaultRoute: boolean;

  constructor(options: RoutedCniOptions = {}) {
    this.vethLatency = options.vethLatency ?? DEFAULT_VETH_LATENCY;
    this.defaultRoute = options.defaultRoute ?? true;
  }

  /** A node's own routes: its address, its podCIDR blackhole, and the default route. */
  programNode(table: RoutingTable, self: CniNode): void {
    table.addLocal(self.ip);
    table.add({ dst: self.podCidr, kind: "blackhole", dev: "-" });
    // why: a cloud node's default route points at the VPC router; the fabric
    // stands in for it, delivering to whichever host owns the destination.
    if (this.defaultRoute) table.add({ dst: ANY, kind: "unicast", dev: "eth0" });
  }

  /** Routes toward a peer node: its address on-link, its podCIDR via it. */
  addPeer(table: RoutingTable, peer: CniNode): void {
    table.add({ dst: host(peer.ip), kind: "unicast", dev: "eth0" });
    table.add({ dst: peer.podCidr, kind: "unicast", dev: "eth0", via: peer.ip });
  }

  /** Removes the routes toward a peer node. */
  removePeer(table: RoutingTable, peer: CniNode): void {
    table.remove(host(peer.ip));
    table.remove(peer.podCidr);
  }

  /** The /32 route to a local Pod through its veth. */
  addPod(table: RoutingTable, pod: string, ip: IPv4): void {
    table.add({ dst: host(ip), kind: "unicast", dev: vethName(pod) });
  }

  /** Removes a Pod's /32 route (the CNI DEL deletes the veth, and its route with it). */
  removePod(table: RoutingTable, ip: IPv4): void {
    table.remove(host(ip));
  }

  /** A Pod's veth pair: side 0 is the Pod's `eth0`, side 1 the node's `veth-<pod>`. */
  createVeth(pod: string, sched: Scheduler, rng: Rng, onDrop: LinkDropHandler): Link {
    return new Link(vethName(pod), sched, rng, { latency: this.vethLatency }, onDrop);
  }

  /** Checks that a Pod address lies in its node's podCIDR; returns a problem or undefined. */
  checkPodIp(node: CniNode, ip: IPv4): string | undefined {
    return (ip & node.podCidr.mask) >>> 0 === node.podCidr.base
      ? undefined
      : `is outside node ${node.name}'s podCIDR ${formatCidr(node.podCidr)}`;
  }
}
