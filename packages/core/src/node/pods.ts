import type { CniNode, IPv4, RoutingTable } from "../net/index.ts";
import { PodPort, type PodPortEnv } from "./pod-port.ts";

/**
 * The Pods attached to one node, by name and by veth device, and their /32
 * routes in the node's table: what the CNI ADD and DEL calls change.
 */
export class PodTable {
  private readonly byName = new Map<string, PodPort>();
  private readonly byDev = new Map<string, PodPort>();

  constructor(
    private readonly node: CniNode,
    private readonly routes: RoutingTable,
    private readonly env: PodPortEnv,
  ) {}

  /** Creates a Pod's veth and /32 route (CNI ADD). Throws on a duplicate or an address outside the podCIDR. */
  attach(pod: string, ip: IPv4): PodPort {
    if (this.byName.has(pod)) throw new RangeError(`node ${this.node.name}: Pod ${pod} is already attached`);
    const problem = this.env.cni.checkPodIp(this.node, ip);
    if (problem !== undefined) throw new RangeError(`node ${this.node.name}: Pod ${pod}'s address ${problem}`);
    const port = new PodPort(pod, ip, this.env);
    this.byName.set(pod, port);
    this.byDev.set(port.dev, port);
    this.env.cni.addPod(this.routes, pod, ip);
    return port;
  }

  /**
   * Deletes a Pod's veth and /32 route (CNI DEL); its address then falls to
   * the podCIDR blackhole. A route already taken over by a newer Pod with the
   * same address stays.
   */
  detach(pod: string): void {
    const port = this.byName.get(pod);
    if (!port) return;
    port.attached = false;
    this.byName.delete(pod);
    this.byDev.delete(port.dev);
    const route = this.routes.get({ base: port.ip, bits: 32, mask: 0xffffffff });
    if (route?.dev === port.dev) this.env.cni.removePod(this.routes, port.ip);
  }

  /** The Pod with this name. */
  get(pod: string): PodPort | undefined {
    return this.byName.get(pod);
  }

  /** The Pod behind a node-side veth device. */
  byDevice(dev: string): PodPort | undefined {
    return this.byDev.get(dev);
  }

  /** Names of the attached Pods, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
