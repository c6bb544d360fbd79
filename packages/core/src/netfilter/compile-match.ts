import { cidrContains } from "../net/index.ts";
import { classifyAddress, type EvalContext, type NetfilterPacket, PROTO_OF } from "./context.ts";
import type { RecentTables } from "./recent.ts";
import { CT_STATE_BITS, IP_PART_KINDS, type Match } from "./types.ts";

/** The mutable state one traversal threads through its matches. */
export interface MatchEnv {
  ctx: EvalContext;
  /** The packet's mark as MARK targets have left it so far. */
  mark: number;
  recent: RecentTables;
  /** Explain mode: no state may change (recent lists, nth counters). */
  readOnly: boolean;
}

/** A compiled match: true when the packet passes it. */
export type Test = (pkt: NetfilterPacket, env: MatchEnv) => boolean;

function ifaceTest(name: string, invert: boolean, dev: (env: MatchEnv) => string | undefined): Test {
  // why: a trailing "+" matches any interface with that prefix (ip_packet_match / ifname compare with mask).
  if (name.endsWith("+")) {
    const prefix = name.slice(0, -1);
    return (_p, env) => (dev(env) ?? "").startsWith(prefix) !== invert;
  }
  return (_p, env) => ((dev(env) ?? "") === name) !== invert;
}

function portTest(
  cond: { lo: number; hi: number; invert: boolean } | undefined,
  pick: "srcPort" | "dstPort",
): Test | undefined {
  if (!cond) return undefined;
  const { lo, hi, invert } = cond;
  return (p) => (p[pick] >= lo && p[pick] <= hi) !== invert;
}

function ctBits(env: MatchEnv, withNat: boolean): number {
  const ct = env.ctx.ct ?? { state: "NEW" };
  // why: xt_conntrack.c conntrack_mt — statebit from ctinfo; SNAT/DNAT bits
  // from IPS_SRC_NAT/IPS_DST_NAT only when a conntrack entry exists.
  let bits = CT_STATE_BITS[ct.state];
  if (withNat && ct.state !== "INVALID" && ct.state !== "UNTRACKED") {
    if (ct.snat) bits |= CT_STATE_BITS.SNAT;
    if (ct.dnat) bits |= CT_STATE_BITS.DNAT;
  }
  return bits;
}

function addrTypeTest(m: Match & { kind: "addrtype" }): Test {
  const dev = (env: MatchEnv) =>
    m.limitIfaceIn ? (env.ctx.inDev ?? "") : m.limitIfaceOut ? (env.ctx.outDev ?? "") : undefined;
  const type = (ip: number, env: MatchEnv) =>
    env.ctx.addrType ? env.ctx.addrType(ip, dev(env)) : classifyAddress(ip, env.ctx.localAddresses, dev(env));
  const { src, dst } = m;
  // why: xt_addrtype.c addrtype_mt_v1 — each side: !!(mask & 1 << type) ^ invert.
  return (p, env) =>
    (!src || ((src.types & (1 << type(p.src, env))) !== 0) !== src.invert) &&
    (!dst || ((dst.types & (1 << type(p.dst, env))) !== 0) !== dst.invert);
}

/**
 * True when {@link compileMatch} gives the match a test: false for matches
 * that always pass (comment, nfacct, `-p all`, a port match without ports).
 */
export function hasTest(m: Match): boolean {
  switch (m.kind) {
    case "comment":
    case "nfacct":
      return false;
    case "protocol":
      return m.proto !== 0;
    case "tcp":
    case "udp":
    case "sctp":
      return m.sport !== undefined || m.dport !== undefined;
    default:
      return true;
  }
}

/**
 * The matches of a rule that have a test, in test order: the IP part first,
 * then the extensions in rule order. The rule's own array when it already is
 * that (no allocation).
 */
// why: ipt_do_table checks ip_packet_match (-s -d -i -o -p) before any
// extension, whatever order the rule was written in; the order matters for
// stateful matches (a statistic draw happens only when the IP part passed).
export function testedMatches(matches: readonly Match[]): readonly Match[] {
  let sawExtension = false;
  let asIs = true;
  for (const m of matches) {
    const ip = IP_PART_KINDS.has(m.kind);
    if (!hasTest(m) || (ip && sawExtension)) {
      asIs = false;
      break;
    }
    if (!ip) sawExtension = true;
  }
  if (asIs) return matches;
  const out: Match[] = [];
  for (const m of matches) if (IP_PART_KINDS.has(m.kind) && hasTest(m)) out.push(m);
  for (const m of matches) if (!IP_PART_KINDS.has(m.kind) && hasTest(m)) out.push(m);
  return out;
}

