/** What target choice needs to know of a target. */
export interface Selectable {
  readonly key: string;
  readonly zone: string | undefined;
  readonly healthy: boolean;
}

/** How new flows are spread. */
export interface SelectOptions {
  readonly distribution: "flow-hash" | "round-robin";
  readonly crossZone: boolean;
  readonly failOpen: boolean;
  /** The flow's hash (picks the target under flow-hash). */
  readonly hash: number;
  /** A second, independent hash of the flow (picks the client's zone). */
  readonly zoneHash: number;
  /** The next round-robin counter value. */
  readonly nextRoundRobin: () => number;
}

/** The choice for one new flow. */
export interface Selection<T> {
  readonly target: T | undefined;
  /** How many targets it chose among. */
  readonly candidates: number;
  /** True when no target was healthy and the balancer failed open. */
  readonly failOpen: boolean;
  /** The load-balancer zone the flow entered (cross-zone off). */
  readonly zone: string | undefined;
}

/**
 * Picks a new flow's target among `targets` (sorted by key):
 * - only healthy targets, unless none is healthy: then all of them when the
 *   provider fails open, none otherwise;
 * - cross-zone off: the flow enters the balancer in one zone, chosen by
 *   `zoneHash` among the zones that have a healthy target, and goes to a
 *   healthy target in that zone. A client resolves the balancer's name to
 *   one zonal address per connection; AWS removes a zone's address from DNS
 *   when the zone has no healthy target, which is why only such zones are
 *   entered. Fail-open spans every zone ("allow traffic to all targets in
 *   all enabled Availability Zones");
 * - then the flow hash, or the round-robin counter, indexes the candidates.
 */
// why: https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
// (zonal routing, DNS failover and fail-open) and network-load-balancers.html (flow hash:
// "protocol, source IP address, source port, destination IP address, destination port").
export function selectTarget<T extends Selectable>(targets: readonly T[], o: SelectOptions): Selection<T> {
  const healthy = targets.filter((t) => t.healthy);
  let pool: readonly T[];
  let zone: string | undefined;
  let failOpen = false;
  if (healthy.length === 0) {
    if (!o.failOpen || targets.length === 0) return { target: undefined, candidates: 0, failOpen: false, zone };
    pool = targets;
    failOpen = true;
  } else if (o.crossZone) {
    pool = healthy;
  } else {
    const zones = [...new Set(healthy.map((t) => t.zone ?? ""))].sort();
    zone = zones[o.zoneHash % zones.length] as string;
    pool = healthy.filter((t) => (t.zone ?? "") === zone);
  }
  const index = o.distribution === "flow-hash" ? o.hash % pool.length : o.nextRoundRobin() % pool.length;
  return { target: pool[index], candidates: pool.length, failOpen, zone: zone === "" ? undefined : zone };
}

/** A 32-bit hash of a 5-tuple under a per-balancer seed (murmur3's finaliser over the fields). */
export function flowHash(
  seed: number,
  proto: number,
  src: number,
  srcPort: number,
  dst: number,
  dstPort: number,
): number {
  let h = seed >>> 0;
  for (const v of [proto, src, srcPort, dst, dstPort]) {
    h = Math.imul(h ^ (v >>> 0), 0x9e3779b1) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return h >>> 0;
}
