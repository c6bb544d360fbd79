import { type Cidr, cidrAt, cidrSize, formatCidr } from "./cidr.ts";
import type { IPv4 } from "./ip.ts";

/**
 * Host-local IPAM for one node's podCIDR, as the CNI host-local plugin does
 * it: addresses handed out in order from `.2` (`.1` is the node's gateway
 * address on the Pod bridge), skipping those in use; a released address is
 * reused only after the range wraps (host-local keeps a `last_reserved_ip`
 * and continues from there), so a new Pod rarely gets a just-deleted Pod's IP.
 */
export class HostLocalIpam {
  private readonly used = new Set<IPv4>();
  private cursor = 2;

  constructor(readonly range: Cidr) {}

  /** The next free address; throws when the range is exhausted. */
  allocate(): IPv4 {
    const size = cidrSize(this.range);
    // The broadcast address (last) is never handed out.
    const usable = size - 3;
    for (let tries = 0; tries < usable; tries++) {
      if (this.cursor >= size - 1) this.cursor = 2;
      const ip = cidrAt(this.range, this.cursor++);
      if (!this.used.has(ip)) {
        this.used.add(ip);
        return ip;
      }
    }
    throw new RangeError(`no free Pod IP left in ${formatCidr(this.range)}`);
  }

  /** Marks a specific address as used (a manifest that names its podIP). */
  reserve(ip: IPv4): void {
    this.used.add(ip);
  }

  /** Returns an address to the pool. */
  release(ip: IPv4): void {
    this.used.delete(ip);
  }
}