/**
 * The `--mode nth` counter a rule starts with once loaded: the kernel's
 * xt_statistic_priv count, every-1-packet (the last nth match of the rule
 * sets it, as the rule's matches share one counter here).
 */
// why: xt_statistic.c statistic_mt_check — info->master->count = info->u.nth.count (every-1-packet).
export function initialNth(matches: readonly Match[]): number {
  let count = 0;
  for (const m of matches) if (m.kind === "statistic" && m.mode === "nth") count = m.every - 1 - m.packet;
  return count;
}

/**
 * Compiles one match into a test. `nth` holds the rule's `--mode nth`
 * counter, the per-rule state the kernel keeps in xt_statistic_priv; it is
 * read and advanced, never reset, so a rule's tests may be compiled more
 * than once. Returns undefined for matches that always pass (see {@link hasTest}).
 */
export function compileMatch(m: Match, nth: { count: number }): Test | undefined {
  switch (m.kind) {
    case "source": {
      const { cidr, invert } = m;
      return (p) => cidrContains(cidr, p.src) !== invert;
    }
    case "destination": {
      const { cidr, invert } = m;
      return (p) => cidrContains(cidr, p.dst) !== invert;
    }
    case "inInterface":
      return ifaceTest(m.name, m.invert, (env) => env.ctx.inDev);
    case "outInterface":
      return ifaceTest(m.name, m.invert, (env) => env.ctx.outDev);
    case "protocol": {
      const { proto, invert } = m;
      if (proto === 0) return undefined;
      return (p) => (PROTO_OF[p.proto] === proto) !== invert;
    }
    case "tcp":
    case "udp":
    case "sctp": {
      const s = portTest(m.sport, "srcPort");
      const d = portTest(m.dport, "dstPort");
      if (s && d) return (p, env) => s(p, env) && d(p, env);
      return s ?? d;
    }
    case "multiport": {
      const { ports, direction, invert } = m;
      const inAny = (port: number) => ports.some((r) => port >= r.lo && port <= r.hi);
      if (direction === "sports") return (p) => inAny(p.srcPort) !== invert;
      if (direction === "dports") return (p) => inAny(p.dstPort) !== invert;
      return (p) => (inAny(p.srcPort) || inAny(p.dstPort)) !== invert;
    }
    case "comment":
    case "nfacct":
      return undefined;
    case "addrtype":
      return addrTypeTest(m);
    case "mark": {
      const { value, mask, invert } = m;
      // why: xt_mark.c mark_mt — ((skb->mark & mask) == mark) ^ invert.
      return (_p, env) => ((env.mark & mask) >>> 0 === value) !== invert;
    }
    case "statistic":
      if (m.mode === "random") {
        const { probability, invert } = m;
        // why: xt_statistic.c — (prandom_u32() & 0x7FFFFFFF) < probability.
        return (_p, env) => env.ctx.random() * 0x80000000 < probability !== invert;
      } else {
        const last = m.every - 1;
        const { invert } = m;
        // why: xt_statistic.c — nval = count == every-1 ? 0 : count+1; match on 0 (the counter
        // starts at every-1-packet: see initialNth, set once when the rule is loaded).
        return () => {
          nth.count = nth.count === last ? 0 : nth.count + 1;
          return (nth.count === 0) !== invert;
        };
      }
    case "recent":
      return (p, env) => env.recent.match(m, m.side === "dest" ? p.dst : p.src, p.ttl ?? 64, env.ctx.now, env.readOnly);
    case "conntrack": {
      const { states, invert } = m;
      return (_p, env) => ((states & ctBits(env, true)) !== 0) !== invert;
    }
    case "state": {
      const { states, invert } = m;
      return (_p, env) => ((states & ctBits(env, false)) !== 0) !== invert;
    }
    case "set": {
      const { name, dirs, invert } = m;
      // why: a set the lookup does not know matches nothing (iptables would refuse to load the rule).
      return (p, env) => (env.ctx.ipset?.test(name, dirs, p) ?? false) !== invert;
    }
  }
}
