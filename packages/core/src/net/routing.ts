import { type Cidr, formatCidr } from "./cidr.ts";
import { formatIPv4, type IPv4 } from "./ip.ts";

/**
 * What a route does with a matching packet, as `ip route` types them:
 * `unicast` sends it out `dev` (to `via`, or on-link to the destination),
 * `local` delivers it to this host (the kernel's local table), `blackhole`
 * discards it silently.
 */
export type RouteKind = "unicast" | "local" | "blackhole";

/** One route. */
export interface Route {
  readonly dst: Cidr;
  readonly kind: RouteKind;
  /** Output device: `eth0`, a Pod's veth, `lo` for local routes, `-` for blackholes. */
  readonly dev: string;
  /** Next hop; absent when the destination is on-link. */
  readonly via?: IPv4;
}

const MASKS: readonly number[] = Array.from({ length: 33 }, (_, bits) =>
  bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0,
);

/**
 * A node's (or a namespace's) IPv4 routing table with longest-prefix match.
 *
 * why: like the kernel's policy rules `0: from all lookup local` then `main`,
 * local addresses win over any route; among routes the most specific prefix
 * wins (fib_table_lookup). Routes are bucketed by prefix length, longest
 * first, so a lookup is at most one hash probe per distinct length in use
 * (typically /32 Pods and peers, /24 podCIDRs, /0 default): no allocation.
 */
export class RoutingTable {
  private readonly buckets: (Map<number, Route> | undefined)[] = new Array(33).fill(undefined);
  /** Prefix lengths with at least one route, longest first. */
  private lengths: number[] = [];
  private readonly locals = new Map<IPv4, Route>();

  /** Adds a route, replacing any route for the same prefix (`ip route replace`). */
  add(route: Route): void {
    if (route.kind === "local") throw new RangeError("add local addresses with addLocal()");
    let bucket = this.buckets[route.dst.bits];
    if (!bucket) {
      bucket = new Map();
      this.buckets[route.dst.bits] = bucket;
      this.lengths = [...this.lengths, route.dst.bits].sort((a, b) => b - a);
    }
    bucket.set(route.dst.base, route);
  }

  /** Removes the route for exactly this prefix; returns whether there was one. */
  remove(dst: Cidr): boolean {
    const bucket = this.buckets[dst.bits];
    if (!bucket?.delete(dst.base)) return false;
    if (bucket.size === 0) {
      this.buckets[dst.bits] = undefined;
      this.lengths = this.lengths.filter((b) => b !== dst.bits);
    }
    return true;
  }

  /** Makes `ip` an address of this host: packets to it are delivered locally. */
  addLocal(ip: IPv4): void {
    this.locals.set(ip, { dst: { base: ip, bits: 32, mask: 0xffffffff }, kind: "local", dev: "lo" });
  }

  /** Removes a local address. */
  removeLocal(ip: IPv4): void {
    this.locals.delete(ip);
  }

  /** True when `ip` is one of this host's addresses. */
  isLocal(ip: IPv4): boolean {
    return this.locals.has(ip);
  }

  /** The route for a destination: a local route, else the longest matching prefix, else undefined. */
  lookup(ip: IPv4): Route | undefined {
    const local = this.locals.get(ip);
    if (local !== undefined) return local;
    const lengths = this.lengths;
    for (let i = 0; i < lengths.length; i++) {
      const bits = lengths[i] as number;
      const route = (this.buckets[bits] as Map<number, Route>).get((ip & (MASKS[bits] as number)) >>> 0);
      if (route !== undefined) return route;
    }
    return undefined;
  }

  /** The route for exactly this prefix, if any. */
  get(dst: Cidr): Route | undefined {
    return this.buckets[dst.bits]?.get(dst.base);
  }

  /** Every non-local route, most specific first, then by address (for views). */
  routes(): Route[] {
    const out: Route[] = [];
    for (const bits of this.lengths) {
      const bucket = this.buckets[bits] as Map<number, Route>;
      out.push(...[...bucket.values()].sort((a, b) => a.dst.base - b.dst.base));
    }
    return out;
  }

  /** The local addresses, in ascending order. */
  localAddresses(): IPv4[] {
    return [...this.locals.keys()].sort((a, b) => a - b);
  }
}

/**
 * Formats a route the way `ip route` prints it, e.g.
 * `10.244.2.0/24 via 10.0.0.3 dev eth0`; a /32 prints as a bare address.
 */
export function formatRoute(route: Route): string {
  const dst =
    route.dst.bits === 0 ? "default" : route.dst.bits === 32 ? formatIPv4(route.dst.base) : formatCidr(route.dst);
  if (route.kind === "blackhole") return `blackhole ${dst}`;
  if (route.kind === "local") return `local ${dst} dev ${route.dev}`;
  return route.via === undefined ? `${dst} dev ${route.dev}` : `${dst} via ${formatIPv4(route.via)} dev ${route.dev}`;
}
