import type { CompiledChain, CompiledRule } from "./compile.ts";
import { testedMatches } from "./compile-match.ts";
import { type NetfilterPacket, PROTO_OF } from "./context.ts";
import type { Match } from "./types.ts";

/** Protocols a guard may fix, by a small code (a guard leaves any other protocol out). */
const PROTO_CODE: Readonly<Record<number, number>> = { 1: 1, 6: 2, 17: 3, 132: 4 };

/** Guard field bits: which exact conditions a rule's guard fixes. */
const PROTO = 1;
const DST = 2;
const DPORT = 4;

/**
 * The exact conditions a rule tests before any stateful match: `-p proto`,
 * `-d ip/32` and `--dport port`, each un-negated. A packet that differs in
 * any fixed field fails the rule at a side-effect-free test, so the rule can
 * be skipped without changing anything the kernel's walk would change.
 */
export interface RuleGuard {
  /** Bit mask of fixed fields (1 protocol, 2 destination, 4 destination port); 0 for no guard. */
  shape: number;
  proto: number;
  dst: number;
  dport: number;
}

/** Match kinds whose test only reads the packet and the walk's state: skipping them changes nothing. */
export const PURE_KINDS: ReadonlySet<Match["kind"]> = new Set([
  "source",
  "destination",
  "inInterface",
  "outInterface",
  "protocol",
  "tcp",
  "udp",
  "sctp",
  "multiport",
  "addrtype",
  "mark",
  "conntrack",
  "state",
  "set",
]);

/**
 * The guard of a compiled rule, read from its matches in test order up to the
 * first match that is not pure (`-m statistic` draws a random number or
 * advances its nth counter; `-m recent` updates its list).
 */
// why: ipt_do_table (net/ipv4/netfilter/ip_tables.c) runs ip_packet_match
// (-s -d -i -o -p) and then each extension match in order, leaving the rule
// at the first that fails: a match after the failing one is never run.
export function ruleGuard(r: CompiledRule): RuleGuard {
  const g: RuleGuard = { shape: 0, proto: 0, dst: 0, dport: 0 };
  for (const m of testedMatches(r.rule.matches)) {
    if (!PURE_KINDS.has(m.kind)) break;
    if (m.kind === "destination" && !m.invert && m.cidr.bits === 32 && !(g.shape & DST)) {
      g.shape |= DST;
      g.dst = m.cidr.base;
    } else if (m.kind === "protocol" && !m.invert && !(g.shape & PROTO) && PROTO_CODE[m.proto] !== undefined) {
      g.shape |= PROTO;
      g.proto = m.proto;
    } else if ((m.kind === "tcp" || m.kind === "udp" || m.kind === "sctp") && !(g.shape & DPORT)) {
      const d = m.dport;
      if (d && !d.invert && d.lo === d.hi) {
        g.shape |= DPORT;
        g.dport = d.lo;
      }
    }
  }
  return g;
}

/** Destination, protocol code and port folded into one exact number (< 2^51). */
const keyOf = (dst: number, code: number, port: number): number => dst * 524288 + code * 65536 + port;

/** The rules of one guard shape, by the values of their fixed fields: one position, or several ascending. */
class ShapeBucket {
  private readonly map = new Map<number, number | number[]>();

  constructor(readonly shape: number) {}

  add(g: RuleGuard, pos: number): void {
    const key = keyOf(g.dst, PROTO_CODE[g.proto] ?? 0, g.dport);
    const had = this.map.get(key);
    if (had === undefined) this.map.set(key, pos);
    else if (typeof had === "number") this.map.set(key, [had, pos]);
    else had.push(pos);
  }

  lookup(pkt: NetfilterPacket): number | number[] | undefined {
    const s = this.shape;
    const dst = s & DST ? pkt.dst >>> 0 : 0;
    return this.map.get(
      keyOf(dst, s & PROTO ? (PROTO_CODE[PROTO_OF[pkt.proto]] as number) : 0, s & DPORT ? pkt.dstPort : 0),
    );
  }
}

/**
 * An index over one chain: its guarded rules by the values they fix, and
 * the positions of the rest. For a packet, the candidates (rules it could
 * match) are the bucket lists for its fields plus the unguarded rules; every
 * other rule fails for it at a pure test. Positions are 0-based, ascending.
 */
export class ChainIndex {
  /** The unguarded rules' positions. */
  readonly rest: readonly number[];
  /** How many rules have a guard. */
  readonly guarded: number;
  private readonly buckets: readonly ShapeBucket[];

  constructor(chain: CompiledChain) {
    const buckets = new Map<number, ShapeBucket>();
    const rest: number[] = [];
    chain.rules.forEach((r, pos) => {
      const g = ruleGuard(r);
      if (g.shape === 0) {
        rest.push(pos);
        return;
      }
      const bucket = buckets.get(g.shape) ?? new ShapeBucket(g.shape);
      buckets.set(g.shape, bucket);
      bucket.add(g, pos);
    });
    this.rest = rest;
    this.guarded = chain.rules.length - rest.length;
    this.buckets = [...buckets.keys()].sort((a, b) => a - b).map((k) => buckets.get(k) as ShapeBucket);
  }

  /** The candidate lists for a packet, each ascending; their union holds every rule it could match. */
  candidates(pkt: NetfilterPacket): readonly (readonly number[])[] {
    const lists: (readonly number[])[] = [];
    for (const b of this.buckets) {
      const l = b.lookup(pkt);
      if (typeof l === "number") lists.push([l]);
      else if (l) lists.push(l);
    }
    if (this.rest.length > 0) lists.push(this.rest);
    return lists;
  }
}

/** The first candidate position at or after `from`, or `end` when none is left. */
export function nextCandidate(lists: readonly (readonly number[])[], from: number, end: number): number {
  let best = end;
  for (let k = 0; k < lists.length; k++) {
    const l = lists[k] as readonly number[];
    // Lower bound: the first element >= from.
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((l[mid] as number) < from) lo = mid + 1;
      else hi = mid;
    }
    if (lo < l.length && (l[lo] as number) < best) best = l[lo] as number;
  }
  return best;
}

/** Indexes a chain when it has at least `minGuarded` guarded rules; undefined when a linear walk is as good. */
export function indexChain(chain: CompiledChain, minGuarded: number): ChainIndex | undefined {
  if (chain.rules.length < minGuarded) return undefined;
  const index = new ChainIndex(chain);
  return index.guarded >= minGuarded && index.guarded > 0 ? index : undefined;
}
