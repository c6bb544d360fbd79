/**
 * Probe groups: every (target, source) pair of a cluster is one group, sent
 * once and then again as long as the question it asks is open:
 *
 * - where svcsim predicts several fates and no `-m recent` list is involved,
 *   repeated sends (fresh source ports) must reach every predicted fate; the
 *   number of sends is capped where missing a fate by chance becomes
 *   negligible (below 1e-9 per group);
 * - where a path sets a `-m recent` list (ClientIP affinity), later sends from
 *   the same source must stick: svcsim re-predicts them from the lists as the
 *   kernel's earlier picks left them, so two more sends check the stickiness.
 */
import { parseIPv4 } from "../../src/net/index.ts";
import type { CompiledRuleset } from "../../src/netfilter/index.ts";
import type { Target } from "./cluster.ts";
import { fateKey, type PredictedFate, type ProbePacket, predict, recentSets } from "./predict.ts";
import { NODE_ADDRESSES, type Side, SOURCES, type SourceKind } from "./topology.ts";

/** Below this chance a group may miss one of its fates only by bad luck. */
const MISS_CHANCE = 1e-9;

/** One (target, source) pair and what its sends have shown so far. */
export interface Group {
  readonly target: Target;
  readonly source: SourceKind;
  readonly side: Side;
  readonly src: string;
  /** Sends so far. */
  sent: number;
  /** Fate keys the kernel chose, over every send that agreed with svcsim. */
  readonly seen: Set<string>;
  /** True once any predicted path touched a `-m recent --set`. */
  affinity: boolean;
}

/** Every group of a cluster, in target order. */
export function makeGroups(targets: readonly Target[]): Group[] {
  return targets.flatMap((target) =>
    target.sources.map((source) => {
      const s = SOURCES[source];
      return { target, source, side: s.side, src: s.ip, sent: 0, seen: new Set<string>(), affinity: false };
    }),
  );
}

/** The probe packet of a group's next send. */
export function packetOf(g: Group, sport: number): ProbePacket {
  const t = g.target;
  return { proto: t.proto, src: g.src, sport, dst: t.dst, dport: t.dport, fromNode: g.side === "node" };
}

/** svcsim's fates for the group's next send, given the current `-m recent` lists. */
export function predictGroup(rs: CompiledRuleset, g: Group): PredictedFate[] {
  const fates = predict(rs, packetOf(g, 40000), NODE_ADDRESSES);
  if (fates.some((f) => recentSets(f).length > 0)) g.affinity = true;
  return fates;
}

/** The distinct fate keys with their total probability. */
export function fateShares(fates: readonly PredictedFate[]): Map<string, number> {
  const shares = new Map<string, number>();
  for (const f of fates) shares.set(fateKey(f), (shares.get(fateKey(f)) ?? 0) + f.probability);
  return shares;
}

/** How many sends make missing any of these fates by chance less likely than MISS_CHANCE. */
export function coverageCap(shares: ReadonlyMap<string, number>): number {
  const pmin = Math.min(...shares.values());
  if (shares.size < 2 || pmin >= 1) return 1;
  return Math.ceil(Math.log(MISS_CHANCE / shares.size) / Math.log(1 - pmin));
}

/**
 * True when every path the send may take only refreshes `-m recent` entries
 * that already hold its source (a `--set` after an `--rcheck` hit): such a
 * send changes no other send's choice. One fate is not enough: a single
 * endpoint's `--set` still adds the source to a list that other chains of
 * the same service port `--rcheck` first.
 */
export function refreshesOnly(rs: CompiledRuleset, g: Group, fates: readonly PredictedFate[]): boolean {
  const src = parseIPv4(g.src);
  return fates.every((f) => recentSets(f).every((m) => rs.recent.entries(m.name).some((e) => e.addr === src)));
}

/** How many more sends a group needs now (0 when its question is answered). */
export function moreSends(rs: CompiledRuleset, g: Group, fates: readonly PredictedFate[]): number {
  const shares = fateShares(fates);
  if (g.affinity) {
    // Refresh-only sends may run together; one that adds an entry runs alone (see recentClaim).
    if (g.sent >= 3) return 0;
    return refreshesOnly(rs, g, fates) ? 3 - g.sent : 1;
  }
  if (shares.size < 2 || [...shares.keys()].every((k) => g.seen.has(k))) return 0;
  const cap = coverageCap(shares);
  return Math.min(cap - g.sent, 3 * shares.size);
}

/**
 * How a send of an affinity group may share a round: sends that only refresh
 * entries may run together; a send that adds an entry changes what the others
 * would pick, so it runs alone for its (source, service port). Undefined for
 * other groups.
 */
export function recentClaim(
  rs: CompiledRuleset,
  g: Group,
  fates: readonly PredictedFate[],
): { key: string; decided: boolean } | undefined {
  if (!g.affinity) return undefined;
  return { key: `${g.src} ${g.target.svcPort ?? g.target.what}`, decided: refreshesOnly(rs, g, fates) };
}
