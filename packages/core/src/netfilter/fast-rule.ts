import { compileMatch, type MatchEnv, type Test } from "./compile-match.ts";
import { type NetfilterPacket, PROTO_OF } from "./context.ts";
import { PURE_KINDS } from "./index-chains.ts";
import type { Match } from "./types.ts";

/** Which inline checks a rule's fast form has (low bits), and which of them are negated (`INV` times that). */
const F_SRC = 1;
const F_DST = 2;
const F_PROTO = 4;
const F_SPORT = 8;
const F_DPORT = 16;
const F_STAT = 32;
const INV = 64;

/**
 * A rule's tests in the form the indexed walk runs: the common kube-proxy
 * matches (-s, -d, -p, --sport, --dport, one `-m statistic --mode random`)
 * as plain numbers on the compiled rule itself, and the remaining tests in
 * their original order. Checking numbers held in the rule object touches no
 * other memory: at 30,000 Services almost every rule a packet meets is cold
 * in the CPU cache, and each closure and captured object is one more miss.
 *
 * Every number fits V8's small integers (addresses and masks are kept as
 * signed 32-bit values, a port range as `lo | hi << 16`), so none is a
 * separate heap object the walk would have to follow.
 */
export interface FastTests {
  /** Bit mask of the inline checks present, and (times 64) of those negated. */
  readonly fMask: number;
  /** `-s` network and mask, as signed 32-bit integers. */
  readonly srcBase: number;
  readonly srcMask: number;
  /** `-d` network and mask, as signed 32-bit integers. */
  readonly dstBase: number;
  readonly dstMask: number;
  readonly proto: number;
  /** `--sport` range as `lo | hi << 16`. */
  readonly sport: number;
  /** `--dport` range as `lo | hi << 16`. */
  readonly dport: number;
  /** The kernel's 31-bit `--probability`. */
  readonly statProb: number;
  /** The tests not made inline, in rule order; they run after the inline checks. */
  readonly rest: readonly Test[];
}

type Mutable = { -readonly [K in keyof FastTests]: FastTests[K] } & { rest: Test[] };

/** The shared empty rest: one object for every rule whose tests are all inline, always in cache. */
const NO_TESTS: readonly Test[] = Object.freeze([]);

/**
 * Fills `f` (fields zeroed) with the fast form of a rule whose tested
 * matches, in test order, are `ordered`: inline checks where possible, the
 * rest compiled into `f.rest`. Only side-effect-free checks may move ahead
 * of the tests left in `rest`; the one statistic draw is made inline only
 * when no test before it was left behind, so draws happen exactly when the
 * kernel's in-order walk would make them.
 */
// why: ipt_do_table stops a rule at its first failing match, so a draw in
// xt_statistic happens only when every match before it passed.
export function fillFastTests(f: Mutable, ordered: readonly Match[], nth: { count: number }): void {
  let rest: Test[] | undefined;
  let inlining = true;
  for (const m of ordered) {
    if (!inlining || !inline(f, m, rest === undefined)) {
      rest ??= [];
      rest.push(compileMatch(m, nth) as Test);
      // Past an impure test nothing may move ahead of it: stop inlining.
      if (!PURE_KINDS.has(m.kind)) inlining = false;
    }
    if (m.kind === "statistic") inlining = false;
  }
  f.rest = rest ?? (NO_TESTS as Test[]);
}

/** A port range packed into one small integer. */
const packPorts = (lo: number, hi: number): number => lo | (hi << 16);

/** Makes `m` an inline check of `f` when it can be; false leaves it to `rest`. */
function inline(f: Mutable, m: Match, nothingDeferred: boolean): boolean {
  if (m.kind === "source" && !(f.fMask & F_SRC)) {
    f.srcBase = m.cidr.base | 0;
    f.srcMask = m.cidr.mask | 0;
    f.fMask |= m.invert ? F_SRC | (F_SRC * INV) : F_SRC;
  } else if (m.kind === "destination" && !(f.fMask & F_DST)) {
    f.dstBase = m.cidr.base | 0;
    f.dstMask = m.cidr.mask | 0;
    f.fMask |= m.invert ? F_DST | (F_DST * INV) : F_DST;
  } else if (m.kind === "protocol" && !(f.fMask & F_PROTO)) {
    f.proto = m.proto;
    f.fMask |= m.invert ? F_PROTO | (F_PROTO * INV) : F_PROTO;
  } else if ((m.kind === "tcp" || m.kind === "udp" || m.kind === "sctp") && !(f.fMask & (F_SPORT | F_DPORT))) {
    if (m.sport) {
      f.sport = packPorts(m.sport.lo, m.sport.hi);
      f.fMask |= m.sport.invert ? F_SPORT | (F_SPORT * INV) : F_SPORT;
    }
    if (m.dport) {
      f.dport = packPorts(m.dport.lo, m.dport.hi);
      f.fMask |= m.dport.invert ? F_DPORT | (F_DPORT * INV) : F_DPORT;
    }
  } else if (m.kind === "statistic" && m.mode === "random" && nothingDeferred) {
    f.statProb = m.probability;
    f.fMask |= m.invert ? F_STAT | (F_STAT * INV) : F_STAT;
  } else {
    return false;
  }
  return true;
}

/** True when the packet passes every test of the rule: the inline checks, then the rest in order. */
export function fastPasses(r: FastTests, pkt: NetfilterPacket, env: MatchEnv): boolean {
  const f = r.fMask;
  if (f !== 0) {
    // why: the same comparisons as compile-match.ts: (addr & mask) == base ^ invert (ip_packet_match),
    // lo <= port <= hi ^ invert (xt_tcpudp port_match), (u31 < probability) ^ invert (xt_statistic).
    if (f & F_SRC && ((pkt.src & r.srcMask) === r.srcBase) === ((f & (F_SRC * INV)) !== 0)) return false;
    if (f & F_DST && ((pkt.dst & r.dstMask) === r.dstBase) === ((f & (F_DST * INV)) !== 0)) return false;
    if (f & F_PROTO && (PROTO_OF[pkt.proto] === r.proto) === ((f & (F_PROTO * INV)) !== 0)) return false;
    if (f & F_SPORT) {
      const p = pkt.srcPort;
      const v = r.sport;
      if ((p >= (v & 0xffff) && p <= v >>> 16) === ((f & (F_SPORT * INV)) !== 0)) return false;
    }
    if (f & F_DPORT) {
      const p = pkt.dstPort;
      const v = r.dport;
      if ((p >= (v & 0xffff) && p <= v >>> 16) === ((f & (F_DPORT * INV)) !== 0)) return false;
    }
    if (f & F_STAT && env.ctx.random() * 0x80000000 < r.statProb === ((f & (F_STAT * INV)) !== 0)) return false;
  }
  const rest = r.rest;
  for (let k = 0; k < rest.length; k++)
    if (!(rest[k] as (p: NetfilterPacket, e: MatchEnv) => boolean)(pkt, env)) return false;
  return true;
}
