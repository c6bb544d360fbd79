import type { MatchEnv, Test } from "./compile-match.ts";
import { type NetfilterPacket, PROTO_OF } from "./context.ts";
import { PURE_KINDS } from "./index-chains.ts";
import type { Match } from "./types.ts";

/** Which inline checks a rule's fast form has. */
const F_SRC = 1;
const F_DST = 2;
const F_PROTO = 4;
const F_SPORT = 8;
const F_DPORT = 16;
const F_STAT = 32;

/**
 * A rule's tests in the form the indexed walk runs: the common kube-proxy
 * matches (-s, -d, -p, --sport, --dport, one `-m statistic --mode random`)
 * as plain numbers on the compiled rule itself, and the remaining tests in
 * their original order. Checking numbers held in the rule object touches no
 * other memory: at 30,000 Services almost every rule a packet meets is cold
 * in the CPU cache, and each closure and captured object is one more miss.
 */
export interface FastTests {
  /** Bit mask of the inline checks present. */
  readonly fMask: number;
  readonly srcBase: number;
  readonly srcMask: number;
  readonly srcInv: boolean;
  readonly dstBase: number;
  readonly dstMask: number;
  readonly dstInv: boolean;
  readonly proto: number;
  readonly protoInv: boolean;
  readonly spLo: number;
  readonly spHi: number;
  readonly spInv: boolean;
  readonly dpLo: number;
  readonly dpHi: number;
  readonly dpInv: boolean;
  readonly statProb: number;
  readonly statInv: boolean;
  /** The tests not made inline, in rule order; they run after the inline checks. */
  readonly rest: readonly Test[];
}

/**
 * Splits a rule's tests (`ordered[k]` is tested by `tests[k]`) into inline
 * checks and the rest. Only side-effect-free checks may move ahead of the
 * tests left in `rest`; the one statistic draw is made inline only when no
 * test before it was left behind, so draws happen exactly when the kernel's
 * in-order walk would make them.
 */
// why: ipt_do_table stops a rule at its first failing match, so a draw in
// xt_statistic happens only when every match before it passed.
export function fastTests(ordered: readonly Match[], tests: readonly Test[]): FastTests {
  const f = {
    fMask: 0,
    srcBase: 0,
    srcMask: 0,
    srcInv: false,
    dstBase: 0,
    dstMask: 0,
    dstInv: false,
    proto: 0,
    protoInv: false,
    spLo: 0,
    spHi: 0,
    spInv: false,
    dpLo: 0,
    dpHi: 0,
    dpInv: false,
    statProb: 0,
    statInv: false,
    rest: [] as Test[],
  };
  let inlining = true;
  ordered.forEach((m, k) => {
    const test = tests[k] as Test;
    if (!inlining || !inline(f, m, f.rest.length === 0)) {
      f.rest.push(test);
      // Past an impure test nothing may move ahead of it: stop inlining.
      if (!PURE_KINDS.has(m.kind)) inlining = false;
    }
    if (m.kind === "statistic") inlining = false;
  });
  if (f.rest.length === 0) f.rest = NO_TESTS;
  return f;
}

/** The shared empty rest: one object for every rule whose tests are all inline, always in cache. */
const NO_TESTS: Test[] = [];

type Mutable = { -readonly [K in keyof FastTests]: FastTests[K] } & { rest: Test[] };

/** Makes `m` an inline check of `f` when it can be; false leaves it to `rest`. */
function inline(f: Mutable, m: Match, nothingDeferred: boolean): boolean {
  if (m.kind === "source" && !(f.fMask & F_SRC)) {
    f.srcBase = m.cidr.base;
    f.srcMask = m.cidr.mask;
    f.srcInv = m.invert;
    f.fMask |= F_SRC;
  } else if (m.kind === "destination" && !(f.fMask & F_DST)) {
    f.dstBase = m.cidr.base;
    f.dstMask = m.cidr.mask;
    f.dstInv = m.invert;
    f.fMask |= F_DST;
  } else if (m.kind === "protocol" && !(f.fMask & F_PROTO)) {
    f.proto = m.proto;
    f.protoInv = m.invert;
    f.fMask |= F_PROTO;
  } else if ((m.kind === "tcp" || m.kind === "udp" || m.kind === "sctp") && !(f.fMask & (F_SPORT | F_DPORT))) {
    if (m.sport) {
      f.spLo = m.sport.lo;
      f.spHi = m.sport.hi;
      f.spInv = m.sport.invert;
      f.fMask |= F_SPORT;
    }
    if (m.dport) {
      f.dpLo = m.dport.lo;
      f.dpHi = m.dport.hi;
      f.dpInv = m.dport.invert;
      f.fMask |= F_DPORT;
    }
  } else if (m.kind === "statistic" && m.mode === "random" && nothingDeferred) {
    f.statProb = m.probability;
    f.statInv = m.invert;
    f.fMask |= F_STAT;
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
    if (f & F_SRC && ((pkt.src & r.srcMask) >>> 0 === r.srcBase) === r.srcInv) return false;
    if (f & F_DST && ((pkt.dst & r.dstMask) >>> 0 === r.dstBase) === r.dstInv) return false;
    if (f & F_PROTO && (PROTO_OF[pkt.proto] === r.proto) === r.protoInv) return false;
    if (f & F_SPORT && (pkt.srcPort >= r.spLo && pkt.srcPort <= r.spHi) === r.spInv) return false;
    if (f & F_DPORT && (pkt.dstPort >= r.dpLo && pkt.dstPort <= r.dpHi) === r.dpInv) return false;
    if (f & F_STAT && env.ctx.random() * 0x80000000 < r.statProb === r.statInv) return false;
  }
  const rest = r.rest;
  for (let k = 0; k < rest.length; k++)
    if (!(rest[k] as (p: NetfilterPacket, e: MatchEnv) => boolean)(pkt, env)) return false;
  return true;
}
